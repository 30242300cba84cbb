package dev.safetap.bytecode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class AssemblerTest {

    @Test
    void disassembleThenAssembleGivesTheSameProgram() {
        Program p = SamplePrograms.everyTable();
        String text = Disassembler.disassemble(p);
        assertTrue(text.contains("; line 3:1"), text);
        Program back = Assembler.assemble(text);
        SamplePrograms.assertSameProgram(p, back, false);
        assertEquals(text.replaceAll("    ; line \\d+:\\d+", ""), Disassembler.disassemble(back));
    }

    @Test
    void undecodableBytesRoundTripAsByteLines() {
        Program p = new Program(List.of(), List.of(), List.of(), List.of(),
                List.of(new Action(2, new byte[] {0x01, 0x00, 0x00, (byte) 0xff, 0x35})), DebugInfo.NONE);
        String text = Disassembler.disassemble(p);
        assertTrue(text.contains(".byte 0xff"), text);
        assertArrayEquals(p.actions().get(0).code(), Assembler.assemble(text).actions().get(0).code());
    }

    @Test
    void handWrittenAssemblyWithoutPcsAndWithComments() {
        Program p = Assembler.assemble("""
                ; a hand-written program
                .string 0 "n=%d; done\\n"   ; the ; inside the string is text
                .map 0 @n COUNT keys() value INT capacity 1
                .probe 0 BEGIN BEGIN layout -1 period 0 action 0
                .action 0 registers 2
                    CONST_INT r0, 5
                    LOOP 3, +10
                    NOP
                    ENDLOOP
                    MAP_AGG m0, (), r0
                    MAP_GET r1, m0, ()
                    PRINTF s0, (r1)
                    .byte 0x35
                """);
        assertEquals(List.of("n=%d; done\n"), p.strings());
        CodeBuilder b = new CodeBuilder();
        b.emit(Opcode.CONST_INT, 0, 5);
        int loop = b.beginLoop(3);
        b.emit(Opcode.NOP);
        b.endLoop(loop);
        b.emitRegs(Opcode.MAP_AGG, new int[0], 0, 0, 0);
        b.emitRegs(Opcode.MAP_GET, new int[0], 1, 0, 0);
        b.emitRegs(Opcode.PRINTF, new int[] {1}, 0, 0);
        b.emit(Opcode.RET);
        assertArrayEquals(b.code(), p.actions().get(0).code());
        assertEquals(2, p.actions().get(0).registers());
    }

    @Test
    void malformedLinesNameTheirLine() {
        String header = ".action 0 registers 1\n";
        String[][] cases = {
                {"FROB r0", "unknown Opcode 'FROB'"},
                {"CONST_INT r0", "expected ','"},
                {"CONST_INT x0, 1", "expected a register"},
                {"CONST_INT r0, 1, 2", "unexpected ', 2'"},
                {"CONST_STR r0, m1", "expects sN"},
                {"CTX r0, 300", "outside 0..255"},
                {".byte 0x100", "outside 0..255"},
                {".byte zz", "expected a number"},
                {"MAP_GET r0, m0, (r1", "expected ')'"},
                {"LOOP 3, +99999999999", "outside"},
                {".string 1 \"x\"", "out of order"},
                {".string 0 \"open", "unterminated string"},
                {".map 0 @m COUNT keys(INT value INT capacity 1", "expected keys("},
                {".map 0 @m COUNT keys(INT) value INT lhist(1,2) capacity 1", "expected lhist("},
                {".probe 0 KPROBE_X x layout -1 period 0 action 0", "unknown ProbeKind"},
                {".slot 0 x offset 0 size 1 SIGNED", ".slot outside"},
        };
        for (String[] c : cases) {
            BytecodeFormatException e = assertThrows(BytecodeFormatException.class, () -> Assembler.assemble(header + c[0]), c[0]);
            assertTrue(e.getMessage().startsWith("line 2: "), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
            assertEquals(2, e.offset());
        }
        BytecodeFormatException e = assertThrows(BytecodeFormatException.class, () -> Assembler.assemble("\n\nRET"));
        assertEquals("line 3: code before the first .action", e.getMessage());
    }
}
