package dev.safetap.bytecode;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The one root of the errors a script can meet along the pipeline: in its syntax, its types, the verifier,
 * attaching it to the kernel, or while it runs. Each carries its {@link Stage}, which decides the exit code,
 * and its diagnostics, rendered in the one format of {@link Diagnostic}. Anything else that escapes the
 * pipeline is a bug in safetap.
 */
public abstract class SafetapException extends RuntimeException {
    /** Where along the pipeline an error arose. */
    public enum Stage {
        /** The script's text, or a bytecode file's bytes, do not parse. */
        SYNTAX,
        /** Names, types, arities or constants are wrong. */
        TYPE,
        /** The verifier rejects the program. */
        VERIFY,
        /** The kernel cannot attach a probe: permission, missing feature, changed record format. */
        ATTACH,
        /** The kernel failed while the script was running. */
        RUNTIME
    }

    /** Most diagnostics {@link #render} shows, as clang's default error limit. */
    public static final int MAX_REPORTED = 20;

    private final Stage stage;
    private final List<Diagnostic> diagnostics;

    protected SafetapException(Stage stage, List<Diagnostic> diagnostics) {
        this(stage, diagnostics.isEmpty() ? "error" : diagnostics.get(0).message(), diagnostics, null);
    }

    protected SafetapException(Stage stage, String message, List<Diagnostic> diagnostics, Throwable cause) {
        super(message, cause);
        this.stage = stage;
        this.diagnostics = List.copyOf(diagnostics);
    }

    public Stage stage() {
        return stage;
    }

    public List<Diagnostic> diagnostics() {
        return diagnostics;
    }

    /** True for the stages that mean the script or program was rejected before anything was attached. */
    public boolean rejected() {
        return stage == Stage.SYNTAX || stage == Stage.TYPE || stage == Stage.VERIFY;
    }

    /**
     * The first {@link #MAX_REPORTED} diagnostics rendered, in order, then {@code and N more errors} when there are
     * more: a script with thousands of errors (or a file that is not a script at all) gets a screenful, not one
     * line of output per byte. Every error is still found and kept in {@link #diagnostics()}.
     */
    public String render() {
        String shown = diagnostics.stream().limit(MAX_REPORTED).map(Diagnostic::render).collect(Collectors.joining());
        int more = diagnostics.size() - MAX_REPORTED;
        return more <= 0 ? shown : shown + "and " + more + " more error" + (more == 1 ? "" : "s") + "\n";
    }
}
