package dev.safetap.bytecode;

/**
 * Where a probe's events come from. Each kind fixes what its {@link ProbeDecl} holds: the
 * {@link AttachPoint}, the period and whether the events carry a record with an event layout.
 */
public enum ProbeKind implements Coded {
    /** Once, after every probe is attached. No attach point, period 0, no record. */
    BEGIN(0),
    /** Once, when tracing stops. No attach point, period 0, no record. */
    END(1),
    /** A kernel tracepoint, attach point {@code (category, event)}: every firing, with its record. */
    TRACEPOINT(2),
    /** Every {@code period} nanoseconds, from the event loop. No attach point, no record. */
    INTERVAL(3),
    /** A cpu-clock sample on every online CPU every {@code period} nanoseconds. No attach point, no record. */
    PROFILE(4),
    /**
     * A software perf event, attach point {@code (event, "")} with a {@link CounterEvent} name such as
     * {@code page-faults}: every {@code period} events (nanoseconds for the clocks). No record.
     */
    SOFTWARE(5),
    /** A hardware perf event, attach point {@code (event, "")} such as {@code cpu-cycles}: every {@code period} events. No record. */
    HARDWARE(6),
    /** Entry of a user function, attach point {@code (binary path, function, offset)}. */
    UPROBE(7),
    /** Return of a user function, attach point {@code (binary path, function, 0)}. */
    URETPROBE(8),
    /** Entry of a kernel function, attach point {@code (module or "", function, offset)}. */
    KPROBE(9),
    /** Return of a kernel function, attach point {@code (module or "", function, 0)}. */
    KRETPROBE(10),
    /** A statically defined user probe, attach point {@code (binary path, "provider:name", 0)}. */
    USDT(11);

    private final int code;

    ProbeKind(int code) {
        this.code = code;
    }

    @Override
    public int code() {
        return code;
    }

    /**
     * True for the kinds whose events carry a record read through an event layout: a tracepoint's raw record, a
     * uprobe's sampled registers ({@link UprobeRegisters}).
     */
    public boolean hasRecord() {
        return this == TRACEPOINT || this == UPROBE || this == URETPROBE;
    }

    /** True for the kinds the tracer fires itself rather than the kernel. */
    public boolean isSynthetic() {
        return this == BEGIN || this == END || this == INTERVAL;
    }
}
