package dev.safetap.vm;

import dev.safetap.bytecode.PrintfFormat;
import dev.safetap.bytecode.PrintfFormat.Conversion;
import dev.safetap.bytecode.PrintfFormat.Literal;
import dev.safetap.bytecode.PrintfFormat.Part;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Formats one printf format as C's printf does, with every integer 64 bits wide: {@code %d %i}
 * signed decimal, {@code %u} unsigned decimal, {@code %x %X %o} unsigned hex and octal, {@code %c}
 * the low byte, {@code %s} a string (precision caps its length); flags {@code - 0 + space #},
 * width and precision as in C. The format is parsed once; formatting writes bytes into a
 * {@link TextBuffer} without building strings.
 */
public final class PrintfFormatter {
    private final PrintfFormat format;
    /** Per part: the literal's bytes, or null for a conversion. */
    private final byte[][] literals;
    private final byte[] digits = new byte[24];
    private final byte[] charBuffer = new byte[1];

    public PrintfFormatter(String format) {
        this.format = PrintfFormat.parse(format);
        List<Part> parts = this.format.parts();
        literals = new byte[parts.size()][];
        for (int i = 0; i < parts.size(); i++) {
            if (parts.get(i) instanceof Literal l) {
                literals[i] = l.text().getBytes(StandardCharsets.UTF_8);
            }
        }
    }

    public PrintfFormat format() {
        return format;
    }

    /**
     * Appends the formatted text to {@code out}; argument i is {@code ints[argRegs[i]]} for an
     * integer conversion and the first {@code strLens[argRegs[i]]} bytes of {@code strs[argRegs[i]]}
     * for {@code %s}.
     */
    public void format(int[] argRegs, long[] ints, byte[][] strs, int[] strLens, TextBuffer out) {
        format(argRegs, ints, strs, strLens, false, out);
    }

    /**
     * As {@link #format(int[], long[], byte[][], int[], TextBuffer)}; with {@code terminal}, the values of
     * {@code %s} and {@code %c} are written as {@link TerminalText} escapes them (the format's own text is not).
     */
    void format(int[] argRegs, long[] ints, byte[][] strs, int[] strLens, boolean terminal, TextBuffer out) {
        format(argRegs, null, null, ints, strs, strLens, terminal, out);
    }

    /**
     * As above, where {@code stackArgs[i]} (when not null) says argument i is a stack, printed by {@code %s} as
     * {@link StackTable#text} gives it with the value indent.
     */
    void format(int[] argRegs, boolean[] stackArgs, StackTable stacks, long[] ints, byte[][] strs, int[] strLens,
            boolean terminal, TextBuffer out) {
        List<Part> parts = format.parts();
        int arg = 0;
        for (int i = 0; i < literals.length; i++) {
            if (literals[i] != null) {
                out.append(literals[i], 0, literals[i].length);
                continue;
            }
            Conversion c = (Conversion) parts.get(i);
            int r = argRegs[arg];
            boolean stack = stackArgs != null && stackArgs[arg];
            arg++;
            if (stack) {
                byte[] text = stacks.text(ints[r], StackTable.VALUE_INDENT).getBytes(StandardCharsets.UTF_8);
                appendString(c, text, text.length, false, out);
            } else if (c.conversion() == 's') {
                appendString(c, strs[r], strLens[r], terminal, out);
            } else if (c.conversion() == 'c' && terminal) {
                charBuffer[0] = (byte) ints[r];
                appendString(c, charBuffer, 1, true, out);
            } else {
                appendInt(c, ints[r], out);
            }
        }
    }

    /** Formats with arguments given as {@link Long} or {@link String} values, in order. */
    public String format(List<Object> args) {
        int n = args.size();
        long[] ints = new long[n];
        byte[][] strs = new byte[n][];
        int[] lens = new int[n];
        int[] regs = new int[n];
        for (int i = 0; i < n; i++) {
            regs[i] = i;
            if (args.get(i) instanceof String s) {
                strs[i] = s.getBytes(StandardCharsets.UTF_8);
                lens[i] = strs[i].length;
            } else {
                ints[i] = ((Number) args.get(i)).longValue();
            }
        }
        TextBuffer out = new TextBuffer();
        format(regs, ints, strs, lens, false, out);
        return out.toString();
    }

    private static void appendString(Conversion c, byte[] s, int length, boolean terminal, TextBuffer out) {
        int n = c.precision() >= 0 && c.conversion() == 's' ? Math.min(length, c.precision()) : length;
        int shown = terminal ? TerminalText.width(s, 0, n) : n;
        boolean left = c.flags().indexOf('-') >= 0;
        if (!left) {
            out.repeat((byte) ' ', c.width() - shown);
        }
        if (terminal) {
            TerminalText.append(out, s, 0, n);
        } else {
            out.append(s, 0, n);
        }
        if (left) {
            out.repeat((byte) ' ', c.width() - shown);
        }
    }

    private void appendInt(Conversion c, long value, TextBuffer out) {
        String flags = c.flags();
        boolean left = flags.indexOf('-') >= 0;
        char conv = c.conversion();
        if (conv == 'c') {
            if (!left) {
                out.repeat((byte) ' ', c.width() - 1);
            }
            out.append((byte) value);
            if (left) {
                out.repeat((byte) ' ', c.width() - 1);
            }
            return;
        }
        boolean signed = conv == 'd' || conv == 'i';
        boolean negative = signed && value < 0;
        long magnitude = negative ? -value : value;
        int radix = conv == 'x' || conv == 'X' ? 16 : conv == 'o' ? 8 : 10;
        int start = unsignedDigits(magnitude, radix, conv == 'X');
        int digitCount = digits.length - start;
        if (c.precision() == 0 && value == 0) {
            digitCount = 0;
        }
        int zeros = Math.max(0, c.precision() - digitCount);
        boolean alternate = flags.indexOf('#') >= 0;
        if (alternate && radix == 8 && zeros == 0 && (digitCount == 0 || digits[start] != '0')) {
            zeros = 1;
        }
        byte sign = negative ? (byte) '-' : signed && flags.indexOf('+') >= 0 ? (byte) '+'
                : signed && flags.indexOf(' ') >= 0 ? (byte) ' ' : 0;
        boolean hexPrefix = alternate && radix == 16 && value != 0;
        int prefixLength = (sign != 0 ? 1 : 0) + (hexPrefix ? 2 : 0);
        int fill = c.width() - prefixLength - zeros - digitCount;
        boolean zeroPad = !left && c.precision() < 0 && flags.indexOf('0') >= 0;
        if (!left && !zeroPad) {
            out.repeat((byte) ' ', fill);
        }
        if (sign != 0) {
            out.append(sign);
        }
        if (hexPrefix) {
            out.append((byte) '0');
            out.append((byte) conv);
        }
        out.repeat((byte) '0', zeroPad ? zeros + Math.max(0, fill) : zeros);
        out.append(digits, digits.length - digitCount, digitCount);
        if (left) {
            out.repeat((byte) ' ', fill);
        }
    }

    /** Writes the digits of unsigned {@code v} at the end of {@link #digits}; returns where they start. */
    private int unsignedDigits(long v, int radix, boolean upper) {
        int p = digits.length;
        do {
            int d = (int) Long.remainderUnsigned(v, radix);
            digits[--p] = (byte) (d < 10 ? '0' + d : (upper ? 'A' : 'a') + d - 10);
            v = Long.divideUnsigned(v, radix);
        } while (v != 0);
        return p;
    }
}
