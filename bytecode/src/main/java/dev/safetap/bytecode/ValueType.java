package dev.safetap.bytecode;

/** The two value types a register, map key or map value can hold. */
public enum ValueType implements Coded {
    /** A signed 64-bit integer; booleans are the integers 0 and 1. */
    INT(0),
    /** A string of at most {@link Limits#MAX_STRING} bytes. */
    STR(1);

    private final int code;

    ValueType(int code) {
        this.code = code;
    }

    @Override
    public int code() {
        return code;
    }
}
