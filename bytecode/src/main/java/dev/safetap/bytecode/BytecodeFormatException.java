package dev.safetap.bytecode;

import java.util.List;

/**
 * Bytes that do not decode: truncated input, unknown opcode, bad magic or table entry, another format
 * version. A syntax error of a bytecode file: the program is rejected.
 */
public final class BytecodeFormatException extends SafetapException {
    private final int offset;

    public BytecodeFormatException(int offset, String message) {
        this("safetap", offset, message);
    }

    private BytecodeFormatException(String file, int offset, String message) {
        super(Stage.SYNTAX, message, List.of(Diagnostic.at(file, 0, 0, "not a valid bytecode file: " + message, "")), null);
        this.offset = offset;
    }

    /** The same error, named after the file that holds the bytes. */
    public BytecodeFormatException in(String file) {
        return new BytecodeFormatException(file, offset, getMessage());
    }

    /** Byte offset of the problem (a pc for code, a file offset for the container). */
    public int offset() {
        return offset;
    }
}
