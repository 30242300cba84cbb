package dev.safetap.vm;

import dev.safetap.bytecode.Action;
import dev.safetap.bytecode.Instruction;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ValueType;
import dev.safetap.verifier.VerifiedProgram;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;

/**
 * One verified action decoded once into flat arrays indexed by instruction number, so that the
 * interpreter loop reads operands without decoding bytes. Jump and loop targets are instruction
 * numbers. Operand placement by opcode: {@code a} the destination or tested register (or the top-N
 * of MAP_PRINT and MAP_TRUNC), {@code b} the second register or the table id (string, slot, map,
 * builtin), {@code c} the third register (or the div of MAP_PRINT), {@code imm} the immediate or
 * loop trip count, {@code regs} the register list.
 *
 * <p>{@code stringTyped[i]} says whether the source register of MOV or PRINT_VAL holds a string, as
 * the verifier proved it does on every path ({@link VerifiedProgram#registerType}).
 */
final class DecodedAction {

    final int registers;
    final int length;
    final Opcode[] op;
    final int[] a;
    final int[] b;
    final int[] c;
    final long[] imm;
    final int[][] regs;
    final int[] target;
    final int[] pc;
    final boolean[] stringTyped;
    /** For PRINT_VAL: whether its register holds a stack. */
    final boolean[] stackTyped;
    /** For PRINTF: which of its arguments are stacks (null when none is). */
    final boolean[][] stackArgs;
    /** For DIV and MOD: the slot of its zero-divisor counter in the state; for LOOP and ENDLOOP: the loop's counter slot. */
    final int[] slot;
    final int loops;

    DecodedAction(VerifiedProgram verified, int actionIndex, ProgramState state) {
        Action action = verified.program().actions().get(actionIndex);
        byte[] code = action.code();
        List<Instruction> insns = new ArrayList<>();
        int[] indexOfPc = new int[code.length + 1];
        Arrays.fill(indexOfPc, -1);
        for (int p = 0; p < code.length; ) {
            Instruction insn = Instruction.decode(code, p);
            indexOfPc[p] = insns.size();
            insns.add(insn);
            p += insn.length();
        }
        registers = action.registers();
        length = insns.size();
        op = new Opcode[length];
        a = new int[length];
        b = new int[length];
        c = new int[length];
        imm = new long[length];
        regs = new int[length][];
        target = new int[length];
        pc = new int[length];
        stringTyped = new boolean[length];
        stackTyped = new boolean[length];
        stackArgs = new boolean[length][];
        slot = new int[length];
        int loopCount = 0;
        Deque<Integer> openLoops = new ArrayDeque<>();
        for (int i = 0; i < length; i++) {
            Instruction insn = insns.get(i);
            op[i] = insn.opcode();
            pc[i] = insn.pc();
            regs[i] = insn.regs();
            switch (insn.opcode()) {
                case CONST_INT -> {
                    a[i] = insn.intOperand(0);
                    imm[i] = insn.operand(1);
                }
                case JMP -> target[i] = indexOfPc[insn.pc() + insn.intOperand(0)];
                case JZ, JNZ -> {
                    a[i] = insn.intOperand(0);
                    target[i] = indexOfPc[insn.pc() + insn.intOperand(1)];
                }
                case LOOP -> {
                    imm[i] = insn.operand(0);
                    target[i] = indexOfPc[insn.pc() + insn.intOperand(1)];
                    slot[i] = loopCount++;
                    openLoops.push(i);
                }
                case ENDLOOP -> {
                    int loop = openLoops.pop();
                    target[i] = loop;
                    slot[i] = slot[loop];
                }
                case DIV, MOD -> {
                    a[i] = insn.intOperand(0);
                    b[i] = insn.intOperand(1);
                    c[i] = insn.intOperand(2);
                    slot[i] = state.divisionSlot(actionIndex, insn.pc());
                }
                case MOV -> {
                    a[i] = insn.intOperand(0);
                    b[i] = insn.intOperand(1);
                    stringTyped[i] = verified.registerType(actionIndex, insn.pc(), b[i]) == ValueType.STR;
                }
                case PRINT_VAL -> {
                    a[i] = insn.intOperand(0);
                    stringTyped[i] = verified.registerType(actionIndex, insn.pc(), a[i]) == ValueType.STR;
                    stackTyped[i] = verified.registerType(actionIndex, insn.pc(), a[i]) == ValueType.STACK;
                }
                case PRINTF -> {
                    b[i] = insn.intOperand(0);
                    stackArgs[i] = stackArguments(verified, actionIndex, insn);
                }
                case MAP_SET, MAP_AGG -> {
                    b[i] = insn.intOperand(0);
                    c[i] = insn.intOperand(2);
                }
                case MAP_DEL, MAP_CLEAR, MAP_ZERO, TIME -> b[i] = insn.intOperand(0);
                case MAP_PRINT -> {
                    b[i] = insn.intOperand(0);
                    a[i] = insn.intOperand(1);
                    c[i] = insn.intOperand(2);
                }
                case MAP_TRUNC -> {
                    b[i] = insn.intOperand(0);
                    a[i] = insn.intOperand(1);
                }
                default -> {
                    int n = insn.operands().length;
                    a[i] = n > 0 ? insn.intOperand(0) : 0;
                    b[i] = n > 1 ? insn.intOperand(1) : 0;
                    c[i] = n > 2 ? insn.intOperand(2) : 0;
                }
            }
        }
        loops = loopCount;
    }

    /** Which registers of a printf hold stacks, as the verifier proved; null when none does. */
    static boolean[] stackArguments(VerifiedProgram verified, int actionIndex, Instruction insn) {
        int[] args = insn.regs();
        boolean[] stacks = new boolean[args.length];
        boolean any = false;
        for (int k = 0; k < args.length; k++) {
            stacks[k] = verified.registerType(actionIndex, insn.pc(), args[k]) == ValueType.STACK;
            any |= stacks[k];
        }
        return any ? stacks : null;
    }
}
