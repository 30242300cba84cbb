package dev.safetap.symbols;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads a text file of /proc or /tmp line by line with bounded memory and time: at most a given number of lines
 * are delivered, and a line longer than {@link #MAX_LINE} bytes is skipped whole (no file here has such lines;
 * a file that does is not the file it claims to be). Lines are handed over as bytes, without the newline, so
 * that 200,000 lines of /proc/kallsyms are parsed without a String per field.
 */
final class BoundedLines {
    /** The longest line delivered, in bytes; /proc lines are at most a path (4096) plus their fields. */
    static final int MAX_LINE = 8192;

    /** Receives one line: {@code bytes[from..to)}, valid only during the call. */
    interface Line {
        /** Parses one line. */
        void accept(byte[] bytes, int from, int to);
    }

    private BoundedLines() {
    }

    /**
     * Hands the first {@code maxLines} lines of {@code file} to {@code line}, a last line without newline
     * included; false when the file could not be opened or read (what was read before the failure was delivered).
     */
    static boolean read(Path file, long maxLines, Line line) {
        byte[] buffer = new byte[1 << 16];
        byte[] carry = new byte[MAX_LINE];
        int carried = 0;
        boolean overlong = false;
        long delivered = 0;
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while (delivered < maxLines && (n = in.read(buffer)) > 0) {
                int start = 0;
                for (int i = 0; i < n && delivered < maxLines; i++) {
                    if (buffer[i] != '\n') {
                        continue;
                    }
                    if (!overlong && carried + i - start <= MAX_LINE) {
                        if (carried == 0) {
                            line.accept(buffer, start, i);
                        } else {
                            System.arraycopy(buffer, start, carry, carried, i - start);
                            line.accept(carry, 0, carried + i - start);
                        }
                        delivered++;
                    }
                    overlong = false;
                    carried = 0;
                    start = i + 1;
                }
                int rest = n - start;
                if (overlong || carried + rest > MAX_LINE) {
                    overlong = true;
                    carried = 0;
                } else if (delivered < maxLines) {
                    System.arraycopy(buffer, start, carry, carried, rest);
                    carried += rest;
                }
            }
            if (carried > 0 && !overlong && delivered < maxLines) {
                line.accept(carry, 0, carried);
            }
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
