package dev.safetap.bytecode;

/**
 * One probe: its kind, its full name as scripts and the {@code probe} builtin spell it
 * ({@code tracepoint:syscalls:sys_enter_read}, {@code BEGIN}, {@code interval:s:1}), what it attaches to,
 * its period (nanoseconds for interval and profile probes, events for software and hardware ones, else 0),
 * the event layout of its records (-1 for kinds without a record) and the action it runs.
 */
public record ProbeDecl(ProbeKind kind, String name, AttachPoint attach, long period, int layout, int action) {
    public static ProbeDecl begin(int action) {
        return new ProbeDecl(ProbeKind.BEGIN, "BEGIN", AttachPoint.NONE, 0, -1, action);
    }

    public static ProbeDecl end(int action) {
        return new ProbeDecl(ProbeKind.END, "END", AttachPoint.NONE, 0, -1, action);
    }

    public static ProbeDecl tracepoint(String category, String event, int layout, int action) {
        return new ProbeDecl(ProbeKind.TRACEPOINT, "tracepoint:" + category + ":" + event,
                AttachPoint.tracepoint(category, event), 0, layout, action);
    }

    public static ProbeDecl interval(String name, long periodNanos, int action) {
        return new ProbeDecl(ProbeKind.INTERVAL, name, AttachPoint.NONE, periodNanos, -1, action);
    }
}
