package dev.safetap.vm;

import java.nio.charset.StandardCharsets;

/**
 * Strings from the traced system (comm, record fields, map keys) as text output may show them on a terminal:
 * a control character could move the cursor, rewrite what was printed or forge a line (a process named
 * {@code "\n@fake: 999999"}), so each is written as an escape: {@code \n}, {@code \t}, {@code \r}, else
 * {@code \xNN}. Escaped too are the C1 controls (U+0080..U+009F) and bytes that are not UTF-8; other UTF-8
 * text is kept as it is. JSON output has its own escaping and does not use this.
 */
final class TerminalText {
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private TerminalText() {
    }

    /** Appends {@code length} bytes of {@code s} from {@code offset}, escaped; allocates nothing. */
    static void append(TextBuffer out, byte[] s, int offset, int length) {
        write(out, s, offset, length);
    }

    /** Escaped length of those bytes, which padding counts; allocates nothing. */
    static int width(byte[] s, int offset, int length) {
        return write(null, s, offset, length);
    }

    /** The escaped text of raw bytes (UTF-8 where they are), for output built as {@link String}s (maps). */
    static String escape(byte[] s) {
        TextBuffer out = new TextBuffer();
        write(out, s, 0, s.length);
        return out.toString();
    }

    /** Writes the escaped bytes to {@code out} (or only counts them when it is null); returns how many. */
    private static int write(TextBuffer out, byte[] s, int offset, int length) {
        int end = offset + length;
        int written = 0;
        int i = offset;
        while (i < end) {
            int b = s[i] & 0xff;
            if (b >= 0x20 && b < 0x7f) {
                if (out != null) {
                    out.append((byte) b);
                }
                written++;
                i++;
                continue;
            }
            int n = b < 0x80 ? 0 : sequenceLength(s, i, end);
            if (n > 0 && !isC1(s, i)) {
                if (out != null) {
                    out.append(s, i, n);
                }
                written += n;
                i += n;
            } else {
                int count = Math.max(n, 1);
                for (int k = 0; k < count; k++) {
                    written += escape(out, s[i + k] & 0xff);
                }
                i += count;
            }
        }
        return written;
    }

    /** Writes the escape of byte {@code b} (when {@code out} is not null); returns its length. */
    private static int escape(TextBuffer out, int b) {
        boolean named = b == '\n' || b == '\t' || b == '\r';
        if (out != null) {
            out.append((byte) '\\');
            if (named) {
                out.append((byte) (b == '\n' ? 'n' : b == '\t' ? 't' : 'r'));
            } else {
                out.append((byte) 'x');
                out.append(HEX[b >> 4]);
                out.append(HEX[b & 0xf]);
            }
        }
        return named ? 2 : 4;
    }

    /** Length of the well-formed UTF-8 sequence at {@code i} (2 to 4 bytes), or 0 when it is not one. */
    private static int sequenceLength(byte[] s, int i, int end) {
        int b = s[i] & 0xff;
        int n = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
        if (n == 0 || i + n > end) {
            return 0;
        }
        for (int k = 1; k < n; k++) {
            if ((s[i + k] & 0xc0) != 0x80) {
                return 0;
            }
        }
        int second = s[i + 1] & 0xff;
        if (b == 0xe0 && second < 0xa0 || b == 0xed && second > 0x9f || b == 0xf0 && second < 0x90 || b == 0xf4 && second > 0x8f) {
            return 0;
        }
        return n;
    }

    /** True for the two-byte encodings of U+0080..U+009F. */
    private static boolean isC1(byte[] s, int i) {
        return (s[i] & 0xff) == 0xc2 && (s[i + 1] & 0xff) <= 0x9f;
    }
}
