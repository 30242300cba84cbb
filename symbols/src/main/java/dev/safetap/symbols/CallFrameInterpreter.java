package dev.safetap.symbols;

import dev.safetap.symbols.DwarfReader.MalformedFrames;
import dev.safetap.symbols.UnwindRow.Rule;

/**
 * Executes call frame instructions (DWARF 5 section 6.4.2) to build the row for one address: the CIE's initial
 * instructions once, then an FDE's from the start of its function until the location passes the address.
 *
 * <p>Each instruction either changes the current row or moves the location; the row in force when the location
 * would pass the address is the answer. DW_CFA_remember_state pushes the whole row, CFA rule included (as GCC
 * expects when it emits remember, def_cfa_offset, ret, restore around an early return), at most
 * {@link #MAX_REMEMBERED} deep. Rules for columns above 16 are read and dropped. Work is bounded:
 * at most {@link #MAX_INSTRUCTIONS} instructions per row; an opcode this interpreter does not know, an operand
 * running off the entry, a restore with nothing remembered or too deep a stack makes the row malformed.
 * Not thread-safe; one interpreter per reader.
 */
final class CallFrameInterpreter {
    /** The most instructions executed for one row. */
    static final int MAX_INSTRUCTIONS = 1 << 16;
    /** The most rows DW_CFA_remember_state keeps at once. */
    static final int MAX_REMEMBERED = 32;

    private static final int COLUMNS = X86Register.DWARF_COLUMNS;

    private final UnwindRow[] remembered = new UnwindRow[MAX_REMEMBERED];

    /** Runs a CIE's initial instructions, {@code in} up to its limit, into {@code row} (cleared first). */
    void initial(DwarfReader in, long codeAlignment, long dataAlignment, int fdeEncoding, UnwindRow row)
            throws MalformedFrames {
        row.clear();
        execute(in, codeAlignment, dataAlignment, fdeEncoding, null, 0, 0, row);
    }

    /**
     * Runs an FDE's instructions, {@code in} up to its limit, for the function {@code [begin, end)}, on
     * {@code row}, which holds the CIE's initial rules; stops at the row that holds at {@code address} and sets
     * its range.
     */
    void row(DwarfReader in, CommonInformationEntry cie, long begin, long end, long address, UnwindRow row)
            throws MalformedFrames {
        row.start = begin;
        row.end = end;
        execute(in, cie.codeAlignment, cie.dataAlignment, cie.fdeEncoding, cie.initial, begin, address, row);
    }

    /**
     * The interpreter loop. {@code initial} is null while the CIE's own instructions run (they may not move the
     * location); {@code location} starts at the function's first address and {@code address} is where to stop.
     */
    private void execute(DwarfReader in, long codeAlignment, long dataAlignment, int fdeEncoding,
            UnwindRow initial, long location, long address, UnwindRow row) throws MalformedFrames {
        int depth = 0;
        int executed = 0;
        while (in.hasMore()) {
            if (++executed > MAX_INSTRUCTIONS) {
                throw MalformedFrames.INSTANCE;
            }
            int op = in.u8();
            long next = -1;
            boolean moves = false;
            switch (op >>> 6) {
                case 1 -> {
                    next = location + (op & 0x3f) * codeAlignment;
                    moves = true;
                }
                case 2 -> setRule(row, op & 0x3f, Rule.OFFSET, in.uleb() * dataAlignment);
                case 3 -> restore(row, initial, op & 0x3f);
                default -> {
                    switch (op) {
                        case 0x00 -> {
                            // DW_CFA_nop
                        }
                        case 0x01 -> {
                            next = in.pointer(fdeEncoding, 0);
                            moves = true;
                        }
                        case 0x02 -> {
                            next = location + in.u8() * codeAlignment;
                            moves = true;
                        }
                        case 0x03 -> {
                            next = location + in.u16() * codeAlignment;
                            moves = true;
                        }
                        case 0x04 -> {
                            next = location + in.u32() * codeAlignment;
                            moves = true;
                        }
                        case 0x05 -> setRule(row, in.ulebInt(), Rule.OFFSET, in.uleb() * dataAlignment);
                        case 0x06 -> restore(row, initial, in.ulebInt());
                        case 0x07 -> setRule(row, in.ulebInt(), Rule.UNDEFINED, 0);
                        case 0x08 -> setRule(row, in.ulebInt(), Rule.SAME_VALUE, 0);
                        case 0x09 -> setRule(row, in.ulebInt(), Rule.REGISTER, in.ulebInt());
                        case 0x0a -> {
                            if (depth == MAX_REMEMBERED) {
                                throw MalformedFrames.INSTANCE;
                            }
                            if (remembered[depth] == null) {
                                remembered[depth] = new UnwindRow();
                            }
                            remembered[depth++].copyRules(row);
                        }
                        case 0x0b -> {
                            if (depth == 0) {
                                throw MalformedFrames.INSTANCE;
                            }
                            row.copyRules(remembered[--depth]);
                        }
                        case 0x0c -> cfa(row, in.ulebInt(), in.uleb());
                        case 0x0d -> {
                            requireRegisterCfa(row);
                            row.cfaRegister = in.ulebInt();
                        }
                        case 0x0e -> {
                            requireRegisterCfa(row);
                            row.cfaOffset = in.uleb();
                        }
                        case 0x0f -> {
                            int length = in.ulebInt();
                            row.cfaExpression = in.position;
                            row.cfaExpressionLength = length;
                            row.code = in.bytes();
                            in.skip(length);
                        }
                        case 0x10 -> expression(in, row, Rule.EXPRESSION);
                        case 0x11 -> setRule(row, in.ulebInt(), Rule.OFFSET, in.sleb() * dataAlignment);
                        case 0x12 -> cfa(row, in.ulebInt(), in.sleb() * dataAlignment);
                        case 0x13 -> {
                            requireRegisterCfa(row);
                            row.cfaOffset = in.sleb() * dataAlignment;
                        }
                        case 0x14 -> setRule(row, in.ulebInt(), Rule.VAL_OFFSET, in.uleb() * dataAlignment);
                        case 0x15 -> setRule(row, in.ulebInt(), Rule.VAL_OFFSET, in.sleb() * dataAlignment);
                        case 0x16 -> expression(in, row, Rule.VAL_EXPRESSION);
                        case 0x2e -> in.uleb();
                        case 0x2f -> setRule(row, in.ulebInt(), Rule.OFFSET, -(in.uleb() * dataAlignment));
                        default -> throw MalformedFrames.INSTANCE;
                    }
                }
            }
            if (moves) {
                if (initial == null) {
                    throw MalformedFrames.INSTANCE;
                }
                if (Long.compareUnsigned(next, address) > 0) {
                    row.end = next;
                    return;
                }
                location = next;
                row.start = location;
            }
        }
    }

    /** DW_CFA_def_cfa and def_cfa_sf: the CFA is {@code register + offset}. */
    private static void cfa(UnwindRow row, int register, long offset) {
        row.cfaRegister = register;
        row.cfaOffset = offset;
        row.cfaExpression = -1;
        row.cfaExpressionLength = 0;
    }

    /** DW_CFA_def_cfa_register and def_cfa_offset change a register + offset rule; after an expression they are invalid. */
    private static void requireRegisterCfa(UnwindRow row) throws MalformedFrames {
        if (row.cfaExpression >= 0) {
            throw MalformedFrames.INSTANCE;
        }
    }

    /** Sets the rule of {@code column} if it is one of those kept. */
    private static void setRule(UnwindRow row, int column, Rule rule, long operand) {
        if (column < COLUMNS) {
            row.set(column, rule, operand);
        }
    }

    /** DW_CFA_restore: back to the CIE's rule; within the CIE itself, to no rule. */
    private static void restore(UnwindRow row, UnwindRow initial, int column) {
        if (column >= COLUMNS) {
            return;
        }
        if (initial == null) {
            row.set(column, Rule.UNSPECIFIED, 0);
        } else {
            row.copyRule(initial, column);
        }
    }

    /** DW_CFA_expression and val_expression: a register and a block, the block kept where it lies. */
    private static void expression(DwarfReader in, UnwindRow row, Rule rule) throws MalformedFrames {
        int column = in.ulebInt();
        int length = in.ulebInt();
        int at = in.position;
        in.skip(length);
        if (column < COLUMNS) {
            row.set(column, rule, at);
            row.expressionLengths[column] = length;
            row.code = in.bytes();
        }
    }
}
