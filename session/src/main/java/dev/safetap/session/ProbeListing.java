package dev.safetap.session;

import dev.safetap.kernel.FormatField;
import dev.safetap.kernel.TracepointCatalog;
import java.io.PrintStream;
import java.util.regex.Pattern;

/** {@code safetap -l [PATTERN]}: the probes there are, as bpftrace -l prints them. */
public final class ProbeListing {
    private ProbeListing() {
    }

    /** Prints the probes of {@code catalog} whose name matches the glob {@code pattern}; with {@code fields}, their fields. */
    public static void print(KernelProbeCatalog catalog, String pattern, boolean fields, PrintStream out) {
        print(catalog.tracepointCatalog(), pattern, fields, out);
    }

    private static void print(TracepointCatalog catalog, String pattern, boolean fields, PrintStream out) {
        Pattern match = glob(pattern.contains(":") ? pattern.replaceFirst("^(t|tracepoint):", "tracepoint:") : "*" + pattern + "*");
        StringBuilder sb = new StringBuilder();
        for (String tp : catalog.tracepoints()) {
            String name = "tracepoint:" + tp;
            if (!match.matcher(name).matches() && !match.matcher(tp).matches()) {
                continue;
            }
            sb.append(name).append('\n');
            if (fields) {
                for (FormatField f : catalog.format(tp).map(t -> t.fields()).orElse(java.util.List.of())) {
                    if (!f.common()) {
                        sb.append("    ").append(f.type()).append(' ').append(f.name())
                                .append(f.arrayLength() > 0 ? "[" + f.arrayLength() + "]" : "").append('\n');
                    }
                }
            }
        }
        out.print(sb);
    }

    private static Pattern glob(String glob) {
        StringBuilder re = new StringBuilder();
        for (char c : glob.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
