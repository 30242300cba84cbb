package dev.safetap.bytecode;

import static dev.safetap.bytecode.OperandKind.IMM64;
import static dev.safetap.bytecode.OperandKind.OFF32;
import static dev.safetap.bytecode.OperandKind.REG;
import static dev.safetap.bytecode.OperandKind.REGS;
import static dev.safetap.bytecode.OperandKind.U16;
import static dev.safetap.bytecode.OperandKind.U32;
import static dev.safetap.bytecode.OperandKind.U8;

import java.util.List;

/**
 * The instruction set. An instruction is its opcode byte followed by its operands in the order
 * listed. Operand names below: {@code d} destination register, {@code a b s c} source registers.
 *
 * <p>Integer arithmetic is two's complement on 64 bits and never traps: {@code DIV} and {@code MOD}
 * by zero yield 0 and count a runtime error at that pc; shift counts are taken modulo 64; SHR is an
 * arithmetic shift. Comparisons are signed and yield 0 or 1. Jump offsets are relative to the start
 * of the jump instruction itself and must be positive (forward only).
 */
public enum Opcode {
    NOP(0x00),
    /** d = imm. */
    CONST_INT(0x01, REG, IMM64),
    /** d = string table[u16]. */
    CONST_STR(0x02, REG, U16),
    /** d = s (either type). */
    MOV(0x03, REG, REG),

    ADD(0x10, REG, REG, REG),
    SUB(0x11, REG, REG, REG),
    MUL(0x12, REG, REG, REG),
    DIV(0x13, REG, REG, REG),
    MOD(0x14, REG, REG, REG),
    AND(0x15, REG, REG, REG),
    OR(0x16, REG, REG, REG),
    XOR(0x17, REG, REG, REG),
    SHL(0x18, REG, REG, REG),
    SHR(0x19, REG, REG, REG),
    /** d = -s. */
    NEG(0x1a, REG, REG),
    /** d = ~s. */
    BNOT(0x1b, REG, REG),
    /** d = (s == 0) ? 1 : 0. */
    LNOT(0x1c, REG, REG),

    EQ(0x20, REG, REG, REG),
    NE(0x21, REG, REG, REG),
    LT(0x22, REG, REG, REG),
    LE(0x23, REG, REG, REG),
    GT(0x24, REG, REG, REG),
    GE(0x25, REG, REG, REG),
    /** d = (a == b) for two strings, 0 or 1. */
    STR_EQ(0x26, REG, REG, REG),
    STR_NE(0x27, REG, REG, REG),

    /** pc += off. */
    JMP(0x30, OFF32),
    /** if c == 0: pc += off. */
    JZ(0x31, REG, OFF32),
    /** if c != 0: pc += off. */
    JNZ(0x32, REG, OFF32),
    /**
     * Runs the body (the instructions after this one up to its matching ENDLOOP) u32 times. The
     * OFF32 operand is the offset from this instruction to its matching ENDLOOP; with a count of 0
     * execution continues after that ENDLOOP.
     */
    LOOP(0x33, U32, OFF32),
    /** End of a loop body: back to the body start while iterations remain, else fall through. */
    ENDLOOP(0x34),
    /** Ends the action. Every action ends with RET. */
    RET(0x35),

    /** d = integer record field (layout slot u16 of the probe's event layout), sign- or zero-extended. */
    FIELD(0x40, REG, U16),
    /** d = string record field: a char[N] or __data_loc char[] slot, up to its NUL, bounded. */
    FIELD_STR(0x41, REG, U16),
    /** d = builtin value ({@link Builtin} code u8). */
    CTX(0x42, REG, U8),
    /**
     * d = the event's call stack ({@link StackKind} u8: kernel or user, and how it prints), at most u8 frames (1 to
     * {@link Limits#MAX_STACK_FRAMES}), innermost first; empty where the event has none.
     */
    STACK(0x43, REG, U8, U8),
    /** d = the code address s as a symbol ({@link StackKind} u8: kernel or user, one frame, printed by name alone). */
    SYM(0x44, REG, REG, U8),
    /** d = the address of the kernel symbol named by string table[u16], as the kernel lists it when the run starts; 0 if none. */
    KADDR(0x45, REG, U16),

    /** d = map[keys], or 0 / "" when absent. Scalar maps and count/sum/min/max/avg aggregations. */
    MAP_GET(0x50, REG, U16, REGS),
    /** map[keys] = s. Scalar maps only; a full map drops the update and counts it. */
    MAP_SET(0x51, U16, REGS, REG),
    /** Deletes map[keys]; absent keys are ignored. */
    MAP_DEL(0x52, U16, REGS),
    /** Folds s into the aggregation map[keys] (count ignores s). Aggregation maps only. */
    MAP_AGG(0x53, U16, REGS, REG),
    /** Removes every entry of the map. */
    MAP_CLEAR(0x54, U16),
    /** Sets every value of the map to its zero, keeping the keys. */
    MAP_ZERO(0x55, U16),
    /** Prints the map as bpftrace's print(@m, top, div): top 0 means all, div 0 means 1. */
    MAP_PRINT(0x56, U16, U32, U32),
    /** Keeps only the top u32 entries of the map (DTrace trunc). */
    MAP_TRUNC(0x57, U16, U32),

    /** printf(string table[u16], args...). Argument types must match the format's conversions. */
    PRINTF(0x60, U16, REGS),
    /** print(s): prints one value on its own line. */
    PRINT_VAL(0x61, REG),
    /** time(string table[u16]): prints local wall-clock time with a strftime format. */
    TIME(0x62, U16),
    /** Requests the end of tracing once this action returns (END still runs). */
    EXIT(0x63);

    private static final Opcode[] BY_CODE = new Opcode[256];

    static {
        for (Opcode op : values()) {
            BY_CODE[op.code] = op;
        }
    }

    private final int code;
    private final List<OperandKind> operands;

    Opcode(int code, OperandKind... operands) {
        this.code = code;
        this.operands = List.of(operands);
    }

    public int code() {
        return code;
    }

    public List<OperandKind> operands() {
        return operands;
    }

    /** The opcode with this byte, or null when the byte is not an opcode. */
    public static Opcode fromCode(int code) {
        return code >= 0 && code < 256 ? BY_CODE[code] : null;
    }

    public boolean isJump() {
        return this == JMP || this == JZ || this == JNZ;
    }
}
