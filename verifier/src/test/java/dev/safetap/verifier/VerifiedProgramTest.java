package dev.safetap.verifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.Action;
import dev.safetap.bytecode.CodeBuilder;
import dev.safetap.bytecode.DebugInfo;
import dev.safetap.bytecode.Disassembler;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.ValueType;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A verified program is what was verified, whatever happens to its inputs, and exports the types it proved. */
class VerifiedProgramTest {

    /** r0 = 1; if (r0) r1 = "a" else r1 = 2; print(r0); r2 = "b" in a loop; RET. */
    private static byte[] code() {
        CodeBuilder b = new CodeBuilder();
        b.emit(Opcode.CONST_INT, 0, 1);
        int toElse = b.jumpForward(Opcode.JZ, 0);
        b.emit(Opcode.CONST_STR, 1, 0);
        int toEnd = b.jumpForward(Opcode.JMP, 0);
        b.land(toElse);
        b.emit(Opcode.CONST_INT, 1, 2);
        b.land(toEnd);
        b.emit(Opcode.PRINT_VAL, 0);
        b.emit(Opcode.RET);
        return b.build(3).code();
    }

    private static Program program(byte[] code) {
        return new Program(List.of("a"), List.of(), List.of(), List.of(ProbeDecl.begin(0)), List.of(new Action(3, code)),
                DebugInfo.NONE);
    }

    @Test
    void changingTheInputsAfterVerifyChangesNothing() {
        byte[] code = code();
        Program input = program(code);
        VerifiedProgram verified = Verifier.verify(input);
        String before = Disassembler.disassemble(verified.program());
        code[0] = (byte) 0xee;
        input.actions().get(0).code()[1] = 7;
        verified.program().actions().get(0).code()[0] = (byte) 0xff;
        assertEquals(before, Disassembler.disassemble(verified.program()));
        assertArrayEquals(code(), verified.program().actions().get(0).code());
    }

    @Test
    void registerTypesAreThoseProvedOnEveryPath() {
        VerifiedProgram v = Verifier.verify(program(code()));
        // pc 0 CONST_INT r0 (10 bytes), pc 10 JZ r0 (6), pc 16 CONST_STR r1 (4), pc 20 JMP (5), pc 25 CONST_INT r1 (10),
        // pc 35 PRINT_VAL r0 (2), pc 37 RET.
        assertNull(v.registerType(0, 0, 0), "nothing is assigned before the first instruction");
        assertEquals(ValueType.INT, v.registerType(0, 10, 0));
        assertEquals(ValueType.STR, v.registerType(0, 20, 1));
        assertEquals(ValueType.INT, v.registerType(0, 35, 0));
        assertNull(v.registerType(0, 35, 1), "r1 is a string on one path and an integer on the other");
        assertTrue(v.reachable(0, 37));
        assertFalse(v.reachable(0, 1), "pc 1 is inside an instruction");
        assertNull(v.registerType(0, 35, 9), "there is no r9");
    }
}
