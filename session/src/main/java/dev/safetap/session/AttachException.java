package dev.safetap.session;

import dev.safetap.bytecode.Diagnostic;
import dev.safetap.bytecode.SafetapException;
import dev.safetap.kernel.KernelException;
import java.util.List;

/**
 * The kernel could not attach a probe, or failed while tracing: each message says what went wrong and what to
 * do ("run as root or grant CAP_PERFMON"). The session turns every failure of the kernel bridge into one.
 */
public final class AttachException extends SafetapException {
    private AttachException(Stage stage, String message, Throwable cause) {
        super(stage, message, List.of(Diagnostic.at("safetap", 0, 0, message, "")), cause);
    }

    /** A probe cannot be attached; nothing of the run has started. */
    static AttachException attach(String message) {
        return new AttachException(Stage.ATTACH, message, null);
    }

    /** What the kernel bridge reported while attaching. */
    static AttachException attach(KernelException e) {
        return new AttachException(Stage.ATTACH, e.getMessage(), e);
    }

    /** What the kernel bridge reported while the script was running. */
    static AttachException whileTracing(KernelException e) {
        return new AttachException(Stage.RUNTIME, e.getMessage(), e);
    }

    /** As the kernel bridge words it, after the program name: {@code safetap: MESSAGE}. */
    @Override
    public String render() {
        return "safetap: " + getMessage() + "\n";
    }
}
