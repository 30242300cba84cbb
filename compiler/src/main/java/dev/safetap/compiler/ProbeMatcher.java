package dev.safetap.compiler;

import dev.safetap.bytecode.AttachPoint;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.ProbeCatalog;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.RecordFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns a probe as written into the probes it names: resolves the DTrace spellings
 * ({@code syscall::read:entry}, {@code dtrace:::BEGIN}, {@code tick-1s}) to their bpftrace
 * equivalents and expands {@code *} and {@code ?} against the tracepoint catalog.
 */
final class ProbeMatcher {
    private static final Pattern TICK = Pattern.compile("(?:profile:::)?tick-(\\d+)(s|sec|ms|msec|us|usec|hz)");
    private static final Pattern SYSCALL = Pattern.compile("syscall::([A-Za-z0-9_*?]*):(entry|return)");
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** The probe types, by every spelling. */
    static final Set<String> TYPES = Set.of("BEGIN", "END", "tracepoint", "t", "interval", "i", "syscall", "dtrace",
            "profile", "tick");

    private final ProbeCatalog catalog;
    private final Diagnostics errors;

    ProbeMatcher(ProbeCatalog catalog, Diagnostics errors) {
        this.catalog = catalog;
        this.errors = errors;
    }

    /** The probes {@code spec} names, or an empty list after reporting why it names none. */
    List<ResolvedProbe> resolve(Ast.ProbeSpec spec) {
        String text = spec.text();
        switch (text) {
            case "BEGIN", "dtrace:::BEGIN" -> {
                return List.of(new ResolvedProbe(ProbeKind.BEGIN, "BEGIN", AttachPoint.NONE, 0, null));
            }
            case "END", "dtrace:::END" -> {
                return List.of(new ResolvedProbe(ProbeKind.END, "END", AttachPoint.NONE, 0, null));
            }
            default -> {
            }
        }
        Matcher tick = TICK.matcher(text);
        if (tick.matches()) {
            String unit = switch (tick.group(2)) {
                case "s", "sec" -> "s";
                case "ms", "msec" -> "ms";
                case "us", "usec" -> "us";
                default -> "hz";
            };
            return interval(spec, unit, tick.group(1));
        }
        Matcher sys = SYSCALL.matcher(text);
        if (sys.matches()) {
            String name = sys.group(1).isEmpty() ? "*" : sys.group(1);
            String event = (sys.group(2).equals("entry") ? "sys_enter_" : "sys_exit_") + name;
            return tracepoints(spec, "syscalls", event);
        }
        String[] parts = text.split(":", -1);
        switch (parts[0]) {
            case "tracepoint", "t" -> {
                if (parts.length != 3 || parts[1].isEmpty() || parts[2].isEmpty()) {
                    return fail(spec, "a tracepoint probe is written `tracepoint:CATEGORY:EVENT`, not `" + text + "`",
                            "for example `tracepoint:syscalls:sys_enter_read`");
                }
                return tracepoints(spec, parts[1], parts[2]);
            }
            case "interval", "i" -> {
                if (parts.length != 3) {
                    return fail(spec, "an interval probe is written `interval:s:N` or `interval:ms:N`, not `" + text + "`",
                            "for example `interval:s:1` fires every second");
                }
                return interval(spec, parts[1], parts[2]);
            }
            case "BEGIN", "END" -> {
                return fail(spec, "unknown probe `" + text + "`", "write `" + parts[0] + "` alone");
            }
            case "syscall" -> {
                return fail(spec, "a DTrace syscall probe is written `syscall::NAME:entry` or `syscall::NAME:return`",
                        "for example `syscall::read:entry`");
            }
            case "uprobe", "uretprobe", "u", "ur", "usdt", "U" -> {
                return fail(spec, parts[0] + " probes are not supported yet: safetap attaches to tracepoints, intervals, BEGIN and END",
                        "list the tracepoints with `safetap -l`");
            }
            case "profile" -> {
                return fail(spec, "`" + text + "` is not supported yet: CPU sampling probes come later",
                        "for a periodic action use `interval:s:N`; the DTrace `profile:::tick-Ns` is accepted");
            }
            case "kprobe", "kretprobe", "k", "kr" -> {
                return fail(spec, "kprobes are not supported: this kernel has no kprobes and safetap attaches only to "
                        + "tracepoints", "look for a tracepoint instead, e.g. `tracepoint:syscalls:*`");
            }
            default -> {
                String hint = Spelling.hint(parts[0], TYPES);
                return fail(spec, "unknown probe type `" + parts[0] + "`", hint.isEmpty()
                        ? "the probe types are BEGIN, END, tracepoint, interval and the DTrace syscall, dtrace, tick and profile"
                        : hint);
            }
        }
    }

    private List<ResolvedProbe> fail(Ast.ProbeSpec spec, String message, String hint) {
        errors.error(spec.line(), spec.column(), message, hint);
        return List.of();
    }

    private List<ResolvedProbe> interval(Ast.ProbeSpec spec, String unit, String count) {
        long perUnit = switch (unit) {
            case "s" -> NANOS_PER_SECOND;
            case "ms" -> 1_000_000L;
            case "us" -> 1_000L;
            case "hz" -> 0;
            default -> -1;
        };
        if (perUnit < 0) {
            return fail(spec, "unknown interval unit `" + unit + "`", "use `s`, `ms`, `us` or `hz`, e.g. `interval:ms:100`");
        }
        long n;
        try {
            n = Long.parseLong(count);
        } catch (NumberFormatException e) {
            n = 0;
        }
        if (n <= 0 || n > 1_000_000_000L) {
            return fail(spec, "the interval count must be a positive integer, not `" + count + "`",
                    "for example `interval:" + unit + ":1`");
        }
        long period = perUnit == 0 ? NANOS_PER_SECOND / n : perUnit * n;
        if (period < Limits.MIN_PERIOD_NANOS) {
            return fail(spec, "`" + spec.text() + "` fires more often than the shortest interval, 100 us (10000 per second)",
                    "for work this frequent aggregate in the probe itself and print on a longer interval");
        }
        if (period > Limits.MAX_PERIOD_NANOS) {
            return fail(spec, "`" + spec.text() + "` is longer than the longest interval, 365 days", "");
        }
        return List.of(new ResolvedProbe(ProbeKind.INTERVAL, "interval:" + unit + ":" + n, AttachPoint.NONE, period, null));
    }

    private List<ResolvedProbe> tracepoints(Ast.ProbeSpec spec, String category, String event) {
        if (catalog == null) {
            return fail(spec, "tracepoints cannot be used: no tracepoint catalog was given to the compiler", "");
        }
        Pattern cat = glob(category);
        Pattern ev = glob(event);
        Map<String, ResolvedProbe> found = new LinkedHashMap<>();
        for (String tp : catalog.tracepoints()) {
            int colon = tp.indexOf(':');
            if (colon < 0 || !cat.matcher(tp.substring(0, colon)).matches() || !ev.matcher(tp.substring(colon + 1)).matches()) {
                continue;
            }
            Optional<RecordFormat> format = catalog.tracepointFormat(tp);
            if (format.isPresent()) {
                found.put(tp, new ResolvedProbe(ProbeKind.TRACEPOINT, "tracepoint:" + tp,
                        AttachPoint.tracepoint(tp.substring(0, colon), tp.substring(colon + 1)), 0, format.get()));
            }
        }
        if (found.isEmpty()) {
            String name = category + ":" + event;
            String what = isGlob(name) ? "no tracepoint matches `" + name + "`" : "tracepoint `" + name + "` does not exist";
            return fail(spec, what, suggest(category, event));
        }
        return new ArrayList<>(found.values());
    }

    private String suggest(String category, String event) {
        TreeSet<String> events = new TreeSet<>();
        TreeSet<String> categories = new TreeSet<>();
        for (String tp : catalog.tracepoints()) {
            int colon = tp.indexOf(':');
            if (colon < 0) {
                continue;
            }
            categories.add(tp.substring(0, colon));
            if (tp.substring(0, colon).equals(category)) {
                events.add(tp.substring(colon + 1));
            }
        }
        if (!events.isEmpty()) {
            String hint = Spelling.hint(event, events);
            return hint.isEmpty() ? "list the events with `safetap -l 'tracepoint:" + category + ":*'`" : hint;
        }
        String hint = Spelling.hint(category, categories);
        return hint.isEmpty() ? "list the tracepoints with `safetap -l`" : hint.replace("`?", ":" + event + "`?");
    }

    private static boolean isGlob(String s) {
        return s.indexOf('*') >= 0 || s.indexOf('?') >= 0;
    }

    private static Pattern glob(String g) {
        StringBuilder re = new StringBuilder();
        for (char c : g.toCharArray()) {
            switch (c) {
                case '*' -> re.append(".*");
                case '?' -> re.append('.');
                default -> re.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return Pattern.compile(re.toString());
    }
}
