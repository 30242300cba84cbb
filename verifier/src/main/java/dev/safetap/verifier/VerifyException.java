package dev.safetap.verifier;

import dev.safetap.bytecode.Diagnostic;
import dev.safetap.bytecode.SafetapException;
import java.util.List;

/** A program the verifier rejects: one diagnostic that names the action, the pc and what is wrong. */
public final class VerifyException extends SafetapException {

    public VerifyException(Diagnostic diagnostic) {
        super(Stage.VERIFY, List.of(diagnostic));
    }

    public Diagnostic diagnostic() {
        return diagnostics().get(0);
    }
}
