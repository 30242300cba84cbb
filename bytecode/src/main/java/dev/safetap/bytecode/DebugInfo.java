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

    /** Text of source line {@code line} (1-based) without its newline, or "" when out of range. */
    public String sourceLine(int line) {
        String[] all = sourceText.split("\n", -1);
        return line >= 1 && line <= all.length ? all[line - 1] : "";
    }
}
