package dev.safetap.session;

import dev.safetap.bytecode.CounterEvent;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.kernel.FormatField;
import dev.safetap.kernel.TracepointCatalog;
import java.io.PrintStream;

/**
 * {@code safetap -l [PATTERN]}: the probes there are, as bpftrace -l prints them: the hardware and software events
 * ({@code software:page-faults:}, the count left to the script), then the tracepoints; with a pattern
 * {@code uprobe:BINARY:GLOB}, the binary's functions. Profile and interval probes take any rate and are not listed.
 */
public final class ProbeListing {
    private ProbeListing() {
    }

    /** Prints the probes of {@code catalog} whose name matches the glob {@code pattern}; with {@code fields}, their fields. */
    public static void print(KernelProbeCatalog catalog, String pattern, boolean fields, PrintStream out) {
        String[] parts = pattern.split(":", -1);
        if (parts.length == 3 && (parts[0].equals("uprobe") || parts[0].equals("uretprobe") || parts[0].equals("u")
                || parts[0].equals("ur"))) {
            printFunctions(catalog, parts[0].startsWith("ur") ? "uretprobe" : "uprobe", parts[1], parts[2], out);
            return;
        }
        print(catalog.tracepointCatalog(), pattern, fields, out);
    }

    /** {@code -l 'uprobe:BINARY:GLOB'}: the functions of the binary a uprobe may attach to, as bpftrace lists them. */
    private static void printFunctions(KernelProbeCatalog catalog, String type, String binary, String pattern,
            PrintStream out) {
        String path = catalog.binary(binary).orElse(null);
        if (path == null) {
            return;
        }
        String glob = oneStarPerRun(pattern.isEmpty() ? "*" : pattern);
        StringBuilder sb = new StringBuilder();
        for (String function : catalog.functions(path)) {
            if (matches(glob, function)) {
                sb.append(type).append(':').append(path).append(':').append(function).append('\n');
            }
        }
        out.print(sb);
    }

    private static void print(TracepointCatalog catalog, String pattern, boolean fields, PrintStream out) {
        String glob = oneStarPerRun(pattern.contains(":") ? pattern.replaceFirst("^(t|tracepoint):", "tracepoint:")
                .replaceFirst("^s:", "software:").replaceFirst("^h:", "hardware:") : "*" + pattern + "*");
        StringBuilder sb = new StringBuilder();
        for (ProbeKind kind : new ProbeKind[] {ProbeKind.HARDWARE, ProbeKind.SOFTWARE}) {
            for (CounterEvent event : CounterEvent.values()) {
                String name = kind.name().toLowerCase() + ":" + event.eventName();
                if (event.kind() == kind && (matches(glob, name) || matches(glob, name + ":"))) {
                    sb.append(name).append(":\n");
                }
            }
        }
        for (String tp : catalog.tracepoints()) {
            String name = "tracepoint:" + tp;
            if (!matches(glob, name) && !matches(glob, tp)) {
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

    /** The glob with each run of stars made one star, which matches the same names. */
    private static String oneStarPerRun(String glob) {
        StringBuilder sb = new StringBuilder(glob.length());
        for (int i = 0; i < glob.length(); i++) {
            if (glob.charAt(i) != '*' || sb.length() == 0 || sb.charAt(sb.length() - 1) != '*') {
                sb.append(glob.charAt(i));
            }
        }
        return sb.toString();
    }

    /**
     * Whether {@code name} matches the glob ({@code *} any run, {@code ?} any one character). On a mismatch only the
     * last {@code *} is retried one character further, which is enough: an earlier star's extent never matters once
     * a later star has matched. Time is bounded by the product of the lengths, memory constant, whatever the pattern.
     */
    static boolean matches(String glob, String name) {
        int g = 0;
        int n = 0;
        int star = -1;
        int resume = 0;
        while (n < name.length()) {
            if (g < glob.length() && (glob.charAt(g) == '?' || glob.charAt(g) == name.charAt(n))) {
                g++;
                n++;
            } else if (g < glob.length() && glob.charAt(g) == '*') {
                star = g++;
                resume = n;
            } else if (star >= 0) {
                g = star + 1;
                n = ++resume;
            } else {
                return false;
            }
        }
        while (g < glob.length() && glob.charAt(g) == '*') {
            g++;
        }
        return g == glob.length();
    }
}
