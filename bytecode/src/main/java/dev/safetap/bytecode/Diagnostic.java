package dev.safetap.bytecode;

/**
 * One error with its place in the script, in the one format every stage uses:
 *
 * <pre>
 * FILE:LINE:COL: error: MESSAGE
 *     the source line
 *         ^
 * hint: what to do
 * </pre>
 *
 * Line and column are 1-based; 0 when the error has no place (then only {@code FILE: error:} is printed).
 *
 * <p>What a diagnostic shows comes from the script, which may be hostile: every text is rendered through
 * {@link #printable}, so no control character of a source line, or of a name a message quotes, reaches the
 * terminal (none can move the cursor, clear the screen or overwrite the error with a fake "OK"). A source line
 * wider than {@link #MAX_LINE_COLUMNS} is shown as a window around the caret, and a message, hint or file name
 * longer than {@link #MAX_TEXT} is shortened in its middle: a rendered diagnostic is bounded by a constant,
 * whatever the size of the script.
 */
public record Diagnostic(String file, int line, int column, String message, String sourceLine, String hint) {
    /** Widest source line shown whole; a wider one is shown as a window of {@link #WINDOW_COLUMNS} around the caret. */
    public static final int MAX_LINE_COLUMNS = 160;
    /** Columns of the window shown of a source line wider than {@link #MAX_LINE_COLUMNS}, {@code ...} marks aside. */
    public static final int WINDOW_COLUMNS = 100;
    /** Longest message, hint or file name shown whole; a longer one keeps its start and its end. */
    public static final int MAX_TEXT = 1000;
    /** Columns a window keeps before the caret when it has to cut the line on both sides. */
    private static final int CONTEXT_BEFORE = 60;
    private static final String CUT = "...";
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    public static Diagnostic at(String file, int line, int column, String message, String sourceLine) {
        return new Diagnostic(file, line, column, message, sourceLine, "");
    }

    public Diagnostic withHint(String newHint) {
        return new Diagnostic(file, line, column, message, sourceLine, newHint);
    }

    public String render() {
        StringBuilder sb = new StringBuilder(shortened(file));
        if (line > 0) {
            sb.append(':').append(line).append(':').append(column);
        }
        sb.append(": error: ").append(shortened(message)).append('\n');
        if (line > 0 && sourceLine != null && !sourceLine.isEmpty()) {
            appendExcerpt(sb, sourceLine, column);
        }
        if (hint != null && !hint.isEmpty()) {
            sb.append("hint: ").append(shortened(hint)).append('\n');
        }
        return sb.toString();
    }

    /**
     * Appends a source line and a caret under {@code column} (1-based, counted in chars of the line), each indented
     * by four spaces: the line escaped by {@link #printable}, cut to {@link #WINDOW_COLUMNS} around the caret when
     * it is wider than {@link #MAX_LINE_COLUMNS} ({@code ...} marks where it was cut). A tab is kept, and kept under
     * it in the caret's line too, so that the caret stays under its character whatever the terminal's tab width.
     */
    public static void appendExcerpt(StringBuilder sb, String text, int column) {
        int caret = Math.max(0, Math.min(column - 1, text.length()));
        int from = 0;
        int to = text.length();
        if (wider(text, MAX_LINE_COLUMNS)) {
            from = caret;
            int used = 0;
            while (from > 0 && used + width(text, from - 1, from) <= CONTEXT_BEFORE) {
                from--;
                used += width(text, from, from + 1);
            }
            to = caret;
            while (to < text.length() && used + width(text, to, to + 1) <= WINDOW_COLUMNS) {
                used += width(text, to, to + 1);
                to++;
            }
            while (from > 0 && used + width(text, from - 1, from) <= WINDOW_COLUMNS) {
                from--;
                used += width(text, from, from + 1);
            }
            from = unsplit(text, from);
            to = unsplit(text, to);
        }
        String before = from > 0 ? CUT : "";
        sb.append("    ").append(before);
        appendPrintable(sb, text, from, to);
        sb.append(to < text.length() ? CUT : "").append('\n');
        sb.append("    ").append(" ".repeat(before.length()));
        for (int i = from; i < caret; i++) {
            char c = text.charAt(i);
            sb.append(c == '\t' ? "\t" : " ".repeat(width(text, i, i + 1)));
        }
        sb.append("^\n");
    }

    /**
     * The text with every character a terminal would act on or hide written as an escape: {@code \r}, {@code \n},
     * {@code \xNN} for the other C0 and C1 controls and DEL, <code>&#92;u{NNNN}</code> for format characters (bidirectional
     * overrides, zero-width ones), line and paragraph separators, unassigned and private-use code points and unpaired
     * surrogates. A tab is kept. Printable text, backslashes included, is unchanged, so escaping twice changes nothing.
     */
    public static String printable(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(text.length());
        appendPrintable(sb, text, 0, text.length());
        return sb.toString();
    }

    private static void appendPrintable(StringBuilder sb, String text, int from, int to) {
        for (int i = from; i < to; ) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            if (n == 2 && i + 1 >= to) {
                n = 1;
                cp = text.charAt(i);
            }
            String escape = escape(cp);
            if (escape == null) {
                sb.append(text, i, i + n);
            } else {
                sb.append(escape);
            }
            i += n;
        }
    }

    /** The escape that shows code point {@code cp}, or null when it is shown as itself. */
    private static String escape(int cp) {
        switch (cp) {
            case '\t':
                return null;
            case '\n':
                return "\\n";
            case '\r':
                return "\\r";
            default:
                break;
        }
        if (cp < 0x20 || (cp >= 0x7f && cp <= 0x9f)) {
            return "\\x" + HEX[cp >> 4] + HEX[cp & 0xf];
        }
        if (cp < 0x7f) {
            return null;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR,
                    Character.UNASSIGNED, Character.PRIVATE_USE, Character.SURROGATE -> String.format("\\u{%04x}", cp);
            default -> null;
        };
    }

    /**
     * Columns that chars {@code [from, to)} of the text take once shown: a printable char (a tab too) takes one, as
     * the caret line pads it, so a printable surrogate pair takes two; an escaped character takes the length of its
     * escape, counted on the first char of a pair.
     */
    private static int width(String text, int from, int to) {
        int w = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            boolean pairStart = Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
            boolean pairEnd = Character.isLowSurrogate(c) && i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
            String escape = escape(pairStart ? text.codePointAt(i) : pairEnd ? text.codePointAt(i - 1) : c);
            w += escape == null ? 1 : pairEnd ? 0 : escape.length();
        }
        return w;
    }

    /** True when the text shown takes more than {@code columns} columns; looks no further than that. */
    private static boolean wider(String text, int columns) {
        int w = 0;
        for (int i = 0; i < text.length() && w <= columns; i++) {
            w += width(text, i, i + 1);
        }
        return w > columns;
    }

    /** Moves a cut that falls between the two chars of a surrogate pair to before the pair. */
    private static int unsplit(String text, int at) {
        return at > 0 && at < text.length() && Character.isLowSurrogate(text.charAt(at))
                && Character.isHighSurrogate(text.charAt(at - 1)) ? at - 1 : at;
    }

    /** The text made printable, and cut in its middle when longer than {@link #MAX_TEXT}. */
    private static String shortened(String text) {
        String shown = printable(text);
        if (shown.length() <= MAX_TEXT) {
            return shown;
        }
        int half = (MAX_TEXT - CUT.length()) / 2;
        int head = unsplit(shown, half);
        int tail = unsplit(shown, shown.length() - half);
        return shown.substring(0, head) + CUT + shown.substring(tail);
    }
}
