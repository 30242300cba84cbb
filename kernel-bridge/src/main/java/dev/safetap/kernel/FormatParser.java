package dev.safetap.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the text of a tracefs {@code events/<category>/<event>/format} file.
 */
public final class FormatParser {
    private static final String DATA_LOC = "__data_loc ";
    private static final Pattern DECLARATION =
            Pattern.compile("^(.*?)([A-Za-z_][A-Za-z0-9_]*)\\s*(?:\\[([^\\]]*)\\])?$");

    private FormatParser() {
    }

    public static TracepointFormat parse(String category, String event, String text) {
        int id = -1;
        List<FormatField> fields = new ArrayList<>();
        String[] lines = text.split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.startsWith("ID:")) {
                id = parseNumber(category, event, i, line, line.substring(3).strip());
            } else if (line.startsWith("field:")) {
                fields.add(parseField(category, event, i, line));
            } else if (line.startsWith("print fmt:")) {
                break;
            }
        }
        if (id < 0) {
            throw failure(category, event, 0, "no 'ID:' line", "");
        }
        return new TracepointFormat(category, event, id, fields);
    }

    private static FormatField parseField(String category, String event, int lineIndex, String line) {
        String declaration = null;
        int offset = -1;
        int size = -1;
        boolean signed = false;
        for (String part : line.split(";")) {
            String item = part.strip();
            if (item.startsWith("field:")) {
                declaration = item.substring("field:".length()).strip();
            } else if (item.startsWith("offset:")) {
                offset = parseNumber(category, event, lineIndex, line, item.substring("offset:".length()));
            } else if (item.startsWith("size:")) {
                size = parseNumber(category, event, lineIndex, line, item.substring("size:".length()));
            } else if (item.startsWith("signed:")) {
                signed = parseNumber(category, event, lineIndex, line, item.substring("signed:".length())) != 0;
            }
        }
        if (declaration == null || offset < 0 || size < 0) {
            throw failure(category, event, lineIndex, "field line lacks field, offset or size", line);
        }
        boolean dataLoc = declaration.startsWith(DATA_LOC);
        if (dataLoc) {
            declaration = declaration.substring(DATA_LOC.length()).strip();
        }
        Matcher matcher = DECLARATION.matcher(declaration);
        if (!matcher.matches() || matcher.group(1).isBlank()) {
            throw failure(category, event, lineIndex, "cannot split type and name", line);
        }
        String type = matcher.group(1).strip();
        String name = matcher.group(2);
        int arrayLength = -1;
        if (matcher.group(3) != null) {
            String length = matcher.group(3).strip();
            arrayLength = length.isEmpty() ? 0 : parseNumber(category, event, lineIndex, line, length);
        }
        return new FormatField(type, name, offset, size, signed, name.startsWith("common_"), arrayLength, dataLoc);
    }

    private static int parseNumber(String category, String event, int lineIndex, String line, String digits) {
        try {
            return Integer.parseInt(digits.strip());
        } catch (NumberFormatException e) {
            throw failure(category, event, lineIndex, "'" + digits.strip() + "' is not a number", line);
        }
    }

    private static KernelException failure(String category, String event, int lineIndex, String what, String line) {
        return new KernelException("cannot parse the tracefs format of " + category + ":" + event
                + " (line " + (lineIndex + 1) + "): " + what + (line.isEmpty() ? "" : ": '" + line + "'")
                + "; this kernel prints a format safetap does not know, please report it with the format file");
    }
}
