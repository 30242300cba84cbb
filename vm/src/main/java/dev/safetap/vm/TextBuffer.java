package dev.safetap.vm;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** A reusable, growable run of output bytes: formatted once, then written to a stream in one call. */
public final class TextBuffer {
    private byte[] bytes = new byte[256];
    private int length;

    public void reset() {
        length = 0;
    }

    public int length() {
        return length;
    }

    /** The byte at {@code index}, which must be below {@link #length()}. */
    public byte byteAt(int index) {
        if (index >= length) {
            throw new IndexOutOfBoundsException(index);
        }
        return bytes[index];
    }

    public void append(byte b) {
        ensure(1);
        bytes[length++] = b;
    }

    public void append(byte[] src, int offset, int count) {
        ensure(count);
        System.arraycopy(src, offset, bytes, length, count);
        length += count;
    }

    /** Appends {@code count} copies of {@code b}; nothing when count is not positive. */
    public void repeat(byte b, int count) {
        if (count <= 0) {
            return;
        }
        ensure(count);
        Arrays.fill(bytes, length, length + count, b);
        length += count;
    }

    public void append(String text) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        append(b, 0, b.length);
    }

    public void writeTo(PrintStream out) {
        out.write(bytes, 0, length);
    }

    private void ensure(int more) {
        if (length + more > bytes.length) {
            bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
    }

    /** The bytes as text (UTF-8, invalid bytes replaced). */
    @Override
    public String toString() {
        return new String(bytes, 0, length, StandardCharsets.UTF_8);
    }
}
