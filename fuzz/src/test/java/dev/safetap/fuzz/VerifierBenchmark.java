package dev.safetap.fuzz;

import dev.safetap.bytecode.CodeBuilder;
import dev.safetap.bytecode.DebugInfo;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.ValueType;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.verifier.Verifier;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Verifier time for actions of 1k, 10k and 100k instructions (arithmetic, forward branches, map
 * updates and bounded loops), to show that verification grows linearly. Not a test: run it with
 * {@code bench/verifier.sh}. Prints the median of several runs after warming up on all sizes, and ns per instruction.
 */
public final class VerifierBenchmark {
    private VerifierBenchmark() {
    }

    public static void main(String[] args) {
        int[] sizes = {1_000, 10_000, 100_000};
        Program[] programs = new Program[sizes.length];
        for (int s = 0; s < sizes.length; s++) {
            programs[s] = program(sizes[s]);
        }
        for (int round = 0; round < 30; round++) {
            for (Program p : programs) {
                Verifier.verify(p);
            }
        }
        System.out.println("instructions  median ms  ns/instruction  worst case");
        for (Program p : programs) {
            int runs = 15;
            long[] times = new long[runs];
            VerifiedProgram v = null;
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                v = Verifier.verify(p);
                times[i] = System.nanoTime() - t0;
            }
            Arrays.sort(times);
            long median = times[runs / 2];
            int count = BytecodeMutator.instructions(p.actions().get(0).code()).size();
            System.out.printf(Locale.ROOT, "%12d  %9.3f  %14.1f  %d%n", count, median / 1e6, (double) median / count,
                    v.worstCaseInstructions(0));
        }
    }

    /** One BEGIN action of about {@code size} instructions, built from a repeated ten-instruction block. */
    static Program program(int size) {
        CodeBuilder c = new CodeBuilder();
        c.emit(Opcode.CONST_INT, 0, 1);
        c.emit(Opcode.CONST_INT, 1, 3);
        for (int n = 2; n + 11 <= size; n += 10) {
            c.emit(Opcode.ADD, 2, 0, 1);
            c.emit(Opcode.MUL, 3, 2, 1);
            int skip = c.jumpForward(Opcode.JZ, 3);
            c.emit(Opcode.DIV, 2, 3, 0);
            c.emitRegs(Opcode.MAP_AGG, new int[] {2}, 0, 0, 1);
            c.land(skip);
            int loop = c.beginLoop(2);
            c.emit(Opcode.SUB, 3, 3, 0);
            c.emit(Opcode.XOR, 2, 2, 3);
            c.endLoop(loop);
            c.emit(Opcode.NOP);
        }
        c.emit(Opcode.RET);
        MapDecl counts = MapDecl.of("@counts", List.of(ValueType.INT), MapKind.SUM, ValueType.INT, Limits.DEFAULT_MAP_CAPACITY);
        return new Program(List.of(), List.of(), List.of(counts), List.of(ProbeDecl.begin(0)), List.of(c.build(4)), DebugInfo.NONE);
    }
}
