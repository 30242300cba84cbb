package dev.safetap.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.CodeBuilder;
import dev.safetap.bytecode.DebugInfo;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.Program;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Valid programs are accepted and their bounds are exactly the hand-computed longest paths. */
class WorstCaseTest {

    private static long bound(CodeBuilder b, int registers) {
        Program p = new Program(List.of(), List.of(), List.of(), List.of(ProbeDecl.begin(0)), List.of(b.build(registers)), DebugInfo.NONE);
        VerifiedProgram v = Verifier.verify(p);
        assertEquals(v.worstCaseInstructions(0), v.report().probes().get(0).worstCaseInstructions());
        return v.worstCaseInstructions(0);
    }

    @Test
    void straightLineOfFive() {
        CodeBuilder b = new CodeBuilder();
        b.emit(Opcode.CONST_INT, 0, 2);
        b.emit(Opcode.CONST_INT, 1, 3);
        b.emit(Opcode.ADD, 2, 0, 1);
        b.emit(Opcode.PRINT_VAL, 2);
        b.emit(Opcode.RET);
        assertEquals(5, bound(b, 3));
    }

    @Test
    void ifElseTakesTheLongerBranch() {
        CodeBuilder b = new CodeBuilder();
        b.emit(Opcode.CONST_INT, 0, 1);
        int toElse = b.jumpForward(Opcode.JZ, 0);
        b.emit(Opcode.NOP);
        b.emit(Opcode.NOP);
        b.emit(Opcode.NOP);
        int toEnd = b.jumpForward(Opcode.JMP, 0);
        b.land(toElse);
        b.emit(Opcode.NOP);
        b.land(toEnd);
        b.emit(Opcode.RET);
        // CONST_INT, JZ, 3 x NOP, JMP, RET
        assertEquals(7, bound(b, 1));
    }

    @Test
    void loopOfTenWithThreeInstructionBody() {
        CodeBuilder b = new CodeBuilder();
        int loop = b.beginLoop(10);
        b.emit(Opcode.NOP);
        b.emit(Opcode.NOP);
        b.emit(Opcode.NOP);
        b.endLoop(loop);
        b.emit(Opcode.RET);
        // LOOP once, 10 x (3 + ENDLOOP), RET
        assertEquals(1 + 10 * 4 + 1, bound(b, 0));
    }

    @Test
    void nestedLoops() {
        CodeBuilder b = new CodeBuilder();
        int outer = b.beginLoop(4);
        b.emit(Opcode.NOP);
        int inner = b.beginLoop(5);
        b.emit(Opcode.NOP);
        b.emit(Opcode.NOP);
        b.endLoop(inner);
        b.endLoop(outer);
        b.emit(Opcode.RET);
        long innerLoop = 1 + 5 * 3;
        long outerIteration = 1 + innerLoop + 1;
        assertEquals(1 + 4 * outerIteration + 1, bound(b, 0));
    }

    @Test
    void loopWithCountZeroCostsOnlyItsLoopInstruction() {
        CodeBuilder b = new CodeBuilder();
        b.emit(Opcode.CONST_INT, 0, 1);
        int loop = b.beginLoop(0);
        b.emit(Opcode.CONST_INT, 1, 1);
        b.endLoop(loop);
        b.emit(Opcode.PRINT_VAL, 0);
        b.emit(Opcode.RET);
        assertEquals(4, bound(b, 2));
    }

    @Test
    void assignmentInsideAZeroTripLoopDoesNotCount() {
        CodeBuilder b = new CodeBuilder();
        int loop = b.beginLoop(0);
        b.emit(Opcode.CONST_INT, 1, 1);
        b.endLoop(loop);
        b.emit(Opcode.PRINT_VAL, 1);
        b.emit(Opcode.RET);
        VerifyException e = assertThrows(VerifyException.class, () -> bound(b, 2));
        assertTrue(e.getMessage().contains("reads r1, which is not assigned"), e.getMessage());
    }

    @Test
    void assignmentInsideALoopIsVisibleAfterIt() {
        CodeBuilder b = new CodeBuilder();
        int loop = b.beginLoop(2);
        b.emit(Opcode.CONST_INT, 1, 1);
        b.endLoop(loop);
        b.emit(Opcode.PRINT_VAL, 1);
        b.emit(Opcode.RET);
        assertEquals(1 + 2 * 2 + 2, bound(b, 2));
    }

    @Test
    void jumpToEndloopIsAContinue() {
        CodeBuilder b = new CodeBuilder();
        b.emit(Opcode.CONST_INT, 0, 1);
        int loop = b.beginLoop(3);
        int cont = b.jumpForward(Opcode.JNZ, 0);
        b.emit(Opcode.NOP);
        b.emit(Opcode.NOP);
        b.land(cont);
        b.endLoop(loop);
        b.emit(Opcode.RET);
        // CONST_INT, LOOP, 3 x (JNZ, NOP, NOP, ENDLOOP), RET
        assertEquals(1 + 1 + 3 * 4 + 1, bound(b, 1));
    }

    @Test
    void returnInsideALoopIsChargedAsAFullIteration() {
        CodeBuilder b = new CodeBuilder();
        int loop = b.beginLoop(10);
        b.emit(Opcode.CONST_INT, 0, 0);
        int skip = b.jumpForward(Opcode.JZ, 0);
        for (int i = 0; i < 5; i++) {
            b.emit(Opcode.NOP);
        }
        b.emit(Opcode.RET);
        b.land(skip);
        b.endLoop(loop);
        b.emit(Opcode.RET);
        // an iteration that returns: CONST_INT, JZ, 5 x NOP, RET = 8, longer than one that loops (3)
        assertEquals(1 + 10 * 8, bound(b, 1));
    }

    @Test
    void unreachableCodeIsNotTypedNorCounted() {
        CodeBuilder b = new CodeBuilder();
        int end = b.jumpForward(Opcode.JMP, 0);
        b.emit(Opcode.PRINT_VAL, 0);
        b.emit(Opcode.RET);
        b.land(end);
        b.emit(Opcode.RET);
        assertEquals(2, bound(b, 1));
    }

    @Test
    void budgetIsInclusive() {
        long count = (Limits.INSTRUCTION_BUDGET - 2) / 2;
        CodeBuilder ok = new CodeBuilder();
        int loop = ok.beginLoop(count);
        ok.emit(Opcode.NOP);
        ok.endLoop(loop);
        ok.emit(Opcode.RET);
        assertEquals(Limits.INSTRUCTION_BUDGET, bound(ok, 0));

        CodeBuilder over = new CodeBuilder();
        int loop2 = over.beginLoop(count + 1);
        over.emit(Opcode.NOP);
        over.endLoop(loop2);
        over.emit(Opcode.RET);
        VerifyException e = assertThrows(VerifyException.class, () -> bound(over, 0));
        assertTrue(e.getMessage().contains("up to 1000001 instructions") && e.getMessage().contains("budget of 1000000"), e.getMessage());
    }

    @Test
    void eightNestedLoopsAreAllowed() {
        CodeBuilder b = new CodeBuilder();
        int[] loops = new int[Limits.MAX_LOOP_NESTING];
        for (int i = 0; i < loops.length; i++) {
            loops[i] = b.beginLoop(2);
        }
        for (int i = loops.length - 1; i >= 0; i--) {
            b.endLoop(loops[i]);
        }
        b.emit(Opcode.RET);
        long cost = 0;
        for (int i = 0; i < loops.length; i++) {
            cost = 1 + 2 * (cost + 1);
        }
        assertEquals(cost + 1, bound(b, 0));
    }
}
