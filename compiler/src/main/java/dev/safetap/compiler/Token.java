package dev.safetap.compiler;

/**
 * One token: its kind, its text as written (a string literal's text is its decoded value), its
 * 1-based line and column, and its character offsets {@code start} (inclusive) and {@code end}
 * (exclusive) in the source, which tell whether two tokens touch.
 */
record Token(TokenKind kind, String text, int line, int column, int start, int end) {
    boolean is(TokenKind k) {
        return kind == k;
    }

    /** A readable name for error messages: {@code `foo`}, or "end of input". */
    String describe() {
        return kind == TokenKind.EOF ? "end of input" : "`" + (kind == TokenKind.STRING ? "\"" + text + "\"" : text) + "`";
    }
}
