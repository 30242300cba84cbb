package dev.safetap.bytecode;

import java.util.Arrays;

/**
 * The code a probe runs: {@code registers} registers r0..r(registers-1) and the encoded instructions.
 * Immutable: the code is copied in and every read of it is a copy, so no holder of an action can change
 * what another holder runs (a {@code VerifiedProgram} stays what was verified).
 */
public final class Action {
    private final int registers;
    private final byte[] code;

    public Action(int registers, byte[] code) {
        this.registers = registers;
        this.code = code.clone();
    }

    public int registers() {
        return registers;
    }

    /** A copy of the encoded instructions. */
    public byte[] code() {
        return code.clone();
    }

    public int codeLength() {
        return code.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Action a && registers == a.registers && Arrays.equals(code, a.code);
    }

    @Override
    public int hashCode() {
        return registers * 31 + Arrays.hashCode(code);
    }

    @Override
    public String toString() {
        return "Action[registers=" + registers + ", " + code.length + " bytes]";
    }
}
