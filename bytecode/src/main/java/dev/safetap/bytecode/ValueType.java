package dev.safetap.bytecode;

/** The two value types a register, map key or map value can hold. */
public enum ValueType {
    /** A signed 64-bit integer; booleans are the integers 0 and 1. */
    INT,
    /** A string of at most {@link Limits#MAX_STRING} bytes. */
    STR
}
