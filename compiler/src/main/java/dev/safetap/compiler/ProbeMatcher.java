package dev.safetap.compiler;

import dev.safetap.bytecode.AttachPoint;
import dev.safetap.bytecode.CounterEvent;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.ProbeCatalog;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.RecordFormat;
import dev.safetap.bytecode.UprobeRegisters;
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
 * Turns a probe as written into the probes it names: resolves the short and DTrace spellings
 * ({@code p:hz:99}, {@code syscall::read:entry}, {@code dtrace:::BEGIN}, {@code tick-1s}, {@code profile-997}) and
 * the aliases of software and hardware events ({@code faults}) to their bpftrace names, and expands {@code *} and
 * {@code ?} against the tracepoint catalog.
 */
final class ProbeMatcher {
    /** DTrace's {@code tick-N} and {@code profile-N} with a unit of time or none (hertz), optionally under {@code profile:::}. */
    private static final Pattern DTRACE_TIMED = Pattern.compile(
            "(?:profile:::)?(tick|profile)-(\\d+)(ns|nsec|us|usec|ms|msec|s|sec|m|min|h|hour|d|day|hz)?");
    private static final Pattern SYSCALL = Pattern.compile("syscall::([A-Za-z0-9_*?]*):(entry|return)");
    private static final Pattern COUNT = Pattern.compile("(\\d{1,19})(?:e(\\d{1,2}))?");
    private static final long MAX_COUNT = 1L << 62;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    /** The probe types, by every spelling. */
    static final Set<String> TYPES = Set.of("BEGIN", "END", "tracepoint", "t", "interval", "i", "profile", "p", "software",
            "s", "hardware", "h", "uprobe", "u", "uretprobe", "ur", "syscall", "dtrace", "tick");

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
        Matcher timed = DTRACE_TIMED.matcher(text);
        if (timed.matches()) {
            return dtraceTimed(spec, timed.group(1).equals("tick") ? ProbeKind.INTERVAL : ProbeKind.PROFILE, timed.group(2),
                    timed.group(3) == null ? "hz" : timed.group(3));
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
                return timed(spec, ProbeKind.INTERVAL, parts[1], parts[2]);
            }
            case "profile", "p" -> {
                if (parts.length != 3) {
                    return fail(spec, "a profile probe is written `profile:hz:N`, `profile:s:N`, `profile:ms:N` or `profile:us:N`,"
                            + " not `" + text + "`", "for example `profile:hz:99` samples every CPU 99 times a second");
                }
                return timed(spec, ProbeKind.PROFILE, parts[1], parts[2]);
            }
            case "software", "s", "hardware", "h" -> {
                ProbeKind kind = parts[0].startsWith("s") ? ProbeKind.SOFTWARE : ProbeKind.HARDWARE;
                if (parts.length < 2 || parts.length > 3 || parts[1].isEmpty()) {
                    String type = kind.name().toLowerCase();
                    return fail(spec, "a " + type + " probe is written `" + type + ":EVENT:N` or `" + type + ":EVENT`, not `"
                            + text + "`", kind == ProbeKind.SOFTWARE ? "for example `software:page-faults:100` runs on every"
                            + " 100th page fault" : "for example `hardware:cache-misses:1000000` runs on every millionth cache miss");
                }
                return counter(spec, kind, parts[1], parts.length == 3 ? parts[2] : "");
            }
            case "BEGIN", "END" -> {
                return fail(spec, "unknown probe `" + text + "`", "write `" + parts[0] + "` alone");
            }
            case "syscall" -> {
                return fail(spec, "a DTrace syscall probe is written `syscall::NAME:entry` or `syscall::NAME:return`",
                        "for example `syscall::read:entry`");
            }
            case "uprobe", "uretprobe", "u", "ur" -> {
                return uprobes(spec, parts[0].equals("uprobe") || parts[0].equals("u") ? ProbeKind.UPROBE : ProbeKind.URETPROBE,
                        parts);
            }
            case "usdt", "U" -> {
                return fail(spec, "usdt probes are not supported yet: safetap attaches tracepoints, uprobes, profile, software,"
                        + " hardware and interval probes", "a uprobe on the function around the marker may do: `uprobe:BINARY:FUNCTION`");
            }
            case "kprobe", "kretprobe", "k", "kr" -> {
                return fail(spec, "kprobes are not supported: this kernel has no kprobes and safetap attaches only to "
                        + "tracepoints", "look for a tracepoint instead, e.g. `tracepoint:syscalls:*`");
            }
            default -> {
                String hint = Spelling.hint(parts[0], TYPES);
                return fail(spec, "unknown probe type `" + parts[0] + "`", hint.isEmpty()
                        ? "the probe types are BEGIN, END, tracepoint, uprobe, uretprobe, interval, profile, software, hardware and the DTrace"
                        + " syscall, dtrace, tick and profile-N"
                        : hint);
            }
        }
    }

    /**
     * {@code uprobe:BINARY:FUNCTION} or {@code uretprobe:...}: BINARY a path, a library ({@code libc}) or a command
     * ({@code bash}), found by the catalog; FUNCTION a function of its symbol tables, {@code *} and {@code ?} matching
     * several (one probe each).
     */
    private List<ResolvedProbe> uprobes(Ast.ProbeSpec spec, ProbeKind kind, String[] parts) {
        String type = kind == ProbeKind.UPROBE ? "uprobe" : "uretprobe";
        if (parts.length != 3 || parts[1].isEmpty() || parts[2].isEmpty()) {
            return fail(spec, "a " + type + " is written `" + type + ":BINARY:FUNCTION`, not `" + String.join(":", parts) + "`",
                    "for example `" + type + ":/bin/bash:readline` or `" + type + ":libc:malloc`");
        }
        String function = parts[2];
        if (function.startsWith("0x") || function.chars().allMatch(Character::isDigit)) {
            return fail(spec, "a " + type + " attaches to a function by name; an address such as `" + function + "` is not supported yet",
                    "name the function: `" + type + ":" + parts[1] + ":FUNCTION`");
        }
        if (function.contains("+")) {
            return fail(spec, "a " + type + " at an offset into a function (`" + function + "`) is not supported yet",
                    "attach at the function's start: `" + type + ":" + parts[1] + ":" + function.substring(0, function.indexOf('+')) + "`");
        }
        Optional<String> binary = catalog == null ? Optional.empty() : catalog.binary(parts[1]);
        if (binary.isEmpty()) {
            return fail(spec, "no binary `" + parts[1] + "` to attach the " + type + " to: it is no file, no library in the "
                    + "system's library directories and no command on PATH", "give the binary's path, e.g. `" + type
                    + ":/usr/bin/bash:readline`");
        }
        List<String> functions = catalog.functions(binary.get());
        if (functions.isEmpty()) {
            return fail(spec, binary.get() + " has no functions a " + type + " can attach to: it is not an ELF file with a symbol"
                    + " table", "");
        }
        Pattern pattern = glob(function);
        List<ResolvedProbe> found = new ArrayList<>();
        for (String f : functions) {
            if (pattern.matcher(f).matches()) {
                found.add(new ResolvedProbe(kind, type + ":" + binary.get() + ":" + f, new AttachPoint(binary.get(), f, 0), 0,
                        UprobeRegisters.format(kind)));
            }
        }
        if (found.isEmpty()) {
            String what = isGlob(function) ? "no function of " + binary.get() + " matches `" + function + "`"
                    : binary.get() + " has no function `" + function + "`";
            String hint = Spelling.hint(function, functions);
            return fail(spec, what, hint.isEmpty() ? "list its functions with `safetap -l '" + type + ":" + binary.get() + ":*'`"
                    : hint);
        }
        return found;
    }

    private List<ResolvedProbe> fail(Ast.ProbeSpec spec, String message, String hint) {
        errors.error(spec.line(), spec.column(), message, hint);
        return List.of();
    }

    /**
     * A DTrace {@code tick-N}/{@code profile-N} with its unit: written in the bpftrace unit that keeps N whole
     * ({@code tick-2min} is {@code interval:s:120}, {@code profile-997} is {@code profile:hz:997}).
     */
    private List<ResolvedProbe> dtraceTimed(Ast.ProbeSpec spec, ProbeKind kind, String count, String unit) {
        long n = count(count);
        long perSecond = switch (unit) {
            case "m", "min" -> 60;
            case "h", "hour" -> 3600;
            case "d", "day" -> 86_400;
            default -> 1;
        };
        String bpftraceUnit = switch (unit) {
            case "ns", "nsec" -> "us";
            case "us", "usec" -> "us";
            case "ms", "msec" -> "ms";
            case "hz" -> "hz";
            default -> "s";
        };
        if (unit.startsWith("n")) {
            if (n > 0 && n % 1000 != 0) {
                return fail(spec, "`" + spec.text() + "` is not a whole number of microseconds, the finest unit of a "
                        + kind.name().toLowerCase() + " probe", "for example `" + spec.text().replaceFirst("\\d+n\\w*$", "")
                        + Math.max(1, n / 1000) + "us`");
            }
            n /= 1000;
        }
        if (n > 0 && perSecond > 1) {
            n = n <= Long.MAX_VALUE / perSecond ? n * perSecond : -1;
        }
        return timed(spec, kind, bpftraceUnit, n < 0 ? count : Long.toString(n));
    }

    /** An interval or profile probe, {@code UNIT:N}: a period from 100 us to 365 days. */
    private List<ResolvedProbe> timed(Ast.ProbeSpec spec, ProbeKind kind, String unit, String count) {
        String type = kind.name().toLowerCase();
        long perUnit = switch (unit) {
            case "s" -> NANOS_PER_SECOND;
            case "ms" -> 1_000_000L;
            case "us" -> 1_000L;
            case "hz" -> 0;
            default -> -1;
        };
        if (perUnit < 0) {
            return fail(spec, "unknown " + type + " unit `" + unit + "`", "use `s`, `ms`, `us` or `hz`, e.g. `" + type
                    + (kind == ProbeKind.INTERVAL ? ":ms:100`" : ":hz:99`"));
        }
        long n = count(count);
        if (n <= 0 || n > 1_000_000_000L) {
            return fail(spec, "the " + type + " count must be a positive integer, not `" + count + "`",
                    "for example `" + type + ":" + unit + ":1`");
        }
        long period = perUnit == 0 ? NANOS_PER_SECOND / n : perUnit * n;
        if (period < Limits.MIN_PERIOD_NANOS) {
            return fail(spec, "`" + spec.text() + "` fires more often than the shortest " + type + ", 100 us (10000 per second)",
                    kind == ProbeKind.INTERVAL ? "for work this frequent aggregate in the probe itself and print on a longer interval"
                    : "sample at most 10000 times a second on each CPU, e.g. `profile:hz:997`");
        }
        if (period > Limits.MAX_PERIOD_NANOS) {
            return fail(spec, "`" + spec.text() + "` is longer than the longest " + type + ", 365 days", "");
        }
        return List.of(new ResolvedProbe(kind, type + ":" + unit + ":" + n, AttachPoint.NONE, period, null));
    }

    /**
     * A software or hardware event, {@code EVENT[:N]}, by bpftrace's name or alias, with its default period when
     * N is left out (also as {@code EVENT:}, the way {@code -l} prints it).
     */
    private List<ResolvedProbe> counter(Ast.ProbeSpec spec, ProbeKind kind, String name, String count) {
        String type = kind.name().toLowerCase();
        if (kind == ProbeKind.SOFTWARE && name.equals("bpf-output")) {
            return fail(spec, "`software:bpf-output` receives only what a BPF program writes, and a safetap script loads none",
                    "list the software events with `safetap -l 'software:*'`");
        }
        if (isGlob(name)) {
            return fail(spec, type + " events are named one at a time: `" + name + "` cannot be a wildcard",
                    "list the " + type + " events with `safetap -l '" + type + ":*'`");
        }
        CounterEvent event = null;
        List<String> names = new ArrayList<>();
        for (CounterEvent e : CounterEvent.values()) {
            if (e.eventName().equals(name) || e.alias().equals(name)) {
                if (e.kind() != kind) {
                    String other = e.kind().name().toLowerCase();
                    return fail(spec, "`" + name + "` is a " + other + " event, not a " + type + " event",
                            "write `" + other + ":" + name + (count.isEmpty() ? "" : ":" + count) + "`");
                }
                event = e;
            }
            if (e.kind() == kind) {
                names.add(e.eventName());
                if (!e.alias().isEmpty()) {
                    names.add(e.alias());
                }
            }
        }
        if (event == null) {
            String hint = Spelling.hint(name, names);
            return fail(spec, "`" + name + "` is not a " + type + " event", hint.isEmpty()
                    ? "list the " + type + " events with `safetap -l '" + type + ":*'`" : hint);
        }
        long period = count.isEmpty() ? event.defaultPeriod() : count(count);
        if (period <= 0) {
            return fail(spec, "the count of " + type + ":" + event.eventName() + " must be a positive integer, not `" + count + "`",
                    event.clock() ? "for example `" + type + ":" + event.eventName() + ":1000000` runs every millisecond of CPU time"
                    : "for example `" + type + ":" + event.eventName() + ":" + Math.max(100, event.defaultPeriod())
                    + "` runs on every " + Math.max(100, event.defaultPeriod()) + "th event");
        }
        if (!event.validPeriod(period)) {
            return fail(spec, event.clock()
                    ? "`" + spec.text() + "` samples every " + period + " ns of CPU time: the period of a clock is "
                    + Limits.MIN_PERIOD_NANOS + " (100 us) to " + Limits.MAX_PERIOD_NANOS + " ns (365 days)"
                    : "`" + spec.text() + "` samples every " + period + "th event: at most every " + CounterEvent.MAX_PERIOD
                    + "th", event.clock() ? "sample at most 10000 times a second on each CPU, e.g. `" + type + ":"
                    + event.eventName() + ":1000000`" : "");
        }
        return List.of(new ResolvedProbe(kind, type + ":" + event.eventName() + ":" + period,
                new AttachPoint(event.eventName(), "", 0), period, null));
    }

    /**
     * A count as bpftrace writes it: decimal digits, or digits, {@code e} and an exponent ({@code 1e6}); -1 when it
     * is neither, or above 2^62.
     */
    private static long count(String text) {
        Matcher m = COUNT.matcher(text);
        if (!m.matches()) {
            return -1;
        }
        try {
            long n = Long.parseLong(m.group(1));
            for (int e = m.group(2) == null ? 0 : Integer.parseInt(m.group(2)); e > 0; e--) {
                if (n > MAX_COUNT / 10) {
                    return -1;
                }
                n *= 10;
            }
            return n <= MAX_COUNT ? n : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
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
