package dev.safetap.cli;

/** The process exit codes, documented in README and docs/language.md. */
final class ExitCode {
    static final int OK = 0;
    /** The script was rejected: syntax, type or verify error. */
    static final int REJECTED = 1;
    /** The command line was wrong. */
    static final int USAGE = 2;
    /** Tracing could not start (permission, missing kernel feature, layout mismatch) or the kernel failed during it. */
    static final int ATTACH = 3;
    /** With {@code --strict}: an event was lost or not delivered, so the run stopped without END and maps. */
    static final int EVENTS_MISSED = 4;
    /** Standard output was closed by its reader: what a shell reports for a tracer killed by SIGPIPE (128 + 13). */
    static final int OUTPUT_CLOSED = 141;
    /** A bug in safetap: an error none of the pipeline's stages accounts for (sysexits' EX_SOFTWARE). */
    static final int INTERNAL = 70;

    private ExitCode() {
    }
}
