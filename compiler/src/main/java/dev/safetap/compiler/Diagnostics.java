package dev.safetap.compiler;

import dev.safetap.bytecode.Diagnostic;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Collects the errors of one compilation, each with its place in the script and the source line; an error reported
 * twice at the same place is kept once. The source is split into lines once, and every error of a line shares that
 * line's text, so collecting stays linear in the script however many errors it has.
 */
final class Diagnostics {
    private final String sourceName;
    private final String[] lines;
    private final Set<Diagnostic> errors = new LinkedHashSet<>();

    Diagnostics(String sourceName, String source) {
        this.sourceName = sourceName;
        this.lines = source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].endsWith("\r")) {
                lines[i] = lines[i].substring(0, lines[i].length() - 1);
            }
        }
    }

    void error(int line, int column, String message) {
        error(line, column, message, "");
    }

    void error(int line, int column, String message, String hint) {
        String text = line >= 1 && line <= lines.length ? lines[line - 1] : "";
        errors.add(new Diagnostic(sourceName, line, column, message, text, hint == null ? "" : hint));
    }

    boolean hasErrors() {
        return !errors.isEmpty();
    }

    List<Diagnostic> list() {
        return new ArrayList<>(errors);
    }
}
