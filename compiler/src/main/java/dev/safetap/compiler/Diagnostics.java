package dev.safetap.compiler;

import dev.safetap.bytecode.Diagnostic;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** Collects the errors of one compilation, each with its place in the script and the source line. */
final class Diagnostics {
    private final String sourceName;
    private final String[] lines;
    private final Set<Diagnostic> errors = new LinkedHashSet<>();

    Diagnostics(String sourceName, String source) {
        this.sourceName = sourceName;
        this.lines = source.split("\n", -1);
    }

    void error(int line, int column, String message) {
        error(line, column, message, "");
    }

    void error(int line, int column, String message, String hint) {
        String text = line >= 1 && line <= lines.length ? lines[line - 1].replace("\r", "") : "";
        errors.add(new Diagnostic(sourceName, line, column, message, text, hint == null ? "" : hint));
    }

    boolean hasErrors() {
        return !errors.isEmpty();
    }

    List<Diagnostic> list() {
        return new ArrayList<>(errors);
    }
}
