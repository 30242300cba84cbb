package dev.safetap.bytecode;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InstructionTest {

    /** An instance of op with distinct, in-range operand values and (for REGS) three registers. */
    private static Instruction sample(Opcode op) {
        long[] operands = new long[op.operands().size()];
        int[] regs = new int[0];
        for (int i = 0; i < operands.length; i++) {
            operands[i] = switch (op.operands().get(i)) {
                case REG -> 200 + i;
                case IMM64 -> Long.MIN_VALUE + 12345;
                case U8 -> 250;
                case U16 -> 0xfedc;
                case U32 -> 0xfffffff0L;
                case OFF32 -> -7 - i;
                case REGS -> {
                    regs = new int[] {1, 254, 3};
                    yield 3;
                }
            };
        }
        return Instruction.of(op, operands, regs);
    }

    @Test
    void everyOpcodeEncodesAndDecodesToItself() {
        for (Opcode op : Opcode.values()) {
            Instruction insn = sample(op);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            insn.encode(out);
            byte[] bytes = out.toByteArray();
            assertEquals(insn.length(), bytes.length, op.name());
            assertEquals(op.code(), bytes[0] & 0xff);
            Instruction back = Instruction.decode(bytes, 0);
            assertEquals(insn, back, op.name());
            assertEquals(0, back.pc());
            assertEquals(bytes.length, back.length());
            assertArrayEquals(insn.operands(), back.operands());
            assertArrayEquals(insn.regs(), back.regs());
        }
    }

    @Test
    void decodeAtAnOffsetReportsThatPc() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Instruction.of(Opcode.NOP, new long[0], null).encode(out);
        sample(Opcode.ADD).encode(out);
        Instruction add = Instruction.decode(out.toByteArray(), 1);
        assertEquals(1, add.pc());
        assertEquals(Opcode.ADD, add.opcode());
    }

    @Test
    void everyTruncationOfEveryOpcodeIsAFormatError() {
        for (Opcode op : Opcode.values()) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            sample(op).encode(out);
            byte[] bytes = out.toByteArray();
            for (int n = 1; n < bytes.length; n++) {
                byte[] cut = Arrays.copyOf(bytes, n);
                BytecodeFormatException e = assertThrows(BytecodeFormatException.class, () -> Instruction.decode(cut, 0), op + " cut at " + n);
                assertEquals(0, e.offset());
            }
        }
    }

    @Test
    void unknownOpcodesAndOutOfRangePcAreFormatErrors() {
        for (int b = 0; b < 256; b++) {
            if (Opcode.fromCode(b) == null) {
                byte[] code = {(byte) b, 0, 0, 0, 0, 0, 0, 0, 0, 0};
                BytecodeFormatException e = assertThrows(BytecodeFormatException.class, () -> Instruction.decode(code, 0));
                assertEquals(String.format("unknown opcode 0x%02x", b), e.getMessage());
            }
        }
        assertThrows(BytecodeFormatException.class, () -> Instruction.decode(new byte[0], 0));
        assertThrows(BytecodeFormatException.class, () -> Instruction.decode(new byte[] {0}, -1));
        assertThrows(BytecodeFormatException.class, () -> Instruction.decode(new byte[] {0}, 1));
    }

    @Test
    void randomBytesDecodeOrFailWithFormatErrorOnly() {
        Random random = new Random(11);
        for (int i = 0; i < 20000; i++) {
            byte[] code = new byte[1 + random.nextInt(24)];
            random.nextBytes(code);
            int pc = 0;
            try {
                while (pc < code.length) {
                    Instruction insn = Instruction.decode(code, pc);
                    assertEquals(pc, insn.pc());
                    pc += insn.length();
                }
                assertEquals(code.length, pc);
            } catch (BytecodeFormatException expected) {
                assertEquals(pc, expected.offset());
            }
        }
    }
}
