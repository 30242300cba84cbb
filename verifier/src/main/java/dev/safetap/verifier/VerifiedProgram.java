package dev.safetap.verifier;

import dev.safetap.bytecode.Program;

/**
 * A program the {@link Verifier} accepted, with its report and the proven per-action instruction
 * bounds. Only the verifier can construct one, so holding one is proof that the checks ran.
 */
public final class VerifiedProgram {
    private final Program program;
    private final VerifyReport report;
    private final long[] worstCase;

    VerifiedProgram(Program program, VerifyReport report, long[] worstCase) {
        this.program = program;
        this.report = report;
        this.worstCase = worstCase.clone();
    }

    public Program program() {
        return program;
    }

    public VerifyReport report() {
        return report;
    }

    /**
     * Proven worst-case number of instructions one firing of action {@code action} executes: every
     * executed instruction counts once, LOOP once per entry, ENDLOOP once per iteration, and the
     * final RET.
     */
    public long worstCaseInstructions(int action) {
        return worstCase[action];
    }
}
