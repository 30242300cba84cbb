package dev.safetap.bytecode;

/** How the bytes of a layout slot are read. */
public enum SlotKind implements Coded {
    /** Two's complement integer of 1, 2, 4 or 8 bytes, sign-extended. */
    SIGNED(0),
    /** Unsigned integer of 1, 2, 4 or 8 bytes, zero-extended. */
    UNSIGNED(1),
    /** A char[size] array holding a string up to its first NUL. */
    CHARS(2),
    /**
     * A 4-byte {@code __data_loc} word: low 16 bits the offset of the string within the record,
     * high 16 bits its length. Read only through bounds-checked string loads.
     */
    DATA_LOC(3);

    private final int code;

    SlotKind(int code) {
        this.code = code;
    }

    @Override
    public int code() {
        return code;
    }
}
