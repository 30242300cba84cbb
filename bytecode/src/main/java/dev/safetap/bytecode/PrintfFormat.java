package dev.safetap.bytecode;

import java.util.ArrayList;
import java.util.List;

/**
 * A parsed printf format: literal text and C conversions {@code %[flags][width][.precision][length]conv}
 * with conv one of {@code d i u x X o s c} (and {@code %%}). Flags are {@code - 0 + space #};
 * length modifiers {@code h hh l ll z j t} are accepted and ignored (every integer is 64-bit).
 * The compiler, the verifier and the VM all read formats through this one parser.
 */
public record PrintfFormat(List<Part> parts) {

    /** Literal text or one conversion. */
    public sealed interface Part permits Literal, Conversion {
    }

    public record Literal(String text) implements Part {
    }

    /** One conversion; width and precision are -1 when absent. */
    public record Conversion(String flags, int width, int precision, char conversion) implements Part {
        public ValueType argumentType() {
            return conversion == 's' ? ValueType.STR : ValueType.INT;
        }

        /** Whether a value of type {@code t} may be given for this conversion: {@code %s} also prints a stack. */
        public boolean accepts(ValueType t) {
            return t == argumentType() || conversion == 's' && t == ValueType.STACK;
        }
    }

    /** A format that does not parse; {@code index} is the offending character in the format. */
    public static final class FormatException extends RuntimeException {
        private final int index;

        public FormatException(int index, String message) {
            super(message);
            this.index = index;
        }

        public int index() {
            return index;
        }
    }

    /** Widest width or precision accepted, so that one conversion's output stays bounded. */
    public static final int MAX_WIDTH = 256;

    public static PrintfFormat parse(String format) {
        List<Part> parts = new ArrayList<>();
        StringBuilder lit = new StringBuilder();
        int i = 0;
        int n = format.length();
        while (i < n) {
            char c = format.charAt(i);
            if (c != '%') {
                lit.append(c);
                i++;
                continue;
            }
            int start = i++;
            if (i < n && format.charAt(i) == '%') {
                lit.append('%');
                i++;
                continue;
            }
            StringBuilder flags = new StringBuilder();
            while (i < n && "-0+ #".indexOf(format.charAt(i)) >= 0) {
                flags.append(format.charAt(i++));
            }
            int width = -1;
            int ws = i;
            while (i < n && Character.isDigit(format.charAt(i))) {
                i++;
            }
            if (i > ws) {
                width = bounded(format, ws, i, "width");
            }
            int precision = -1;
            if (i < n && format.charAt(i) == '.') {
                int ps = ++i;
                while (i < n && Character.isDigit(format.charAt(i))) {
                    i++;
                }
                precision = i > ps ? bounded(format, ps, i, "precision") : 0;
            }
            while (i < n && "hlzjtq".indexOf(format.charAt(i)) >= 0) {
                i++;
            }
            if (i >= n) {
                throw new FormatException(start, "incomplete conversion at the end of the format");
            }
            char conv = format.charAt(i);
            if ("diuxXosc".indexOf(conv) < 0) {
                throw new FormatException(i, "unsupported conversion '%" + conv + "' (use one of %d %i %u %x %X %o %s %c %%)");
            }
            i++;
            if (lit.length() > 0) {
                parts.add(new Literal(lit.toString()));
                lit.setLength(0);
            }
            parts.add(new Conversion(flags.toString(), width, precision, conv));
        }
        if (lit.length() > 0) {
            parts.add(new Literal(lit.toString()));
        }
        return new PrintfFormat(List.copyOf(parts));
    }

    private static int bounded(String format, int from, int to, String what) {
        if (to - from > 3 || Integer.parseInt(format.substring(from, to)) > MAX_WIDTH) {
            throw new FormatException(from, what + " larger than " + MAX_WIDTH);
        }
        return Integer.parseInt(format.substring(from, to));
    }

    /** The conversions in order: the argument list must match them one for one. */
    public List<Conversion> conversions() {
        List<Conversion> out = new ArrayList<>();
        for (Part p : parts) {
            if (p instanceof Conversion c) {
                out.add(c);
            }
        }
        return out;
    }
}
