package dev.safetap.symbols;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The rows {@code readelf --debug-dump=frames-interp} prints for each FDE of a file's call frame sections (not
 * of its debug file: {@code -wN}), the reference {@link CallFrameInfo} is checked against. readelf prints a table of rows per FDE: the location, the
 * CFA ({@code rsp+8}, {@code exp}) and a rule per column it saw mentioned ({@code u} undefined or not yet given,
 * {@code s} same value, {@code c-16} at CFA-16, {@code v+8} value CFA+8, a register name, {@code exp},
 * {@code vexp}); an FDE whose instructions change nothing gets no table, and its one row is its CIE's.
 */
final class ReadelfFrames {
    /** One FDE: its section, its function's range, the columns readelf named, and its rows. */
    record Description(String section, long offset, long begin, long end, List<String> columns, List<Row> rows) {
    }

    /** One printed row: where it starts and the CFA and column rules as printed. */
    record Row(long location, List<String> rules) {
    }

    private static final Pattern ENTRY = Pattern.compile("^([0-9a-f]+) [0-9a-f]+ [0-9a-f]+ (CIE|FDE)(.*)$");
    private static final Pattern FDE = Pattern.compile(" cie=([0-9a-f]+) pc=([0-9a-f]+)\\.\\.([0-9a-f]+)");
    private static final Pattern REGISTER = Pattern.compile("^r([0-9]+)$");
    private static final Pattern ROW = Pattern.compile("^([0-9a-f]{8,16}) +(\\S.*)$");

    private ReadelfFrames() {
    }

    /** Every FDE of {@code file} as readelf interprets it. */
    static List<Description> of(Path file) throws IOException {
        String listing = NativeBuild.run("readelf", "-W", "-wN", "--debug-dump=frames-interp", file.toString());
        List<Description> descriptions = new ArrayList<>();
        Map<String, Description> cies = new HashMap<>();
        String section = "";
        String cieKey = null;
        String fdeCie = null;
        long offset = 0;
        long begin = 0;
        long end = 0;
        List<String> columns = null;
        List<Row> rows = null;
        for (String line : (listing + "\n").split("\n")) {
            Matcher entry = ENTRY.matcher(line);
            boolean boundary = entry.matches() || line.startsWith("Contents of the ") || line.contains("ZERO terminator");
            if (boundary && rows != null) {
                if (cieKey != null) {
                    cies.put(cieKey, new Description(section, offset, 0, 0, columns, rows));
                } else {
                    Description cie = cies.get(section + fdeCie);
                    if (rows.isEmpty() && cie != null && !cie.rows().isEmpty()) {
                        Row initial = cie.rows().get(cie.rows().size() - 1);
                        descriptions.add(new Description(section, offset, begin, end, cie.columns(),
                                List.of(new Row(begin, initial.rules()))));
                    } else if (!rows.isEmpty()) {
                        descriptions.add(new Description(section, offset, begin, end, columns, rows));
                    }
                }
                rows = null;
            }
            if (line.startsWith("Contents of the ")) {
                section = line.substring("Contents of the ".length(), line.indexOf(" section"));
            } else if (entry.matches()) {
                offset = Long.parseLong(entry.group(1), 16);
                columns = List.of();
                rows = new ArrayList<>();
                if (entry.group(2).equals("CIE")) {
                    cieKey = section + entry.group(1);
                } else {
                    Matcher fde = FDE.matcher(entry.group(3));
                    if (!fde.find()) {
                        rows = null;
                        continue;
                    }
                    cieKey = null;
                    fdeCie = fde.group(1);
                    begin = Long.parseUnsignedLong(fde.group(2), 16);
                    end = Long.parseUnsignedLong(fde.group(3), 16);
                }
            } else if (rows != null && line.trim().startsWith("LOC")) {
                String[] names = line.trim().split("\\s+");
                columns = List.of(names).subList(2, names.length);
            } else if (rows != null) {
                Matcher row = ROW.matcher(line);
                if (row.matches()) {
                    rows.add(new Row(Long.parseUnsignedLong(row.group(1), 16), rules(row.group(2))));
                }
            }
        }
        return descriptions;
    }

    /**
     * The rules of a printed row. A register rule is printed {@code r9 (r9)}, {@code r3 (rbx)} or, in the return
     * address column, {@code r5}: each becomes the register's name as {@link #format} prints it.
     */
    private static List<String> rules(String printed) {
        List<String> rules = new ArrayList<>();
        for (String token : printed.trim().split("\\s+")) {
            if (token.startsWith("(") && !rules.isEmpty()) {
                continue;
            }
            Matcher register = REGISTER.matcher(token);
            rules.add(register.matches() ? name(Integer.parseInt(register.group(1))) : token);
        }
        return rules;
    }

    /** {@code row} printed as readelf prints it, the CFA then {@code columns}. */
    static List<String> format(UnwindRow row, List<String> columns) {
        List<String> rules = new ArrayList<>();
        rules.add(row.cfaByExpression() ? "exp" : name(row.cfaRegister()) + signed(row.cfaOffset()));
        for (String column : columns) {
            int c = column(column);
            rules.add(switch (row.rule(c)) {
                case UNSPECIFIED, UNDEFINED -> "u";
                case SAME_VALUE -> "s";
                case OFFSET -> "c" + signed(row.offset(c));
                case VAL_OFFSET -> "v" + signed(row.offset(c));
                case REGISTER -> name(row.register(c));
                case EXPRESSION -> "exp";
                case VAL_EXPRESSION -> "vexp";
            });
        }
        return rules;
    }

    /** The DWARF column readelf calls {@code name}, or -1 for one the unwinder does not keep. */
    static int column(String name) {
        for (X86Register register : X86Register.values()) {
            if (register.dwarf() >= 0 && register.dwarfName().equals(name)) {
                return register.dwarf();
            }
        }
        return -1;
    }

    private static String name(int column) {
        X86Register register = X86Register.ofDwarf(column);
        return register == null ? "r" + column : register.dwarfName();
    }

    private static String signed(long value) {
        return value >= 0 ? "+" + value : Long.toString(value);
    }
}
