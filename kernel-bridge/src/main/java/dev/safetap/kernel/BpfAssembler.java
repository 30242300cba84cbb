package dev.safetap.kernel;

import com.sun.jna.Memory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds eBPF instructions (the kernel's instruction set, {@code include/uapi/linux/bpf.h}) for the fixed
 * programs of {@link RecordCopy}: registers r0-r10, 64-bit operations, loads and stores at constant offsets,
 * forward jumps to named labels, helper calls. Nothing here comes from a script.
 */
final class BpfAssembler {
    static final int R0 = 0;
    static final int R1 = 1;
    static final int R2 = 2;
    static final int R3 = 3;
    static final int R4 = 4;
    static final int R5 = 5;
    static final int R6 = 6;
    static final int R7 = 7;
    static final int R8 = 8;
    static final int R9 = 9;
    /** The read-only frame pointer: the stack is the 512 bytes below it. */
    static final int R10 = 10;

    static final int SIZE_W = 0x00;
    static final int SIZE_DW = 0x18;

    private static final int MOV64_IMM = 0xb7;
    private static final int MOV32_IMM = 0xb4;
    private static final int MOV64_REG = 0xbf;
    private static final int ADD64_IMM = 0x07;
    private static final int ADD64_REG = 0x0f;
    private static final int AND64_IMM = 0x57;
    private static final int OR64_IMM = 0x47;
    private static final int LSH64_IMM = 0x67;
    private static final int RSH64_IMM = 0x77;
    private static final int LDX_MEM = 0x61;
    private static final int STX_MEM = 0x63;
    private static final int ST_MEM = 0x62;
    private static final int LD_IMM64 = 0x18;
    private static final int PSEUDO_MAP_FD = 1;
    private static final int JEQ_IMM = 0x15;
    private static final int JNE_IMM = 0x55;
    private static final int JLE_IMM = 0xb5;
    private static final int JGE_REG = 0x3d;
    private static final int CALL = 0x85;
    private static final int EXIT = 0x95;

    private final List<long[]> code = new ArrayList<>();
    private final Map<String, Integer> labels = new HashMap<>();
    private final Map<Integer, String> jumps = new HashMap<>();

    BpfAssembler movImm(int dst, int imm) {
        return emit(MOV64_IMM, dst, 0, 0, imm);
    }

    /** dst = imm as an unsigned 32-bit value (0xffffffff stays 0x00000000ffffffff). */
    BpfAssembler movImm32(int dst, int imm) {
        return emit(MOV32_IMM, dst, 0, 0, imm);
    }

    BpfAssembler mov(int dst, int src) {
        return emit(MOV64_REG, dst, src, 0, 0);
    }

    BpfAssembler addImm(int dst, int imm) {
        return emit(ADD64_IMM, dst, 0, 0, imm);
    }

    BpfAssembler add(int dst, int src) {
        return emit(ADD64_REG, dst, src, 0, 0);
    }

    BpfAssembler andImm(int dst, int imm) {
        return emit(AND64_IMM, dst, 0, 0, imm);
    }

    BpfAssembler orImm(int dst, int imm) {
        return emit(OR64_IMM, dst, 0, 0, imm);
    }

    BpfAssembler lshImm(int dst, int imm) {
        return emit(LSH64_IMM, dst, 0, 0, imm);
    }

    BpfAssembler rshImm(int dst, int imm) {
        return emit(RSH64_IMM, dst, 0, 0, imm);
    }

    /** dst = *(size *)(src + offset). */
    BpfAssembler load(int size, int dst, int src, int offset) {
        return emit(LDX_MEM | size, dst, src, offset, 0);
    }

    /** *(size *)(dst + offset) = src. */
    BpfAssembler store(int size, int dst, int offset, int src) {
        return emit(STX_MEM | size, dst, src, offset, 0);
    }

    /** *(size *)(dst + offset) = imm. */
    BpfAssembler storeImm(int size, int dst, int offset, int imm) {
        return emit(ST_MEM | size, dst, 0, offset, imm);
    }

    /** dst = the map whose fd is {@code mapFd} (the kernel replaces the fd with the map at load). */
    BpfAssembler loadMap(int dst, int mapFd) {
        emit(LD_IMM64, dst, PSEUDO_MAP_FD, 0, mapFd);
        return emit(0, 0, 0, 0, 0);
    }

    BpfAssembler jumpIfEqual(int dst, int imm, String label) {
        return jumpTo(JEQ_IMM, dst, 0, imm, label);
    }

    BpfAssembler jumpIfNotEqual(int dst, int imm, String label) {
        return jumpTo(JNE_IMM, dst, 0, imm, label);
    }

    /** Jumps if dst <= imm, unsigned. */
    BpfAssembler jumpIfAtMost(int dst, int imm, String label) {
        return jumpTo(JLE_IMM, dst, 0, imm, label);
    }

    /** Jumps if dst >= src, unsigned. */
    BpfAssembler jumpIfAtLeast(int dst, int src, String label) {
        return jumpTo(JGE_REG, dst, src, 0, label);
    }

    BpfAssembler call(int helper) {
        return emit(CALL, 0, 0, 0, helper);
    }

    BpfAssembler exit() {
        return emit(EXIT, 0, 0, 0, 0);
    }

    /** Places {@code label} at the next instruction; every jump to it must come before. */
    BpfAssembler label(String name) {
        if (labels.putIfAbsent(name, code.size()) != null) {
            throw new IllegalStateException("label " + name + " placed twice");
        }
        return this;
    }

    /** Instruction count (a 64-bit immediate load counts two). */
    int size() {
        return code.size();
    }

    /** The program as the kernel reads it: 8 bytes per instruction, jump offsets resolved. */
    Memory assemble() {
        Memory insns = new Memory(8L * code.size());
        for (int pc = 0; pc < code.size(); pc++) {
            long[] insn = code.get(pc);
            int offset = (int) insn[3];
            String target = jumps.get(pc);
            if (target != null) {
                Integer at = labels.get(target);
                if (at == null || at <= pc) {
                    throw new IllegalStateException("jump at " + pc + " to label " + target + " that is not placed after it");
                }
                offset = at - pc - 1;
            }
            insns.setByte(8L * pc, (byte) insn[0]);
            insns.setByte(8L * pc + 1, (byte) ((insn[2] << 4) | insn[1]));
            insns.setShort(8L * pc + 2, (short) offset);
            insns.setInt(8L * pc + 4, (int) insn[4]);
        }
        return insns;
    }

    private BpfAssembler jumpTo(int opcode, int dst, int src, int imm, String label) {
        jumps.put(code.size(), label);
        return emit(opcode, dst, src, 0, imm);
    }

    private BpfAssembler emit(int opcode, int dst, int src, int offset, int imm) {
        if (offset < Short.MIN_VALUE || offset > Short.MAX_VALUE) {
            throw new IllegalArgumentException("offset " + offset + " does not fit an instruction");
        }
        code.add(new long[] {opcode, dst, src, offset, imm});
        return this;
    }
}
