package dev.safetap.bytecode;

/** Values an action reads from the firing context with {@link Opcode#CTX}; the code is the CTX operand. */
public enum Builtin implements Coded {
    PID(0, ValueType.INT),
    TID(1, ValueType.INT),
    /** Timestamp of the event, monotonic clock, nanoseconds. */
    NSECS(2, ValueType.INT),
    /** Nanoseconds since tracing started. */
    ELAPSED(3, ValueType.INT),
    CPU(4, ValueType.INT),
    /** Pid of the command started with -c, 0 when there is none. */
    CPID(5, ValueType.INT),
    /** Name of the thread that caused the event. */
    COMM(6, ValueType.STR),
    /** Full name of the probe that fired, e.g. {@code tracepoint:syscalls:sys_enter_read}. */
    PROBE(7, ValueType.STR),
    /** DTrace's provider of the probe ({@link DtraceProbeName}), e.g. {@code syscall}. */
    PROBEPROV(8, ValueType.STR),
    /** DTrace's module of the probe, often empty. */
    PROBEMOD(9, ValueType.STR),
    /** DTrace's function of the probe, e.g. {@code read} for {@code syscall::read:entry}. */
    PROBEFUNC(10, ValueType.STR),
    /** DTrace's name of the probe, e.g. {@code entry}, {@code profile-997}. */
    PROBENAME(11, ValueType.STR);

    private static final Builtin[] BY_CODE = new Builtin[256];

    static {
        for (Builtin b : values()) {
            BY_CODE[b.code] = b;
        }
    }

    private final int code;
    private final ValueType type;

    Builtin(int code, ValueType type) {
        this.code = code;
        this.type = type;
    }

    @Override
    public int code() {
        return code;
    }

    public ValueType type() {
        return type;
    }

    /** The builtin with this code, or null when there is none. */
    public static Builtin fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }
}
