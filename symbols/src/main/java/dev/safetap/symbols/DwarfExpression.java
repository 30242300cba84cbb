package dev.safetap.symbols;

import dev.safetap.symbols.DwarfReader.MalformedFrames;

/**
 * Evaluates the DWARF expressions of call frame information (DWARF 5 section 2.5) on a stack of 64-bit values,
 * as far as unwinding needs them: the PLT's CFA ({@code DW_OP_breg7 8; DW_OP_breg16 0; DW_OP_lit15; DW_OP_and;
 * DW_OP_lit11; DW_OP_ge; DW_OP_lit3; DW_OP_shl; DW_OP_plus}), a signal frame's CFA and registers read from the
 * saved context ({@code DW_OP_breg7 160; DW_OP_deref}), a realigned frame's CFA ({@code DW_OP_breg6 -8;
 * DW_OP_deref}).
 *
 * <p>Literals, constants, register-relative values ({@code DW_OP_breg*}, {@code bregx}), stack operations,
 * arithmetic, logic, shifts, comparisons (signed, as DWARF's generic type), {@code skip} and {@code bra}, and
 * {@code deref}/{@code deref_size} of the copied user stack only. A register whose value is unknown, a read
 * outside the copied stack, a division by zero, a stack of more than {@link #MAX_STACK} values or an empty one,
 * more than {@link #MAX_OPERATIONS} operations, or any other operation (location descriptions such as
 * {@code DW_OP_reg*} and {@code DW_OP_piece}, TLS, calls) fails the evaluation. Not thread-safe.
 */
final class DwarfExpression {
    static final int MAX_STACK = 64;
    static final int MAX_OPERATIONS = 1024;

    private final long[] stack = new long[MAX_STACK];
    private final DwarfReader in = new DwarfReader(new byte[0], 0);
    private int depth;
    private long value;

    /**
     * Evaluates the {@code length} bytes at {@code at} of {@code code}; {@code registers[c]} is the value of
     * DWARF column {@code c} when bit {@code c} of {@code known} is set; {@code cfa} is pushed first when
     * {@code pushCfa} (register rules). Whether it succeeded; the result is then {@link #value}.
     */
    boolean evaluate(byte[] code, int at, int length, long[] registers, long known, UserStack memory,
            boolean pushCfa, long cfa) {
        in.reset(code, 0);
        in.seek(at, (int) Math.min((long) at + length, Integer.MAX_VALUE));
        if (in.position != at || in.limit - at != length) {
            return false;
        }
        depth = 0;
        try {
            if (pushCfa) {
                push(cfa);
            }
            int operations = 0;
            while (in.hasMore()) {
                if (++operations > MAX_OPERATIONS) {
                    return false;
                }
                int op = in.u8();
                if (op >= 0x30 && op <= 0x4f) {
                    push(op - 0x30);
                } else if (op >= 0x70 && op <= 0x8f) {
                    push(register(registers, known, op - 0x70) + in.sleb());
                } else {
                    operation(op, registers, known, memory, at);
                }
            }
            value = pop();
            return true;
        } catch (MalformedFrames e) {
            return false;
        }
    }

    /** The value the last successful {@link #evaluate} computed. */
    long value() {
        return value;
    }

    private void operation(int op, long[] registers, long known, UserStack memory, int start) throws MalformedFrames {
        switch (op) {
            case 0x03, 0x0e, 0x0f -> push(in.u64());
            case 0x06 -> push(deref(memory, pop(), 8));
            case 0x08 -> push(in.u8());
            case 0x09 -> push((byte) in.u8());
            case 0x0a -> push(in.u16());
            case 0x0b -> push((short) in.u16());
            case 0x0c -> push(in.u32());
            case 0x0d -> push(in.s32());
            case 0x10 -> push(in.uleb());
            case 0x11 -> push(in.sleb());
            case 0x12 -> push(peek(0));
            case 0x13 -> pop();
            case 0x14 -> push(peek(1));
            case 0x15 -> push(peek(in.u8()));
            case 0x16 -> {
                long top = pop();
                long below = pop();
                push(top);
                push(below);
            }
            case 0x17 -> {
                long first = pop();
                long second = pop();
                long third = pop();
                push(first);
                push(third);
                push(second);
            }
            case 0x19 -> push(Math.abs(pop()));
            case 0x1a -> push(pop() & pop());
            case 0x1b, 0x1d -> {
                long divisor = pop();
                long dividend = pop();
                if (divisor == 0) {
                    throw MalformedFrames.INSTANCE;
                }
                push(op == 0x1b ? dividend / divisor : Long.remainderUnsigned(dividend, divisor));
            }
            case 0x1c -> {
                long subtrahend = pop();
                push(pop() - subtrahend);
            }
            case 0x1e -> push(pop() * pop());
            case 0x1f -> push(-pop());
            case 0x20 -> push(~pop());
            case 0x21 -> push(pop() | pop());
            case 0x22 -> push(pop() + pop());
            case 0x23 -> push(pop() + in.uleb());
            case 0x24, 0x25, 0x26 -> {
                long shift = pop();
                long operand = pop();
                boolean wide = Long.compareUnsigned(shift, 64) >= 0;
                if (op == 0x24) {
                    push(wide ? 0 : operand << shift);
                } else if (op == 0x25) {
                    push(wide ? 0 : operand >>> shift);
                } else {
                    push(operand >> (wide ? 63 : shift));
                }
            }
            case 0x27 -> push(pop() ^ pop());
            case 0x29, 0x2a, 0x2b, 0x2c, 0x2d, 0x2e -> {
                long right = pop();
                long left = pop();
                int order = Long.compare(left, right);
                boolean holds = switch (op) {
                    case 0x29 -> order == 0;
                    case 0x2a -> order >= 0;
                    case 0x2b -> order > 0;
                    case 0x2c -> order <= 0;
                    case 0x2d -> order < 0;
                    default -> order != 0;
                };
                push(holds ? 1 : 0);
            }
            case 0x2f -> jump(start, (short) in.u16());
            case 0x28 -> {
                int offset = (short) in.u16();
                if (pop() != 0) {
                    jump(start, offset);
                }
            }
            case 0x92 -> {
                int column = in.ulebInt();
                push(register(registers, known, column) + in.sleb());
            }
            case 0x94 -> {
                int size = in.u8();
                if (size < 1 || size > 8) {
                    throw MalformedFrames.INSTANCE;
                }
                push(deref(memory, pop(), size));
            }
            case 0x96 -> {
                // DW_OP_nop
            }
            default -> throw MalformedFrames.INSTANCE;
        }
    }

    /** DW_OP_skip and bra: move by {@code offset} bytes, staying within the expression. */
    private void jump(int start, int offset) throws MalformedFrames {
        long target = (long) in.position + offset;
        if (target < start || target > in.limit) {
            throw MalformedFrames.INSTANCE;
        }
        in.position = (int) target;
    }

    private static long register(long[] registers, long known, int column) throws MalformedFrames {
        if (column >= registers.length || (known & (1L << column)) == 0) {
            throw MalformedFrames.INSTANCE;
        }
        return registers[column];
    }

    private static long deref(UserStack memory, long address, int size) throws MalformedFrames {
        if (!memory.holds(address, size)) {
            throw MalformedFrames.INSTANCE;
        }
        return memory.read(address, size);
    }

    private void push(long v) throws MalformedFrames {
        if (depth == MAX_STACK) {
            throw MalformedFrames.INSTANCE;
        }
        stack[depth++] = v;
    }

    private long pop() throws MalformedFrames {
        if (depth == 0) {
            throw MalformedFrames.INSTANCE;
        }
        return stack[--depth];
    }

    private long peek(int fromTop) throws MalformedFrames {
        if (fromTop >= depth) {
            throw MalformedFrames.INSTANCE;
        }
        return stack[depth - 1 - fromTop];
    }
}
