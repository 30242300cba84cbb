package dev.safetap.bytecode;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The one root of the errors a script can meet along the pipeline (syntax, type, verify, runtime);
 * each carries its diagnostics, rendered in the one format of {@link Diagnostic}.
 */
public abstract class SafetapException extends RuntimeException {
    private final List<Diagnostic> diagnostics;

    protected SafetapException(List<Diagnostic> diagnostics) {
        super(diagnostics.isEmpty() ? "error" : diagnostics.get(0).message());
        this.diagnostics = List.copyOf(diagnostics);
    }

    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    /** Every diagnostic rendered, in order. */
    public String render() {
        return diagnostics.stream().map(Diagnostic::render).collect(Collectors.joining());
    }
}
