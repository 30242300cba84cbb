package dev.safetap.bytecode;

/** Values an action reads from the firing context with {@link Opcode#CTX}. */
public enum Builtin {
    PID(ValueType.INT),
    TID(ValueType.INT),
    /** Timestamp of the event, monotonic clock, nanoseconds. */
    NSECS(ValueType.INT),
    /** Nanoseconds since tracing started. */
    ELAPSED(ValueType.INT),
    CPU(ValueType.INT),
    /** Pid of the command started with -c, 0 when there is none. */
    CPID(ValueType.INT),
    /** Name of the thread that caused the event. */
    COMM(ValueType.STR),
    /** Full name of the probe that fired, e.g. {@code tracepoint:syscalls:sys_enter_read}. */
    PROBE(ValueType.STR);

    private static final Builtin[] VALUES = values();
    private final ValueType type;

    Builtin(ValueType type) {
        this.type = type;
    }

    public ValueType type() {
        return type;
    }

    /** The builtin with this code, or null when there is none. */
    public static Builtin fromCode(int code) {
        return code >= 0 && code < VALUES.length ? VALUES[code] : null;
    }
}
