package dev.safetap.bytecode;

/**
 * One probe: its full name ({@code tracepoint:syscalls:sys_enter_read}, {@code BEGIN},
 * {@code interval:s:1}), the event layout its records have (-1 for none), the period of an interval
 * probe in nanoseconds, and the action it runs.
 */
public record ProbeDecl(ProbeKind kind, String name, int layout, long periodNanos, int action) {
    public static ProbeDecl begin(int action) {
        return new ProbeDecl(ProbeKind.BEGIN, "BEGIN", -1, 0, action);
    }

    public static ProbeDecl end(int action) {
        return new ProbeDecl(ProbeKind.END, "END", -1, 0, action);
    }

    /** The tracepoint {@code category:event} part of a tracepoint probe's name. */
    public String tracepoint() {
        return name.startsWith("tracepoint:") ? name.substring("tracepoint:".length()) : name;
    }
}
