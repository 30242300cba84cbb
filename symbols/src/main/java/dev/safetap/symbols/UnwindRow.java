package dev.safetap.symbols;

import java.util.Arrays;

/**
 * One row of the table that call frame information describes (DWARF 5 section 6.4.1): for the instructions
 * {@code [start, end)} of one function, how to compute the CFA (the value of the stack pointer in the caller, just
 * before the call) and where the caller's value of each register is. Only the x86-64 columns an unwinder uses are
 * kept, rax (0) to r15 (15) and the return address (16); rules for other columns are read and dropped.
 *
 * <p>The CFA is {@code register + offset}, or the value of a DWARF expression (the PLT's CFA depends on the
 * instruction pointer; a signal frame's is read from the saved context). A register's rule is one of
 * {@link Rule}. A row is filled in place by {@link CallFrameInfo#find} and reused from frame to frame, so that
 * unwinding allocates nothing per frame ({@link CallFrameInfo#row} gives a row of its own).
 */
public final class UnwindRow {
    /** How the caller's value of a register is found. */
    public enum Rule {
        /** No instruction gave a rule: on x86-64 the register keeps its value across the call (as SAME_VALUE). */
        UNSPECIFIED,
        /** DW_CFA_undefined: the value cannot be recovered; for the return address, this is the outermost frame. */
        UNDEFINED,
        /** DW_CFA_same_value: the caller's value is this frame's. */
        SAME_VALUE,
        /** DW_CFA_offset: saved in the 8 bytes at CFA + {@link #offset}. */
        OFFSET,
        /** DW_CFA_val_offset: the value is CFA + {@link #offset}. */
        VAL_OFFSET,
        /** DW_CFA_register: the value is in register {@link #register} of this frame. */
        REGISTER,
        /** DW_CFA_expression: saved at the address a DWARF expression computes, the CFA pushed first. */
        EXPRESSION,
        /** DW_CFA_val_expression: the value a DWARF expression computes, the CFA pushed first. */
        VAL_EXPRESSION
    }

    private static final int COLUMNS = X86Register.DWARF_COLUMNS;

    long start;
    long end;
    boolean signalFrame;
    int cfaRegister;
    long cfaOffset;
    /** Where the CFA expression starts in {@link #code}, or -1 when the CFA is register + offset. */
    int cfaExpression;
    int cfaExpressionLength;
    final Rule[] rules = new Rule[COLUMNS];
    /** The offset of OFFSET and VAL_OFFSET, the register of REGISTER, the expression's position for the others. */
    final long[] operands = new long[COLUMNS];
    final int[] expressionLengths = new int[COLUMNS];
    /** The section the expressions lie in. */
    byte[] code;

    /** An empty row: CFA unknown, every register unspecified. */
    public UnwindRow() {
        clear();
    }

    void clear() {
        start = 0;
        end = 0;
        signalFrame = false;
        cfaRegister = -1;
        cfaOffset = 0;
        cfaExpression = -1;
        cfaExpressionLength = 0;
        Arrays.fill(rules, Rule.UNSPECIFIED);
        Arrays.fill(operands, 0);
        Arrays.fill(expressionLengths, 0);
        code = null;
    }

    /** Sets the CFA rule and every register rule to {@code other}'s; the range and the signal flag are kept. */
    void copyRules(UnwindRow other) {
        cfaRegister = other.cfaRegister;
        cfaOffset = other.cfaOffset;
        cfaExpression = other.cfaExpression;
        cfaExpressionLength = other.cfaExpressionLength;
        System.arraycopy(other.rules, 0, rules, 0, COLUMNS);
        System.arraycopy(other.operands, 0, operands, 0, COLUMNS);
        System.arraycopy(other.expressionLengths, 0, expressionLengths, 0, COLUMNS);
        code = other.code;
    }

    /** Makes this row {@code other}'s equal: rules, range and signal flag. */
    void copyFrom(UnwindRow other) {
        copyRules(other);
        start = other.start;
        end = other.end;
        signalFrame = other.signalFrame;
    }

    /** Sets column {@code column}'s rule from {@code other}'s. */
    void copyRule(UnwindRow other, int column) {
        rules[column] = other.rules[column];
        operands[column] = other.operands[column];
        expressionLengths[column] = other.expressionLengths[column];
    }

    void set(int column, Rule rule, long operand) {
        rules[column] = rule;
        operands[column] = operand;
        expressionLengths[column] = 0;
    }

    /** The ELF virtual address of the first instruction this row describes. */
    public long start() {
        return start;
    }

    /** The address after the last instruction this row describes. */
    public long end() {
        return end;
    }

    /**
     * Whether the function is a signal trampoline (augmentation {@code S}): its caller's instruction pointer is
     * where the signal interrupted it, not a return address, so the caller's row is looked up at that address
     * itself rather than the byte before.
     */
    public boolean signalFrame() {
        return signalFrame;
    }

    /** Whether the CFA is computed by a DWARF expression rather than as register + offset. */
    public boolean cfaByExpression() {
        return cfaExpression >= 0;
    }

    /** The DWARF register the CFA is an offset from (not meaningful when {@link #cfaByExpression}). */
    public int cfaRegister() {
        return cfaRegister;
    }

    /** The offset added to {@link #cfaRegister}. */
    public long cfaOffset() {
        return cfaOffset;
    }

    /** The rule of DWARF column {@code column} (0 to 16); UNSPECIFIED for any other column. */
    public Rule rule(int column) {
        return column >= 0 && column < COLUMNS ? rules[column] : Rule.UNSPECIFIED;
    }

    /** The offset from the CFA of an OFFSET or VAL_OFFSET rule of {@code column}; 0 for other rules. */
    public long offset(int column) {
        Rule rule = rule(column);
        return rule == Rule.OFFSET || rule == Rule.VAL_OFFSET ? operands[column] : 0;
    }

    /** The register holding the value under a REGISTER rule of {@code column}; -1 for other rules. */
    public int register(int column) {
        return rule(column) == Rule.REGISTER ? (int) operands[column] : -1;
    }
}
