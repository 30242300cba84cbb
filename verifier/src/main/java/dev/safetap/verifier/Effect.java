package dev.safetap.verifier;

import dev.safetap.bytecode.Disassembler;
import dev.safetap.bytecode.Instruction;
import dev.safetap.bytecode.Program;
import java.util.List;

/**
 * What an instruction does that the report lists, named as the report names it: a map read or written, a record
 * field read, an output action. The verifier builds the report from these; the checked interpreter checks every
 * effect it executes against the report, so that the report describes what the bytecode does.
 */
public record Effect(Kind kind, String name) {
    /** Which list of a {@link VerifyReport.ProbeReport} names the effect. */
    public enum Kind {
        MAP_READ,
        MAP_WRITE,
        OUTPUT
    }

    /**
     * The effects of {@code insn} in {@code program}, whose ids the verifier checked; record field reads are not
     * among them (their names depend on the probe's layout, see {@link VerifyReport.ProbeReport#fieldsRead()}).
     */
    public static List<Effect> of(Instruction insn, Program program) {
        return switch (insn.opcode()) {
            case MAP_GET -> List.of(new Effect(Kind.MAP_READ, map(program, insn, 1)));
            case MAP_SET, MAP_AGG, MAP_DEL -> List.of(new Effect(Kind.MAP_WRITE, map(program, insn, 0)));
            case MAP_CLEAR, MAP_ZERO, MAP_TRUNC -> List.of(new Effect(Kind.MAP_WRITE, map(program, insn, 0)),
                    new Effect(Kind.OUTPUT, insn.opcode().name().substring(4).toLowerCase() + "(" + map(program, insn, 0) + ")"));
            case MAP_PRINT -> List.of(new Effect(Kind.OUTPUT, "print(" + map(program, insn, 0) + ")"));
            case PRINT_VAL -> List.of(new Effect(Kind.OUTPUT, "print(value)"));
            case EXIT -> List.of(new Effect(Kind.OUTPUT, "exit()"));
            case PRINTF -> List.of(new Effect(Kind.OUTPUT, "printf(" + string(program, insn) + ")"));
            case TIME -> List.of(new Effect(Kind.OUTPUT, "time(" + string(program, insn) + ")"));
            default -> List.of();
        };
    }

    private static String map(Program program, Instruction insn, int operand) {
        return program.maps().get(insn.intOperand(operand)).name();
    }

    private static String string(Program program, Instruction insn) {
        return Disassembler.quote(program.strings().get(insn.intOperand(0)));
    }
}
