package dev.safetap.bytecode;

/** Bytes that do not decode: truncated input, unknown opcode, bad magic or table entry. */
public final class BytecodeFormatException extends RuntimeException {
    private final int offset;

    public BytecodeFormatException(int offset, String message) {
        super(message);
        this.offset = offset;
    }

    /** Byte offset of the problem (a pc for code, a file offset for the container). */
    public int offset() {
        return offset;
    }
}
