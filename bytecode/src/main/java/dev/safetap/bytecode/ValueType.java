package dev.safetap.bytecode;

/** The value types a register, map key or map value can hold. */
public enum ValueType implements Coded {
    /** A signed 64-bit integer; booleans are the integers 0 and 1. */
    INT(0),
    /** A string of at most {@link Limits#MAX_STRING} bytes. */
    STR(1),
    /**
     * A stack trace or a code address, named only when printed: the id of a {@link StackKind}-tagged entry in the run's
     * stack table ({@code kstack}, {@code ustack}, {@code ksym(addr)}, {@code usym(addr)}). Equal stacks have equal ids,
     * so a stack compares, keys maps and is copied as an integer, but no arithmetic applies to it.
     */
    STACK(2);

    private final int code;

    ValueType(int code) {
        this.code = code;
    }

    @Override
    public int code() {
        return code;
    }
}
