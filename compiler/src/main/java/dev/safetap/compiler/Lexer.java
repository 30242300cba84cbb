package dev.safetap.compiler;

import static dev.safetap.compiler.TokenKind.*;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits a script into tokens with their line and column. Skips a first {@code #!} line,
 * whitespace, and {@code //} and {@code /* *&#47;} comments; reports bad characters, bad escapes and unterminated strings and
 * comments, and goes on so that every lexical error is reported in one run.
 */
final class Lexer {
    private final String src;
    private final Diagnostics errors;
    private final List<Token> tokens = new ArrayList<>();
    private int pos;
    private int line = 1;
    private int lineStart;

    Lexer(String source, Diagnostics errors) {
        this.src = source;
        this.errors = errors;
    }

    List<Token> tokens() {
        if (src.startsWith("#!")) {
            while (pos < src.length() && src.charAt(pos) != '\n') {
                pos++;
            }
        }
        while (true) {
            skipBlanks();
            if (pos >= src.length()) {
                tokens.add(new Token(EOF, "", line, pos - lineStart + 1, pos, pos));
                return tokens;
            }
            scanToken();
        }
    }

    private void skipBlanks() {
        while (pos < src.length()) {
            char c = src.charAt(pos);
            if (c == '\n') {
                pos++;
                line++;
                lineStart = pos;
            } else if (Character.isWhitespace(c)) {
                pos++;
            } else if (c == '/' && peek(1) == '/') {
                while (pos < src.length() && src.charAt(pos) != '\n') {
                    pos++;
                }
            } else if (c == '/' && peek(1) == '*') {
                int l = line;
                int col = pos - lineStart + 1;
                pos += 2;
                while (pos < src.length() && !(src.charAt(pos) == '*' && peek(1) == '/')) {
                    newlineAt(pos);
                    pos++;
                }
                if (pos >= src.length()) {
                    errors.error(l, col, "unterminated comment", "close it with `*/`");
                    return;
                }
                pos += 2;
            } else {
                return;
            }
        }
    }

    private void newlineAt(int p) {
        if (src.charAt(p) == '\n') {
            line++;
            lineStart = p + 1;
        }
    }

    private char peek(int ahead) {
        int p = pos + ahead;
        return p < src.length() ? src.charAt(p) : '\0';
    }

    private void scanToken() {
        int start = pos;
        int col = pos - lineStart + 1;
        char c = src.charAt(pos);
        if (Character.isLetter(c) || c == '_') {
            pos++;
            while (pos < src.length() && isIdentPart(src.charAt(pos))) {
                pos++;
            }
            add(IDENT, src.substring(start, pos), col, start);
        } else if (Character.isDigit(c)) {
            scanNumber(start, col);
        } else if (c == '"') {
            scanString(start, col);
        } else if (c == '@') {
            pos++;
            while (pos < src.length() && isIdentPart(src.charAt(pos))) {
                pos++;
            }
            add(MAP, src.substring(start, pos), col, start);
        } else if (c == '$') {
            pos++;
            if (pos < src.length() && src.charAt(pos) == '#') {
                pos++;
            } else if (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                    pos++;
                }
            } else {
                while (pos < src.length() && isIdentPart(src.charAt(pos))) {
                    pos++;
                }
            }
            if (pos == start + 1) {
                errors.error(line, col, "`$` must be followed by a variable name, a parameter number or `#`",
                        "local variables are written `$name`, positional parameters `$1`");
                return;
            }
            add(VAR, src.substring(start, pos), col, start);
        } else {
            scanOperator(start, col, c);
        }
    }

    private static boolean isIdentPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_';
    }

    private void scanNumber(int start, int col) {
        boolean hex = src.charAt(pos) == '0' && (peek(1) == 'x' || peek(1) == 'X');
        if (hex) {
            pos += 2;
            while (pos < src.length() && Character.digit(src.charAt(pos), 16) >= 0) {
                pos++;
            }
        } else {
            while (pos < src.length() && Character.isDigit(src.charAt(pos))) {
                pos++;
            }
        }
        String text = src.substring(start, pos);
        String digits = hex ? text.substring(2) : text;
        try {
            if (digits.isEmpty()) {
                throw new NumberFormatException();
            }
            Long.parseUnsignedLong(digits, hex ? 16 : 10);
        } catch (NumberFormatException e) {
            errors.error(line, col, "integer literal `" + text + "` is " + (digits.isEmpty() ? "missing its digits" : "too large for 64 bits"));
            add(INT, "0", col, start);
            return;
        }
        add(INT, text, col, start);
    }

    private void scanString(int start, int col) {
        pos++;
        StringBuilder value = new StringBuilder();
        while (true) {
            if (pos >= src.length() || src.charAt(pos) == '\n') {
                errors.error(line, col, "unterminated string literal", "close the string with `\"` on the same line");
                add(STRING, value.toString(), col, start);
                return;
            }
            char c = src.charAt(pos);
            if (c == '"') {
                pos++;
                add(STRING, value.toString(), col, start);
                return;
            }
            if (c != '\\') {
                value.append(c);
                pos++;
                continue;
            }
            int escCol = pos - lineStart + 1;
            char e = peek(1);
            pos += 2;
            switch (e) {
                case 'n' -> value.append('\n');
                case 't' -> value.append('\t');
                case 'r' -> value.append('\r');
                case '\\' -> value.append('\\');
                case '"' -> value.append('"');
                case 'x' -> {
                    int h1 = Character.digit(peek(0), 16);
                    int h2 = Character.digit(peek(1), 16);
                    if (h1 < 0 || h2 < 0) {
                        errors.error(line, escCol, "`\\x` must be followed by two hexadecimal digits", "write a byte as `\\x41`");
                    } else {
                        value.append((char) (h1 * 16 + h2));
                        pos += 2;
                    }
                }
                default -> {
                    if (e == '\n' || e == '\0') {
                        pos--;
                    }
                    errors.error(line, escCol, "unknown escape sequence `\\" + (e == '\n' || e == '\0' ? "" : e) + "` in string",
                            "the escapes are \\n \\t \\r \\\\ \\\" and \\xNN");
                }
            }
        }
    }

    private void scanOperator(int start, int col, char c) {
        TokenKind kind;
        int len = 1;
        char n = peek(1);
        char n2 = peek(2);
        switch (c) {
            case '{' -> kind = LBRACE;
            case '}' -> kind = RBRACE;
            case '(' -> kind = LPAREN;
            case ')' -> kind = RPAREN;
            case '[' -> kind = LBRACKET;
            case ']' -> kind = RBRACKET;
            case ',' -> kind = COMMA;
            case ';' -> kind = SEMI;
            case ':' -> kind = COLON;
            case '.' -> kind = DOT;
            case '?' -> kind = QUESTION;
            case '~' -> kind = TILDE;
            case '+' -> {
                kind = n == '+' ? INC : n == '=' ? PLUS_ASSIGN : PLUS;
                len = kind == PLUS ? 1 : 2;
            }
            case '-' -> {
                kind = n == '-' ? DEC : n == '=' ? MINUS_ASSIGN : n == '>' ? ARROW : MINUS;
                len = kind == MINUS ? 1 : 2;
            }
            case '*' -> {
                kind = n == '=' ? STAR_ASSIGN : STAR;
                len = kind == STAR ? 1 : 2;
            }
            case '/' -> {
                kind = n == '=' ? SLASH_ASSIGN : SLASH;
                len = kind == SLASH ? 1 : 2;
            }
            case '%' -> {
                kind = n == '=' ? PERCENT_ASSIGN : PERCENT;
                len = kind == PERCENT ? 1 : 2;
            }
            case '^' -> {
                kind = n == '=' ? CARET_ASSIGN : CARET;
                len = kind == CARET ? 1 : 2;
            }
            case '!' -> {
                kind = n == '=' ? NE : BANG;
                len = kind == BANG ? 1 : 2;
            }
            case '=' -> {
                kind = n == '=' ? EQEQ : ASSIGN;
                len = kind == ASSIGN ? 1 : 2;
            }
            case '&' -> {
                kind = n == '&' ? ANDAND : n == '=' ? AMP_ASSIGN : AMP;
                len = kind == AMP ? 1 : 2;
            }
            case '|' -> {
                kind = n == '|' ? OROR : n == '=' ? PIPE_ASSIGN : PIPE;
                len = kind == PIPE ? 1 : 2;
            }
            case '<' -> {
                if (n == '<') {
                    kind = n2 == '=' ? SHL_ASSIGN : SHL;
                    len = n2 == '=' ? 3 : 2;
                } else {
                    kind = n == '=' ? LE : LT;
                    len = kind == LT ? 1 : 2;
                }
            }
            case '>' -> {
                if (n == '>') {
                    kind = n2 == '=' ? SHR_ASSIGN : SHR;
                    len = n2 == '=' ? 3 : 2;
                } else {
                    kind = n == '=' ? GE : GT;
                    len = kind == GT ? 1 : 2;
                }
            }
            default -> {
                if (c == '#' && src.startsWith("#include", pos)) {
                    errors.error(line, col, "#include is not supported: safetap reads tracepoint fields by name and needs no C headers",
                            "remove the #include line");
                    while (pos < src.length() && src.charAt(pos) != '\n') {
                        pos++;
                    }
                    return;
                }
                pos++;
                errors.error(line, col, "unexpected character `" + printable(c) + "`");
                return;
            }
        }
        pos += len;
        add(kind, src.substring(start, pos), col, start);
    }

    private static String printable(char c) {
        return c < 0x20 || c == 0x7f ? String.format("\\x%02x", (int) c) : String.valueOf(c);
    }

    private void add(TokenKind kind, String text, int col, int start) {
        tokens.add(new Token(kind, text, line, col, start, pos));
    }
}
