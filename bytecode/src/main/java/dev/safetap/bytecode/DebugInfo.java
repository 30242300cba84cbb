package dev.safetap.bytecode;

import java.util.List;

/**
 * Optional debug section: the script's name and text and the line table, so that verifier
 * rejections and runtime errors can show the source line with a caret. {@link #NONE} when absent.
 */
public record DebugInfo(String sourceName, String sourceText, List<LineEntry> lines) {
    public static final DebugInfo NONE = new DebugInfo("", "", List.of());

    public DebugInfo {
        lines = List.copyOf(lines);
    }

    public boolean isPresent() {
        return !lines.isEmpty();
    }

    /** The position of the instruction at pc in action, or null when the table does not cover it. */
    public SourcePosition positionOf(int action, int pc) {
        LineEntry best = null;
        for (LineEntry e : lines) {
            if (e.action() == action && e.pc() <= pc && (best == null || e.pc() >= best.pc())) {
                best = e;
            }
        }
        return best == null ? null : new SourcePosition(best.line(), best.column());
    }

    /**
     * Text of source line {@code line} (1-based) without its newline (nor the carriage return of a CRLF line), or ""
     * when out of range. The text comes from the file and may be hostile: show it through {@link Diagnostic}.
     */
    public String sourceLine(int line) {
        int start = 0;
        for (int i = 1; i < line && start >= 0; i++) {
            start = sourceText.indexOf('\n', start);
            start = start < 0 ? -1 : start + 1;
        }
        if (line < 1 || start < 0) {
            return "";
        }
        int end = sourceText.indexOf('\n', start);
        end = end < 0 ? sourceText.length() : end;
        if (end > start && sourceText.charAt(end - 1) == '\r') {
            end--;
        }
        return sourceText.substring(start, end);
    }
}
