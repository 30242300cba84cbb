package dev.safetap.vm;

import dev.safetap.bytecode.Builtin;
import dev.safetap.bytecode.DtraceProbeName;
import dev.safetap.bytecode.BytecodeFormatException;
import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.Instruction;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.OperandKind;
import dev.safetap.bytecode.PrintfFormat;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.SlotKind;
import dev.safetap.bytecode.StackKind;
import dev.safetap.bytecode.ValueType;
import dev.safetap.verifier.Effect;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.verifier.VerifyReport;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The reference interpreter: runs a verified program like {@link Interpreter} but trusts nothing the
 * verifier proved. It decodes every instruction from the bytes at every step and re-checks each
 * safety property at run time: instruction encoding and boundaries, forward jumps that stay in their
 * loop, loop nesting and counters, register ids, definite assignment and types (a tag per register),
 * string, layout-slot, builtin and map ids, map arity, key and value types and kinds, record bounds
 * of every field read, string lengths, map capacities, printf arguments, the verifier's proven
 * instruction bound of every firing, and that the verifier's report lists every map read and write,
 * record field and output action a firing performs. A failed check throws {@link SafetyViolation}.
 *
 * <p>It is slow and allocates freely; it is the oracle the other tiers and the verifier are tested
 * against. It acts on a {@link ProgramState} like every tier, so output and map state are comparable
 * with theirs.
 */
public final class CheckedInterpreter implements Tier {
    private static final byte UNSET = 0;
    private static final byte INT = 1;
    private static final byte STR = 2;
    private static final byte STACK = 3;

    private final Program program;
    private final long[] bounds;
    /** What the verifier reported each probe does, or null for a program it has not seen. */
    private final VerifyReport report;
    private final VmOptions options;
    private final ProgramState state;
    private final TraceOutput output;
    private final StackTable stacks;
    private final byte[][] code;
    private final PrintfFormatter[] formatters;
    private final BitSet[] boundaries;
    private final BitSet[] covered;
    private final long[] maxInstructions;

    private final long[] ints = new long[Limits.MAX_REGISTERS + 1];
    private final byte[][] strs = new byte[Limits.MAX_REGISTERS + 1][Limits.MAX_STRING];
    private final int[] strLens = new int[Limits.MAX_REGISTERS + 1];
    private final byte[] tags = new byte[Limits.MAX_REGISTERS + 1];
    private final int[] loopEnd = new int[Limits.MAX_LOOP_NESTING];
    private final int[] loopBody = new int[Limits.MAX_LOOP_NESTING];
    private final long[] loopLeft = new long[Limits.MAX_LOOP_NESTING];

    private int action;
    private int pc;
    private int loopDepth;
    private long lastInstructions;

    public CheckedInterpreter(VerifiedProgram verified, VmOptions options) {
        this(verified.program(), IntStream.range(0, verified.program().actions().size())
                .mapToLong(verified::worstCaseInstructions).toArray(), verified.report(), options);
    }

    private CheckedInterpreter(Program program, long[] bounds, VerifyReport report, VmOptions options) {
        this.program = program;
        this.bounds = bounds.clone();
        this.report = report;
        this.options = options;
        this.state = new ProgramState(program, options);
        this.output = state.output();
        this.stacks = options.stacks();
        formatters = new PrintfFormatter[program.strings().size()];
        int actions = program.actions().size();
        code = new byte[actions][];
        boundaries = new BitSet[actions];
        covered = new BitSet[actions];
        maxInstructions = new long[actions];
        for (int a = 0; a < actions; a++) {
            code[a] = program.actions().get(a).code();
            boundaries[a] = instructionStarts(code[a]);
            covered[a] = new BitSet(code[a].length);
        }
    }

    /**
     * A checked interpreter over a program the verifier has not seen, every action bounded by
     * {@code instructionBound}: only for testing that the run-time checks themselves trip.
     */
    static CheckedInterpreter ofUnverified(Program program, long instructionBound, VmOptions options) {
        return ofUnverified(program, instructionBound, null, options);
    }

    /** The same, holding the actions to {@code report} as if the verifier had written it (null: to none). */
    static CheckedInterpreter ofUnverified(Program program, long instructionBound, VerifyReport report, VmOptions options) {
        long[] bounds = new long[program.actions().size()];
        Arrays.fill(bounds, instructionBound);
        return new CheckedInterpreter(program, bounds, report, options);
    }

    /** Where the instructions of {@code code} start, decoding from pc 0 up to the first byte that does not decode. */
    private static BitSet instructionStarts(byte[] code) {
        BitSet starts = new BitSet(code.length);
        int p = 0;
        try {
            while (p < code.length) {
                starts.set(p);
                p += Instruction.decode(code, p).length();
            }
        } catch (BytecodeFormatException e) {
            starts.clear(p);
        }
        return starts;
    }

    @Override
    public ProgramState state() {
        return state;
    }

    @Override
    public void fire(int probeIndex, EventContext ctx) {
        lastInstructions = 0;
        if (state.admit(probeIndex, ctx)) {
            run(probeIndex, ctx);
        }
    }

    /** Instructions the last firing executed (0 when its record was dropped before the action ran). */
    public long lastInstructions() {
        return lastInstructions;
    }

    /** The most instructions one firing of action {@code actionIndex} has executed so far. */
    public long maxInstructions(int actionIndex) {
        return maxInstructions[actionIndex];
    }

    /** Number of instructions in action {@code actionIndex}. */
    public int instructionCount(int actionIndex) {
        return boundaries[actionIndex].cardinality();
    }

    /** Number of distinct instructions of action {@code actionIndex} executed at least once so far. */
    public int coveredInstructions(int actionIndex) {
        return covered[actionIndex].cardinality();
    }

    // ---- the checking loop

    private void run(int probeIndex, EventContext ctx) {
        ProbeDecl probe = program.probes().get(probeIndex);
        action = probe.action();
        byte[] code = this.code[action];
        int registers = program.actions().get(action).registers();
        long bound = bounds[action];
        Arrays.fill(tags, UNSET);
        loopDepth = 0;
        lastInstructions = 0;
        pc = 0;
        while (true) {
            if (pc >= code.length) {
                throw violation("control flow", "execution ran off the end of the code (" + code.length + " bytes) without RET");
            }
            Instruction insn = decode(code);
            if (!boundaries[action].get(pc)) {
                throw violation("instruction boundaries", "pc is not the start of an instruction");
            }
            lastInstructions++;
            maxInstructions[action] = Math.max(maxInstructions[action], lastInstructions);
            if (lastInstructions > bound) {
                throw violation("bounded work", "firing executed more than the proven bound of " + bound + " instructions");
            }
            covered[action].set(pc);
            checkOperandRanges(insn, registers);
            int next = pc + insn.length();
            switch (insn.opcode()) {
                case NOP -> {
                }
                case CONST_INT -> setInt(insn.intOperand(0), insn.operand(1));
                case CONST_STR -> {
                    byte[] s = utf8(string(insn.intOperand(1)));
                    if (s.length > Limits.MAX_STRING) {
                        throw violation("string bounds", "string constant of " + s.length + " bytes exceeds " + Limits.MAX_STRING);
                    }
                    setString(insn.intOperand(0), s, s.length);
                }
                case MOV -> {
                    int src = insn.intOperand(1);
                    byte t = read(src, UNSET);
                    if (t == INT || t == STACK) {
                        ints[insn.intOperand(0)] = ints[src];
                        tags[insn.intOperand(0)] = t;
                    } else {
                        setString(insn.intOperand(0), strs[src].clone(), strLens[src]);
                    }
                }
                case EQ, NE -> {
                    int x = insn.intOperand(1);
                    int y = insn.intOperand(2);
                    byte t = read(x, UNSET);
                    if (t == STR) {
                        throw violation("register type", "r" + x + " holds a string, but " + insn.opcode() + " compares integers or stacks");
                    }
                    read(y, t);
                    setInt(insn.intOperand(0), (ints[x] == ints[y]) == (insn.opcode() == Opcode.EQ) ? 1 : 0);
                }
                case ADD, SUB, MUL, DIV, MOD, AND, OR, XOR, SHL, SHR, LT, LE, GT, GE -> binary(insn);
                case NEG -> setInt(insn.intOperand(0), -ints(insn.intOperand(1)));
                case BNOT -> setInt(insn.intOperand(0), ~ints(insn.intOperand(1)));
                case LNOT -> setInt(insn.intOperand(0), ints(insn.intOperand(1)) == 0 ? 1 : 0);
                case STR_EQ, STR_NE -> {
                    int x = insn.intOperand(1);
                    int y = insn.intOperand(2);
                    read(x, STR);
                    read(y, STR);
                    boolean equal = Arrays.equals(strs[x], 0, strLens[x], strs[y], 0, strLens[y]);
                    setInt(insn.intOperand(0), equal == (insn.opcode() == Opcode.STR_EQ) ? 1 : 0);
                }
                case JMP -> next = jump(code, insn.operand(0));
                case JZ -> {
                    long t = jump(code, insn.operand(1));
                    next = ints(insn.intOperand(0)) == 0 ? (int) t : next;
                }
                case JNZ -> {
                    long t = jump(code, insn.operand(1));
                    next = ints(insn.intOperand(0)) != 0 ? (int) t : next;
                }
                case LOOP -> next = enterLoop(code, insn, next);
                case ENDLOOP -> next = endLoop(next);
                case RET -> {
                    return;
                }
                case FIELD -> setInt(insn.intOperand(0), readField(probe, insn.intOperand(1), ctx));
                case FIELD_STR -> readStringField(probe, insn.intOperand(1), ctx, insn.intOperand(0));
                case CTX -> readBuiltin(insn.intOperand(1), insn.intOperand(0), probe, ctx);
                case STACK -> takeStack(insn, ctx);
                case KADDR -> setInt(insn.intOperand(0), stacks.symbols().kernelAddress(string(insn.intOperand(1))));
                case SYM -> {
                    StackKind kind = StackKind.fromCode(insn.intOperand(2));
                    if (kind == null || !kind.symbol()) {
                        throw violation("stack kinds", "SYM of kind " + insn.operand(2) + ", which is no symbol");
                    }
                    setStack(insn.intOperand(0), stacks.symbol(kind, ctx.pid, ints(insn.intOperand(1))));
                }
                case MAP_GET -> {
                    MapDecl decl = map(insn.intOperand(1));
                    if (!decl.kind().readable()) {
                        throw violation("map kind", "MAP_GET on the " + decl.kind() + " map " + decl.name());
                    }
                    MapStore m = loadKey(insn.intOperand(1), insn.regs());
                    int e = m.find();
                    int dst = insn.intOperand(0);
                    if (decl.readType() == ValueType.STR) {
                        byte[] value = new byte[Limits.MAX_STRING];
                        setString(dst, value, e < 0 ? 0 : m.readString(e, value));
                    } else if (decl.readType() == ValueType.STACK) {
                        setStack(dst, e < 0 ? StackTable.EMPTY : m.readInt(e));
                    } else {
                        setInt(dst, e < 0 ? 0 : m.readInt(e));
                    }
                }
                case MAP_SET -> {
                    MapDecl decl = map(insn.intOperand(0));
                    if (decl.kind() != MapKind.SCALAR) {
                        throw violation("map kind", "MAP_SET on the " + decl.kind() + " map " + decl.name());
                    }
                    int src = insn.intOperand(2);
                    read(src, tag(decl.valueType()));
                    MapStore m = loadKey(insn.intOperand(0), insn.regs());
                    int e = m.findOrInsert();
                    if (e >= 0) {
                        if (decl.valueType() == ValueType.STR) {
                            m.setString(e, strs[src], strLens[src]);
                        } else {
                            m.setInt(e, ints[src]);
                        }
                    }
                    checkCapacity(m);
                }
                case MAP_DEL -> loadKey(insn.intOperand(0), insn.regs()).remove();
                case MAP_AGG -> {
                    MapDecl decl = map(insn.intOperand(0));
                    if (decl.kind() == MapKind.SCALAR) {
                        throw violation("map kind", "MAP_AGG on the scalar map " + decl.name());
                    }
                    long value = ints(insn.intOperand(2));
                    MapStore m = loadKey(insn.intOperand(0), insn.regs());
                    int e = m.findOrInsert();
                    if (e >= 0) {
                        m.fold(e, value);
                    }
                    checkCapacity(m);
                }
                case MAP_CLEAR -> mapStore(insn.intOperand(0)).clear();
                case MAP_ZERO -> mapStore(insn.intOperand(0)).zero();
                case MAP_PRINT -> output.printMap(mapStore(insn.intOperand(0)), insn.operand(1), insn.operand(2));
                case MAP_TRUNC -> {
                    MapStore m = mapStore(insn.intOperand(0));
                    m.truncate(insn.intOperand(1));
                    checkCapacity(m);
                }
                case PRINTF -> printf(insn);
                case PRINT_VAL -> {
                    int src = insn.intOperand(0);
                    byte t = read(src, UNSET);
                    if (t == STR) {
                        output.printValue(strs[src], strLens[src]);
                    } else if (t == STACK) {
                        output.printStack(ints[src]);
                    } else {
                        output.printValue(ints[src]);
                    }
                }
                case TIME -> output.time(string(insn.intOperand(0)));
                case EXIT -> state.requestExit();
            }
            checkReported(probeIndex, probe, insn);
            pc = next;
        }
    }

    /** The report must list what the instruction just did: its map reads and writes, record fields and outputs. */
    private void checkReported(int probeIndex, ProbeDecl probe, Instruction insn) {
        if (report == null) {
            return;
        }
        VerifyReport.ProbeReport reported = report.probes().get(probeIndex);
        for (Effect e : Effect.of(insn, program)) {
            if (!reported.describes(e)) {
                throw violation("report", insn.opcode() + " did " + e.kind() + " " + e.name() + ", which the report of "
                        + probe.name() + " does not list");
            }
        }
        if (insn.opcode() == Opcode.FIELD || insn.opcode() == Opcode.FIELD_STR) {
            String slot = layoutOf(probe).slots().get(insn.intOperand(1)).name();
            if (!reported.fieldsRead().contains(slot)) {
                throw violation("report", "read field " + slot + ", which the report of " + probe.name() + " does not list");
            }
        }
    }

    private Instruction decode(byte[] code) {
        try {
            return Instruction.decode(code, pc);
        } catch (BytecodeFormatException e) {
            throw violation("canonical encoding", e.getMessage());
        }
    }

    /** Register ids below the declared count, and counts below 2^31, for every operand of the shape. */
    private void checkOperandRanges(Instruction insn, int registers) {
        List<OperandKind> shape = insn.opcode().operands();
        for (int i = 0; i < shape.size(); i++) {
            if (shape.get(i) == OperandKind.REG && insn.intOperand(i) >= registers) {
                throw violation("register ids", "r" + insn.operand(i) + " used, but the action declares " + registers + " registers");
            }
            if (shape.get(i) == OperandKind.U32 && insn.operand(i) >= (1L << 31)) {
                throw violation("operand range", "count " + insn.operand(i) + " is not below 2^31");
            }
        }
        for (int r : insn.regs()) {
            if (r >= registers) {
                throw violation("register ids", "r" + r + " used, but the action declares " + registers + " registers");
            }
        }
    }

    private void binary(Instruction insn) {
        long x = ints(insn.intOperand(1));
        long y = ints(insn.intOperand(2));
        long v = switch (insn.opcode()) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV, MOD -> {
                if (y == 0) {
                    state.divisionByZero(action, state.divisionSlot(action, pc));
                    yield 0;
                }
                yield insn.opcode() == Opcode.DIV ? x / y : x % y;
            }
            case AND -> x & y;
            case OR -> x | y;
            case XOR -> x ^ y;
            case SHL -> x << y;
            case SHR -> x >> y;
            case EQ -> x == y ? 1 : 0;
            case NE -> x != y ? 1 : 0;
            case LT -> x < y ? 1 : 0;
            case LE -> x <= y ? 1 : 0;
            case GT -> x > y ? 1 : 0;
            case GE -> x >= y ? 1 : 0;
            default -> throw new IllegalStateException(insn.opcode() + " is not a binary integer operation");
        };
        setInt(insn.intOperand(0), v);
    }

    /** Checks a jump offset: forward, inside the code, onto an instruction, and not out of the enclosing loop body. */
    private int jump(byte[] code, long offset) {
        if (offset <= 0) {
            throw violation("forward jumps", "jump offset " + offset + " is not forward");
        }
        long target = pc + offset;
        if (target >= code.length) {
            throw violation("jump targets", "jump to pc " + target + " is past the end of the code");
        }
        if (!boundaries[action].get((int) target)) {
            throw violation("jump targets", "jump to pc " + target + " lands inside an instruction");
        }
        if (loopDepth > 0 && target > loopEnd[loopDepth - 1]) {
            throw violation("loop structure", "jump to pc " + target + " leaves the loop body ending at pc " + loopEnd[loopDepth - 1]);
        }
        return (int) target;
    }

    private int enterLoop(byte[] code, Instruction insn, int bodyStart) {
        int end = jump(code, insn.operand(1));
        if (code[end] != (byte) Opcode.ENDLOOP.code()) {
            throw violation("loop structure", "loop end pc " + end + " is not an ENDLOOP");
        }
        long count = insn.operand(0);
        if (count == 0) {
            return end + Instruction.encodedLength(Opcode.ENDLOOP, 0);
        }
        if (loopDepth >= Limits.MAX_LOOP_NESTING) {
            throw violation("loop nesting", "more than " + Limits.MAX_LOOP_NESTING + " loops are open");
        }
        loopEnd[loopDepth] = end;
        loopBody[loopDepth] = bodyStart;
        loopLeft[loopDepth] = count;
        loopDepth++;
        return bodyStart;
    }

    private int endLoop(int next) {
        if (loopDepth == 0) {
            throw violation("loop structure", "ENDLOOP outside any loop");
        }
        int top = loopDepth - 1;
        if (loopEnd[top] != pc) {
            throw violation("loop structure", "ENDLOOP does not close the innermost loop, which ends at pc " + loopEnd[top]);
        }
        if (loopLeft[top] <= 0) {
            throw violation("loop counters", "loop counter is " + loopLeft[top] + " at its ENDLOOP");
        }
        loopLeft[top]--;
        if (loopLeft[top] > 0) {
            return loopBody[top];
        }
        loopDepth--;
        return next;
    }

    // ---- registers

    private byte read(int r, byte want) {
        byte t = tags[r];
        if (t == UNSET) {
            throw violation("definite assignment", "r" + r + " is read before it is assigned");
        }
        if (want != UNSET && t != want) {
            throw violation("register type", "r" + r + " holds " + name(t) + ", but " + name(want) + " is needed");
        }
        return t;
    }

    private long ints(int r) {
        read(r, INT);
        return ints[r];
    }

    private void setInt(int r, long v) {
        ints[r] = v;
        tags[r] = INT;
    }

    private void setStack(int r, long id) {
        if (id < 0 || id >= Math.max(2, stacks.size())) {
            throw violation("stack ids", "stack id " + id + " is not in the run's stack table (" + stacks.size() + " entries)");
        }
        ints[r] = id;
        tags[r] = STACK;
    }

    /** STACK: the event's call chain must lie within its buffer, and the kind and frame count be those of a stack. */
    private void takeStack(Instruction insn, EventContext ctx) {
        StackKind kind = StackKind.fromCode(insn.intOperand(1));
        if (kind == null || kind.symbol()) {
            throw violation("stack kinds", "STACK of kind " + insn.operand(1) + ", which is no stack");
        }
        int most = insn.intOperand(2);
        if (most > Limits.MAX_STACK_FRAMES) {
            throw violation("stack bounds", "a stack of " + most + " frames, over " + Limits.MAX_STACK_FRAMES);
        }
        if (kind.user() && ctx.userState) {
            long regsEnd = ctx.userRegsOffset + 8L * ctx.userRegsCount;
            long stackEnd = (long) ctx.userStackOffset + ctx.userStackSize;
            if (ctx.record == null || ctx.userRegsOffset < 0 || ctx.userRegsCount < 0
                    || ctx.userRegsCount > Long.bitCount(ctx.userRegsMask) || regsEnd > ctx.record.limit()
                    || ctx.userStackOffset < 0 || ctx.userStackSize < 0 || stackEnd > ctx.record.limit()) {
                throw violation("user state bounds", "user registers (" + ctx.userRegsCount + " at " + ctx.userRegsOffset
                        + ") or stack (" + ctx.userStackSize + " bytes at " + ctx.userStackOffset + ") lie outside their buffer");
            }
            setStack(insn.intOperand(0), most == 0 ? StackTable.EMPTY : stacks.stack(kind, ctx, most));
            return;
        }
        if (most == 0 || ctx.callchainLength == 0) {
            setStack(insn.intOperand(0), StackTable.EMPTY);
            return;
        }
        long end = ctx.callchainOffset + 8L * ctx.callchainLength;
        if (ctx.record == null || ctx.callchainOffset < 0 || ctx.callchainLength < 0 || end > ctx.record.limit()) {
            throw violation("call chain bounds", "a call chain of " + ctx.callchainLength + " entries at " + ctx.callchainOffset
                    + " lies outside its buffer");
        }
        setStack(insn.intOperand(0), stacks.stack(kind, ctx.pid, ctx.record, ctx.callchainOffset, ctx.callchainLength, most));
    }

    private void setString(int r, byte[] src, int length) {
        if (length < 0 || length > Limits.MAX_STRING) {
            throw violation("string bounds", "string of " + length + " bytes exceeds " + Limits.MAX_STRING);
        }
        System.arraycopy(src, 0, strs[r], 0, length);
        strLens[r] = length;
        tags[r] = STR;
    }

    // ---- tables

    private String string(int id) {
        if (id >= program.strings().size()) {
            throw violation("string ids", "string s" + id + " does not exist");
        }
        return program.strings().get(id);
    }

    private MapDecl map(int id) {
        return mapStore(id).decl();
    }

    private MapStore mapStore(int id) {
        if (id >= state.mapCount()) {
            throw violation("map ids", "map m" + id + " does not exist");
        }
        return state.map(id);
    }

    private MapStore loadKey(int mapId, int[] keyRegs) {
        MapStore m = mapStore(mapId);
        MapDecl decl = m.decl();
        if (keyRegs.length != decl.keyTypes().size()) {
            throw violation("map arity", decl.name() + " takes " + decl.keyTypes().size() + " keys, " + keyRegs.length + " given");
        }
        for (int k = 0; k < keyRegs.length; k++) {
            int r = keyRegs[k];
            read(r, tag(decl.keyTypes().get(k)));
            if (decl.keyTypes().get(k) == ValueType.STR) {
                m.keyString(k, strs[r], strLens[r]);
            } else {
                m.keyInt(k, ints[r]);
            }
        }
        return m;
    }

    private void checkCapacity(MapStore m) {
        if (m.size() > m.decl().capacity()) {
            throw violation("bounded memory", m.decl().name() + " holds " + m.size() + " entries, over its capacity " + m.decl().capacity());
        }
    }

    private void printf(Instruction insn) {
        int id = insn.intOperand(0);
        String format = string(id);
        if (formatters[id] == null) {
            try {
                formatters[id] = new PrintfFormatter(format);
            } catch (PrintfFormat.FormatException e) {
                throw violation("printf format", "format " + format + " does not parse: " + e.getMessage());
            }
        }
        List<PrintfFormat.Conversion> conversions = formatters[id].format().conversions();
        if (conversions.size() != insn.regs().length) {
            throw violation("printf arguments", conversions.size() + " conversions, " + insn.regs().length + " arguments");
        }
        boolean[] stackArgs = new boolean[conversions.size()];
        for (int i = 0; i < conversions.size(); i++) {
            int r = insn.regs()[i];
            byte t = read(r, UNSET);
            if (!conversions.get(i).accepts(type(t))) {
                throw violation("register type", "r" + r + " holds " + name(t) + ", but %" + conversions.get(i).conversion()
                        + " needs " + name(tag(conversions.get(i).argumentType())));
            }
            stackArgs[i] = t == STACK;
        }
        output.printf(formatters[id], insn.regs(), stackArgs, ints, strs, strLens);
    }

    // ---- the event

    private EventLayout layoutOf(ProbeDecl probe) {
        int l = probe.layout();
        return l >= 0 && l < program.layouts().size() ? program.layouts().get(l) : null;
    }

    private LayoutSlot slot(ProbeDecl probe, int slotId, boolean string) {
        EventLayout layout = layoutOf(probe);
        if (!probe.kind().hasRecord() || layout == null) {
            throw violation("field ids", "probe " + probe.name() + " has no event record");
        }
        if (slotId >= layout.slots().size()) {
            throw violation("field ids", "field f" + slotId + " does not exist in " + layout.name());
        }
        LayoutSlot s = layout.slots().get(slotId);
        if (s.isString() != string) {
            throw violation("field types", "field " + s.name() + " is " + s.kind() + ", read as " + (string ? "a string" : "an integer"));
        }
        return s;
    }

    /** Bounds of a read of {@code size} bytes at {@code offset} of the record. */
    private void checkRecord(EventContext ctx, long offset, long size, String what) {
        if (offset < 0 || size < 0 || offset + size > ctx.length || ctx.offset + offset + size > ctx.record.limit()) {
            throw violation("record bounds", what + ": bytes " + offset + ".." + (offset + size) + " are outside the "
                    + ctx.length + "-byte record");
        }
    }

    private long readField(ProbeDecl probe, int slotId, EventContext ctx) {
        LayoutSlot s = slot(probe, slotId, false);
        if (s.size() != 1 && s.size() != 2 && s.size() != 4 && s.size() != 8) {
            throw violation("field types", "integer field " + s.name() + " has size " + s.size());
        }
        return readInteger(ctx, s.offset(), s.size(), s.kind() == SlotKind.SIGNED, s.name());
    }

    private long readInteger(EventContext ctx, int offset, int size, boolean signed, String name) {
        checkRecord(ctx, offset, size, "field " + name);
        ByteBuffer rec = ctx.record;
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (rec.get(ctx.offset + offset + i) & 0xffL);
        }
        if (signed && size < 8) {
            int shift = 64 - 8 * size;
            v = (v << shift) >> shift;
        }
        return v;
    }

    private void readStringField(ProbeDecl probe, int slotId, EventContext ctx, int dst) {
        LayoutSlot s = slot(probe, slotId, true);
        int from;
        int max;
        if (s.kind() == SlotKind.DATA_LOC) {
            if (s.size() != 4) {
                throw violation("field types", "__data_loc field " + s.name() + " has size " + s.size());
            }
            int word = (int) readInteger(ctx, s.offset(), 4, false, s.name());
            int offset = word & 0xffff;
            int length = word >>> 16;
            if (offset >= ctx.length) {
                setString(dst, new byte[0], 0);
                return;
            }
            from = offset;
            max = Math.min(length, ctx.length - offset);
        } else {
            from = s.offset();
            max = s.size();
        }
        max = Math.min(max, Limits.MAX_STRING);
        checkRecord(ctx, from, max, "string field " + s.name());
        byte[] out = new byte[Limits.MAX_STRING];
        int n = 0;
        while (n < max) {
            byte ch = ctx.record.get(ctx.offset + from + n);
            if (ch == 0) {
                break;
            }
            out[n++] = ch;
        }
        setString(dst, out, n);
    }

    private void readBuiltin(int code, int dst, ProbeDecl probe, EventContext ctx) {
        Builtin b = Builtin.fromCode(code);
        if (b == null) {
            throw violation("builtin ids", "builtin code " + code + " does not exist");
        }
        switch (b) {
            case PID -> setInt(dst, ctx.pid);
            case TID -> setInt(dst, ctx.tid);
            case NSECS -> setInt(dst, ctx.timeNanos);
            case ELAPSED -> setInt(dst, ctx.timeNanos - options.startNanos());
            case CPU -> setInt(dst, ctx.cpu);
            case CPID -> setInt(dst, options.cpid());
            case COMM -> {
                int n = 0;
                int max = Math.min(Math.min(ctx.commLength, ctx.comm.length), Limits.MAX_STRING);
                while (n < max && ctx.comm[n] != 0) {
                    n++;
                }
                setString(dst, ctx.comm, n);
            }
            case PROBE -> {
                byte[] name = utf8(probe.name());
                setString(dst, name, Math.min(name.length, Limits.MAX_STRING));
            }
            case PROBEPROV, PROBEMOD, PROBEFUNC, PROBENAME -> {
                byte[] name = utf8(DtraceProbeName.of(probe).part(b));
                setString(dst, name, Math.min(name.length, Limits.MAX_STRING));
            }
        }
    }

    // ---- helpers

    private SafetyViolation violation(String property, String message) {
        return new SafetyViolation(property, action, pc, message);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte tag(ValueType t) {
        return switch (t) {
            case INT -> INT;
            case STR -> STR;
            case STACK -> STACK;
        };
    }

    private static ValueType type(byte t) {
        return t == INT ? ValueType.INT : t == STR ? ValueType.STR : ValueType.STACK;
    }

    private static String name(byte t) {
        return switch (t) {
            case INT -> "an integer";
            case STR -> "a string";
            case STACK -> "a stack";
            default -> "nothing";
        };
    }
}
