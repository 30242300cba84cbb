package dev.safetap.bytecode;

/** How one operand of an instruction is encoded. All multi-byte operands are big-endian. */
public enum OperandKind {
    /** A register id, one unsigned byte. */
    REG(1),
    /** A signed 64-bit immediate. */
    IMM64(8),
    /** An unsigned byte (builtin kind). */
    U8(1),
    /** An unsigned 16-bit index into a header table (string, layout slot, map). */
    U16(2),
    /** An unsigned 32-bit count (loop trip count, top-N); must be below 2^31. */
    U32(4),
    /** A signed 32-bit byte offset, relative to the start of the instruction that holds it. */
    OFF32(4),
    /** A register list: one unsigned count byte followed by that many register ids. */
    REGS(-1);

    private final int size;

    OperandKind(int size) {
        this.size = size;
    }

    /** Encoded size in bytes, or -1 when it depends on the count byte. */
    public int size() {
        return size;
    }
}
