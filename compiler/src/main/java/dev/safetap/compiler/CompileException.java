package dev.safetap.compiler;

import dev.safetap.bytecode.Diagnostic;
import dev.safetap.bytecode.SafetapException;
import java.util.List;

/**
 * Every error one compilation found, in source order of discovery: syntax errors (the compiler stops after
 * parsing when there are any), or else errors of names, types, arities and constants.
 */
public final class CompileException extends SafetapException {
    public CompileException(Stage stage, List<Diagnostic> diagnostics) {
        super(stage, diagnostics);
    }

    /** Errors found after parsing: names, types, arities, constants. */
    public CompileException(List<Diagnostic> diagnostics) {
        this(Stage.TYPE, diagnostics);
    }
}
