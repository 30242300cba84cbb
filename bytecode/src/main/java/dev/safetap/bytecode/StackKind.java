package dev.safetap.bytecode;

/**
 * What a {@link Opcode#STACK} or {@link Opcode#SYM} value is, in its u8 operand: whose addresses (the kernel's or the
 * task's user space) and how it prints. bpftrace 0.17 has two stack modes: {@code bpftrace} prints one
 * {@code symbol+offset} per line, {@code perf} the address, a tab-led {@code address symbol+offset} and, for user frames,
 * the file in parentheses. A symbol prints its name alone.
 */
public enum StackKind implements Coded {
    KERNEL(0, false, "kstack"),
    USER(1, true, "ustack"),
    KERNEL_PERF(2, false, "kstack(perf)"),
    USER_PERF(3, true, "ustack(perf)"),
    KERNEL_SYMBOL(4, false, "ksym"),
    USER_SYMBOL(5, true, "usym");

    private static final StackKind[] BY_CODE = values();

    private final int code;
    private final boolean user;
    private final String spelling;

    StackKind(int code, boolean user, String spelling) {
        this.code = code;
        this.user = user;
        this.spelling = spelling;
    }

    @Override
    public int code() {
        return code;
    }

    /** Whether the addresses are the task's user-space ones (symbolized against its mappings), else the kernel's. */
    public boolean user() {
        return user;
    }

    /** Whether this is a single address printed as its symbol's name ({@code ksym}, {@code usym}). */
    public boolean symbol() {
        return this == KERNEL_SYMBOL || this == USER_SYMBOL;
    }

    /** Whether frames print in perf's mode (address, symbol, file). */
    public boolean perf() {
        return this == KERNEL_PERF || this == USER_PERF;
    }

    /** How the language writes it. */
    public String spelling() {
        return spelling;
    }

    /** The kind with this code, or null. */
    public static StackKind fromCode(int code) {
        return code >= 0 && code < BY_CODE.length ? BY_CODE[code] : null;
    }

    /** The stack of this side and mode. */
    public static StackKind stack(boolean user, boolean perf) {
        return user ? (perf ? USER_PERF : USER) : (perf ? KERNEL_PERF : KERNEL);
    }
}
