package dev.safetap.bytecode;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Emits the code of one action: instructions in order, forward jumps and loops patched once their
 * target is known, and the line table. Used by the compiler and by tests that hand-make bytecode.
 */
public final class CodeBuilder {
    private final List<Instruction> code = new ArrayList<>();
    private final List<Integer> pcs = new ArrayList<>();
    private final List<int[]> marks = new ArrayList<>();
    private int pc;
    private int line;
    private int column;

    /** Current pc: where the next instruction goes. */
    public int pc() {
        return pc;
    }

    /** Source position of the instructions emitted from now on. */
    public void mark(int line, int column) {
        this.line = line;
        this.column = column;
    }

    /** Emits an instruction whose shape has no register list; returns its index (a handle for patching). */
    public int emit(Opcode op, long... operands) {
        return emitRegs(op, new int[0], operands);
    }

    /**
     * Emits an instruction; {@code operands} lists every operand of the shape in order, with any
     * value in the REGS position (it becomes the count of {@code regs}).
     */
    public int emitRegs(Opcode op, int[] regs, long... operands) {
        if (operands.length != op.operands().size()) {
            throw new IllegalArgumentException(op + " takes " + op.operands().size() + " operands, got " + operands.length);
        }
        long[] ops = operands.clone();
        int regsAt = op.operands().indexOf(OperandKind.REGS);
        if (regsAt >= 0) {
            ops[regsAt] = regs.length;
        }
        Instruction insn = Instruction.of(op, ops, regs);
        if (line > 0 && (marks.isEmpty() || marks.get(marks.size() - 1)[1] != line || marks.get(marks.size() - 1)[2] != column)) {
            marks.add(new int[] {pc, line, column});
        }
        code.add(insn);
        pcs.add(pc);
        pc += insn.length();
        return code.size() - 1;
    }

    /** Emits JMP (no register) or JZ/JNZ on {@code reg} with a target to be set by {@link #land}. */
    public int jumpForward(Opcode op, int reg) {
        return op == Opcode.JMP ? emit(op, 0) : emit(op, reg, 0);
    }

    /** Points the jump with this handle at the current pc. */
    public void land(int handle) {
        Instruction j = code.get(handle);
        j.operands()[j.operands().length - 1] = pc - pcs.get(handle);
    }

    /** Emits LOOP with this trip count; close it with {@link #endLoop}. */
    public int beginLoop(long count) {
        return emit(Opcode.LOOP, count, 0);
    }

    public void endLoop(int loopHandle) {
        int endPc = pc;
        emit(Opcode.ENDLOOP);
        code.get(loopHandle).operands()[1] = endPc - pcs.get(loopHandle);
    }

    public byte[] code() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(pc);
        for (Instruction insn : code) {
            insn.encode(out);
        }
        return out.toByteArray();
    }

    public Action build(int registers) {
        return new Action(registers, code());
    }

    /** The line table of this action, to be stored under action index {@code action}. */
    public List<LineEntry> lines(int action) {
        List<LineEntry> out = new ArrayList<>();
        for (int[] m : marks) {
            out.add(new LineEntry(action, m[0], m[1], m[2]));
        }
        return out;
    }
}
