package dev.safetap.compiler;

import dev.safetap.bytecode.Diagnostic;
import dev.safetap.bytecode.SafetapException;
import java.util.List;

/** Every error one compilation found (syntax, names, types), in source order of discovery. */
public final class CompileException extends SafetapException {
    public CompileException(List<Diagnostic> diagnostics) {
        super(diagnostics);
    }
}
