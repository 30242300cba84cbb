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
 */
public record Diagnostic(String file, int line, int column, String message, String sourceLine, String hint) {

    public static Diagnostic at(String file, int line, int column, String message, String sourceLine) {
        return new Diagnostic(file, line, column, message, sourceLine, "");
    }

    public Diagnostic withHint(String newHint) {
        return new Diagnostic(file, line, column, message, sourceLine, newHint);
    }

    public String render() {
        StringBuilder sb = new StringBuilder(file);
        if (line > 0) {
            sb.append(':').append(line).append(':').append(column);
        }
        sb.append(": error: ").append(message).append('\n');
        if (line > 0 && sourceLine != null && !sourceLine.isEmpty()) {
            sb.append("    ").append(sourceLine).append('\n');
            sb.append("    ");
            for (int i = 0; i < column - 1 && i < sourceLine.length(); i++) {
                sb.append(sourceLine.charAt(i) == '\t' ? '\t' : ' ');
            }
            sb.append("^\n");
        }
        if (hint != null && !hint.isEmpty()) {
            sb.append("hint: ").append(hint).append('\n');
        }
        return sb.toString();
    }
}
