package dev.safetap.verifier;

import dev.safetap.bytecode.DebugInfo;
import dev.safetap.bytecode.Diagnostic;
import dev.safetap.bytecode.SourcePosition;

/** Turns a rejection into a {@link VerifyException} placed at its source line when the program has a line table. */
final class Diagnostics {
    private final DebugInfo debug;
    private final String file;

    Diagnostics(DebugInfo debug) {
        this.debug = debug;
        this.file = debug.sourceName().isEmpty() ? "<bytecode>" : debug.sourceName();
    }

    /** A rejection of the program header: it has no place in the source. */
    VerifyException reject(String message) {
        return reject(message, "");
    }

    VerifyException reject(String message, String hint) {
        return new VerifyException(Diagnostic.at(file, 0, 0, message, "").withHint(hint));
    }

    VerifyException reject(int action, int pc, String message) {
        return reject(action, pc, message, "");
    }

    VerifyException reject(int action, int pc, String message, String hint) {
        SourcePosition pos = debug.positionOf(action, pc);
        Diagnostic d = pos == null || pos.line() <= 0
                ? Diagnostic.at(file, 0, 0, message, "")
                : Diagnostic.at(file, pos.line(), Math.max(pos.column(), 1), message, debug.sourceLine(pos.line()));
        return new VerifyException(d.withHint(hint));
    }
}
