package dev.safetap.verifier;

import dev.safetap.bytecode.ValueType;
import java.util.Arrays;

/**
 * What the verifier proved about the registers of one action: for every reachable instruction, the type
 * each register holds on every path that reaches it. Tiers use it instead of inferring types again.
 */
final class RegisterTypes {
    static final byte UNDEFINED = 0;
    static final byte INT = 1;
    static final byte STR = 2;
    static final byte STACK = 3;

    private final int registers;
    /** Row of each pc's state in {@code types}, or -1 for a pc that is unreachable or not an instruction start. */
    private final int[] rowOfPc;
    private final byte[] types;

    private RegisterTypes(int registers, int[] rowOfPc, byte[] types) {
        this.registers = registers;
        this.rowOfPc = rowOfPc;
        this.types = types;
    }

    boolean reachable(int pc) {
        return pc >= 0 && pc < rowOfPc.length && rowOfPc[pc] >= 0;
    }

    /** The type of {@code register} before the instruction at {@code pc} runs, or null when it has none there. */
    ValueType typeOf(int pc, int register) {
        if (!reachable(pc) || register < 0 || register >= registers) {
            return null;
        }
        return switch (types[rowOfPc[pc] * registers + register]) {
            case INT -> ValueType.INT;
            case STR -> ValueType.STR;
            case STACK -> ValueType.STACK;
            default -> null;
        };
    }

    /** Collects the state at each reachable instruction during the verifier's pass. */
    static final class Builder {
        private final int registers;
        private final int[] rowOfPc;
        private byte[] types;
        private int rows;

        Builder(int codeLength, int instructions, int registers) {
            this.registers = registers;
            this.rowOfPc = new int[codeLength];
            Arrays.fill(rowOfPc, -1);
            this.types = new byte[Math.min(instructions, 64) * registers];
        }

        void record(int pc, byte[] state) {
            if ((rows + 1) * registers > types.length) {
                types = Arrays.copyOf(types, Math.max(types.length * 2, (rows + 1) * registers));
            }
            System.arraycopy(state, 0, types, rows * registers, registers);
            rowOfPc[pc] = rows++;
        }

        RegisterTypes build() {
            return new RegisterTypes(registers, rowOfPc, Arrays.copyOf(types, rows * registers));
        }
    }
}
