package dev.safetap.verifier;

import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.ValueType;

/**
 * A program the {@link Verifier} accepted, with its report and what the proof established: the
 * worst-case instructions of each action and the register types at each instruction. Only the verifier
 * can construct one, so holding one is proof that the checks ran. It is deeply immutable: a
 * {@link Program} and everything in it (actions copy their code in and out) cannot change after
 * verification, so what runs is what was verified.
 */
public final class VerifiedProgram {
    private final Program program;
    private final VerifyReport report;
    private final long[] worstCase;
    private final RegisterTypes[] registerTypes;
    private final EventOrder order;

    VerifiedProgram(Program program, VerifyReport report, long[] worstCase, RegisterTypes[] registerTypes, EventOrder order) {
        this.order = order;
        this.program = program;
        this.report = report;
        this.worstCase = worstCase.clone();
        this.registerTypes = registerTypes.clone();
    }

    public Program program() {
        return program;
    }

    public VerifyReport report() {
        return report;
    }

    /** Which probes need their events in time order, and which maps workers hold parts of. */
    public EventOrder eventOrder() {
        return order;
    }

    /**
     * Proven worst-case number of instructions one firing of action {@code action} executes: every
     * executed instruction counts once, LOOP once per entry, ENDLOOP once per iteration, and the
     * final RET.
     */
    public long worstCaseInstructions(int action) {
        return worstCase[action];
    }

    /** True when some path from the start of action {@code action} reaches the instruction at {@code pc}. */
    public boolean reachable(int action, int pc) {
        return registerTypes[action].reachable(pc);
    }

    /**
     * The type {@code register} holds on every path to the instruction at {@code pc} of action {@code action},
     * before that instruction runs; null when some path leaves it unassigned or the pc is unreachable.
     */
    public ValueType registerType(int action, int pc, int register) {
        return registerTypes[action].typeOf(pc, register);
    }
}
