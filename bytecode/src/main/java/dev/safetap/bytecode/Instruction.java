package dev.safetap.bytecode;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;

/**
 * One decoded instruction. {@code operands[i]} holds operand i of the opcode's shape; for the
 * {@link OperandKind#REGS} operand it holds the count and {@link #regs()} the registers.
 */
public record Instruction(int pc, int length, Opcode opcode, long[] operands, int[] regs) {

    /** Builds an instruction (pc and length are computed when it is encoded). */
    public static Instruction of(Opcode opcode, long[] operands, int[] regs) {
        int[] r = regs == null ? new int[0] : regs;
        return new Instruction(-1, encodedLength(opcode, r.length), opcode, operands, r);
    }

    public long operand(int index) {
        return operands[index];
    }

    /** Operand {@code index} as an int (registers, ids, counts, offsets). */
    public int intOperand(int index) {
        return (int) operands[index];
    }

    public static int encodedLength(Opcode opcode, int regCount) {
        int n = 1;
        for (OperandKind k : opcode.operands()) {
            n += k == OperandKind.REGS ? 1 + regCount : k.size();
        }
        return n;
    }

    /**
     * Decodes the instruction at {@code pc}.
     *
     * @throws BytecodeFormatException on an unknown opcode or an instruction cut off by the end
     */
    public static Instruction decode(byte[] code, int pc) {
        if (pc < 0 || pc >= code.length) {
            throw new BytecodeFormatException(pc, "pc " + pc + " is outside the code (" + code.length + " bytes)");
        }
        Opcode op = Opcode.fromCode(code[pc] & 0xff);
        if (op == null) {
            throw new BytecodeFormatException(pc, String.format("unknown opcode 0x%02x", code[pc] & 0xff));
        }
        List<OperandKind> shape = op.operands();
        long[] operands = new long[shape.size()];
        int[] regs = new int[0];
        int p = pc + 1;
        for (int i = 0; i < shape.size(); i++) {
            OperandKind kind = shape.get(i);
            int size = kind == OperandKind.REGS ? 1 : kind.size();
            need(code, pc, p, size, op);
            switch (kind) {
                case REG, U8 -> operands[i] = code[p] & 0xff;
                case U16 -> operands[i] = ((code[p] & 0xff) << 8) | (code[p + 1] & 0xff);
                case U32 -> operands[i] = readInt(code, p) & 0xffffffffL;
                case OFF32 -> operands[i] = readInt(code, p);
                case IMM64 -> operands[i] = ((long) readInt(code, p) << 32) | (readInt(code, p + 4) & 0xffffffffL);
                case REGS -> {
                    int count = code[p] & 0xff;
                    need(code, pc, p + 1, count, op);
                    regs = new int[count];
                    for (int r = 0; r < count; r++) {
                        regs[r] = code[p + 1 + r] & 0xff;
                    }
                    operands[i] = count;
                    size = 1 + count;
                }
            }
            p += size;
        }
        return new Instruction(pc, p - pc, op, operands, regs);
    }

    private static void need(byte[] code, int pc, int p, int size, Opcode op) {
        if (p + size > code.length) {
            throw new BytecodeFormatException(pc, op + " at pc " + pc + " is cut off by the end of the code");
        }
    }

    private static int readInt(byte[] b, int p) {
        return ((b[p] & 0xff) << 24) | ((b[p + 1] & 0xff) << 16) | ((b[p + 2] & 0xff) << 8) | (b[p + 3] & 0xff);
    }

    /** Appends the encoding of this instruction. */
    public void encode(ByteArrayOutputStream out) {
        out.write(opcode.code());
        List<OperandKind> shape = opcode.operands();
        for (int i = 0; i < shape.size(); i++) {
            long v = operands[i];
            switch (shape.get(i)) {
                case REG, U8 -> out.write((int) v);
                case U16 -> {
                    out.write((int) (v >>> 8));
                    out.write((int) v);
                }
                case U32, OFF32 -> writeInt(out, (int) v);
                case IMM64 -> {
                    writeInt(out, (int) (v >>> 32));
                    writeInt(out, (int) v);
                }
                case REGS -> {
                    out.write(regs.length);
                    for (int r : regs) {
                        out.write(r);
                    }
                }
            }
        }
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    /** Assembly text, e.g. {@code MAP_AGG m0, (r1, r2), r3} or {@code JZ r1, +12}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(opcode.name());
        List<OperandKind> shape = opcode.operands();
        for (int i = 0; i < shape.size(); i++) {
            sb.append(i == 0 ? " " : ", ");
            long v = operands[i];
            switch (shape.get(i)) {
                case REG -> sb.append('r').append(v);
                case IMM64, U8, U32 -> sb.append(v);
                case U16 -> sb.append(u16Prefix(opcode)).append(v);
                case OFF32 -> sb.append(v >= 0 ? "+" : "").append(v);
                case REGS -> {
                    sb.append('(');
                    for (int r = 0; r < regs.length; r++) {
                        sb.append(r == 0 ? "" : ", ").append('r').append(regs[r]);
                    }
                    sb.append(')');
                }
            }
        }
        return sb.toString();
    }

    /** The letter that says which table a U16 operand indexes: s string, f field slot, m map. */
    static String u16Prefix(Opcode op) {
        return switch (op) {
            case CONST_STR, PRINTF, TIME -> "s";
            case FIELD, FIELD_STR -> "f";
            default -> "m";
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Instruction other && opcode == other.opcode
                && Arrays.equals(operands, other.operands) && Arrays.equals(regs, other.regs);
    }

    @Override
    public int hashCode() {
        return opcode.hashCode() * 31 + Arrays.hashCode(operands) * 17 + Arrays.hashCode(regs);
    }
}
