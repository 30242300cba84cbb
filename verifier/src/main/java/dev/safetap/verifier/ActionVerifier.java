package dev.safetap.verifier;

import dev.safetap.bytecode.Action;
import dev.safetap.bytecode.Builtin;
import dev.safetap.bytecode.BytecodeFormatException;
import dev.safetap.bytecode.Disassembler;
import dev.safetap.bytecode.Instruction;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.OperandKind;
import dev.safetap.bytecode.PrintfFormat;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.StackKind;
import dev.safetap.bytecode.ValueType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The one forward pass over the decoded instructions of one action. It checks operands against the
 * header tables, the control structure (forward jumps, properly nested loops, final RET), register
 * types with definite assignment, and computes the longest path in executed instructions.
 *
 * <p>The abstract state at a program point is a type per register (undefined, INT, STR or STACK) and a cost:
 * the largest number of instructions executed from the start of the innermost enclosing frame (the
 * action, or one iteration of the innermost loop) before reaching that point. Every instruction adds
 * one when executed. A forward jump hands its state to its target, where states merge (a register
 * keeps its type only when every incoming path agrees; costs take the maximum). A loop opens a frame;
 * at its ENDLOOP one iteration costs the body's cost (ENDLOOP included), and the whole loop costs
 * LOOP once plus {@code count} iterations. A RET inside a loop is charged as if it ended the last
 * iteration. Record fields are checked later against each probe's layout (see {@link Verifier}).
 */
final class ActionVerifier {
    private static final byte UNDEFINED = RegisterTypes.UNDEFINED;
    private static final byte INT = RegisterTypes.INT;
    private static final byte STR = RegisterTypes.STR;
    private static final byte STACK = RegisterTypes.STACK;
    /** Costs saturate here, far above any budget, so that arithmetic on them never overflows. */
    static final long COST_CAP = Long.MAX_VALUE / 4;

    /** What the pass learned: the bound, the register types at every instruction, and the facts the report lists. */
    record Facts(long worstCase, RegisterTypes registerTypes, List<Instruction> fieldReads, Set<String> mapsRead,
            Set<String> mapsWritten, Set<String> outputs, Set<String> stacks) {
    }

    /** A jump edge waiting at its target; {@code types} is null when the jump itself is unreachable. */
    private record Edge(Instruction jump, int loopPc, byte[] types, long cost) {
    }

    /** An open loop (or, with loopPc -1, the action itself). */
    private static final class Frame {
        final Instruction loop;
        final int loopPc;
        final int endPc;
        final byte[] entryTypes;
        final long entryCost;
        final boolean reachable;
        long exitCost;

        Frame(Instruction loop, int loopPc, int endPc, byte[] entryTypes, long entryCost, boolean reachable) {
            this.loop = loop;
            this.loopPc = loopPc;
            this.endPc = endPc;
            this.entryTypes = entryTypes;
            this.entryCost = entryCost;
            this.reachable = reachable;
        }
    }

    private final Program program;
    private final int actionIndex;
    private final Action action;
    private final Diagnostics diagnostics;

    private final List<Instruction> fieldReads = new ArrayList<>();
    private final Set<String> mapsRead = new LinkedHashSet<>();
    private final Set<String> mapsWritten = new LinkedHashSet<>();
    private final Set<String> outputs = new LinkedHashSet<>();
    private final Set<String> stacks = new LinkedHashSet<>();

    private final Map<Integer, List<Edge>> incoming = new HashMap<>();
    private final Deque<Frame> frames = new ArrayDeque<>();
    private byte[] types;
    private long cost;
    private boolean live;

    ActionVerifier(Program program, int actionIndex, Diagnostics diagnostics) {
        this.program = program;
        this.actionIndex = actionIndex;
        this.action = program.actions().get(actionIndex);
        this.diagnostics = diagnostics;
    }

    Facts verify() {
        byte[] code = action.code();
        List<Instruction> insns = decode(code);
        boolean[] boundary = new boolean[code.length];
        for (Instruction insn : insns) {
            boundary[insn.pc()] = true;
        }
        Instruction last = insns.get(insns.size() - 1);
        if (last.opcode() != Opcode.RET) {
            throw reject(last, "the action does not end with RET, so execution could run off the end of the code");
        }
        types = new byte[action.registers()];
        cost = 0;
        live = true;
        frames.push(new Frame(null, -1, code.length, types.clone(), 0, true));
        RegisterTypes.Builder typesAt = new RegisterTypes.Builder(code.length, insns.size(), types.length);
        for (Instruction insn : insns) {
            arrive(insn);
            checkOperands(insn);
            if (live) {
                typesAt.record(insn.pc(), types);
                checkTypes(insn);
                cost = add(cost, 1);
            }
            control(insn, code, boundary);
        }
        long worst = frames.pop().exitCost;
        if (worst > Limits.INSTRUCTION_BUDGET) {
            throw reject(last, "one firing may execute up to " + amount(worst) + " instructions, over the budget of "
                    + Limits.INSTRUCTION_BUDGET, "shorten loops or move work out of them");
        }
        return new Facts(worst, typesAt.build(), List.copyOf(fieldReads), mapsRead, mapsWritten, outputs, stacks);
    }

    private List<Instruction> decode(byte[] code) {
        if (code.length == 0) {
            throw diagnostics.reject(actionIndex, 0, "action " + actionIndex + " has no code; every action must end with RET");
        }
        List<Instruction> insns = new ArrayList<>();
        int pc = 0;
        while (pc < code.length) {
            Instruction insn;
            try {
                insn = Instruction.decode(code, pc);
            } catch (BytecodeFormatException e) {
                throw diagnostics.reject(actionIndex, pc, String.format("action %d pc %d: byte 0x%02x: %s",
                        actionIndex, pc, code[pc] & 0xff, e.getMessage()));
            }
            insns.add(insn);
            pc += insn.length();
        }
        return insns;
    }

    /** Merges the fall-through state with the jumps that land here, after checking they come from this loop level. */
    private void arrive(Instruction insn) {
        List<Edge> edges = incoming.remove(insn.pc());
        if (edges == null) {
            return;
        }
        Frame frame = frames.peek();
        for (Edge e : edges) {
            if (e.loopPc() != frame.loopPc) {
                throw reject(e.jump(), "jumps to pc " + insn.pc() + ", inside the body of the loop at pc " + frame.loopPc
                        + "; a loop body may only be entered through its LOOP instruction");
            }
            if (e.types() == null) {
                continue;
            }
            if (!live) {
                types = e.types().clone();
                cost = e.cost();
                live = true;
            } else {
                for (int r = 0; r < types.length; r++) {
                    if (types[r] != e.types()[r]) {
                        types[r] = UNDEFINED;
                    }
                }
                cost = Math.max(cost, e.cost());
            }
        }
    }

    /** Checks every operand against the header tables and limits; applies to reachable and unreachable code alike. */
    private void checkOperands(Instruction insn) {
        List<OperandKind> shape = insn.opcode().operands();
        for (int i = 0; i < shape.size(); i++) {
            if (shape.get(i) == OperandKind.REG) {
                checkRegister(insn, insn.intOperand(i));
            } else if (shape.get(i) == OperandKind.U32 && insn.operand(i) >= (1L << 31)) {
                throw reject(insn, "operand " + insn.operand(i) + " is too large (counts must be below 2^31)");
            }
        }
        for (int r : insn.regs()) {
            checkRegister(insn, r);
        }
        switch (insn.opcode()) {
            case CONST_STR -> {
                String s = string(insn, insn.intOperand(1));
                int bytes = s.getBytes(StandardCharsets.UTF_8).length;
                if (bytes > Limits.MAX_STRING) {
                    throw reject(insn, "string constant s" + insn.operand(1) + " is " + bytes + " bytes long; a string value holds at most "
                            + Limits.MAX_STRING + " bytes");
                }
            }
            case TIME -> {
                string(insn, insn.intOperand(0));
                record(insn);
            }
            case PRINTF -> checkPrintfShape(insn);
            case CTX -> {
                if (Builtin.fromCode(insn.intOperand(1)) == null) {
                    throw reject(insn, "builtin code " + insn.operand(1) + " does not exist (there are " + Builtin.values().length + " builtins)");
                }
            }
            case FIELD, FIELD_STR -> fieldReads.add(insn);
            case STACK -> {
                StackKind kind = StackKind.fromCode(insn.intOperand(1));
                if (kind == null || kind.symbol()) {
                    throw reject(insn, "stack kind " + insn.operand(1) + " is not a stack (0 to 3: kstack, ustack, and both in perf mode)");
                }
                if (insn.operand(2) > Limits.MAX_STACK_FRAMES) {
                    throw reject(insn, "a stack holds at most " + Limits.MAX_STACK_FRAMES + " frames, not " + insn.operand(2));
                }
                if (insn.operand(2) > 0) {
                    stacks.add(kind.spelling());
                }
            }
            case SYM -> {
                StackKind kind = StackKind.fromCode(insn.intOperand(2));
                if (kind == null || !kind.symbol()) {
                    throw reject(insn, "symbol kind " + insn.operand(2) + " is not a symbol (4 ksym or 5 usym)");
                }
                stacks.add(kind.spelling());
            }
            case KADDR -> string(insn, insn.intOperand(1));
            case MAP_GET -> {
                MapDecl m = map(insn, insn.intOperand(1));
                if (!m.kind().readable()) {
                    throw reject(insn, "map " + m.name() + " is a " + kindName(m) + " aggregation, whose value cannot be read as one number");
                }
                checkArity(insn, m);
                record(insn);
            }
            case MAP_SET -> {
                MapDecl m = map(insn, insn.intOperand(0));
                if (m.kind() != MapKind.SCALAR) {
                    throw reject(insn, "map " + m.name() + " is a " + kindName(m) + " aggregation; it can only be updated with its aggregation, not assigned");
                }
                checkArity(insn, m);
                record(insn);
            }
            case MAP_AGG -> {
                MapDecl m = map(insn, insn.intOperand(0));
                if (m.kind() == MapKind.SCALAR) {
                    throw reject(insn, "map " + m.name() + " holds plain values, not an aggregation; assign to it instead");
                }
                checkArity(insn, m);
                record(insn);
            }
            case MAP_DEL -> {
                MapDecl m = map(insn, insn.intOperand(0));
                checkArity(insn, m);
                record(insn);
            }
            case MAP_CLEAR, MAP_ZERO, MAP_TRUNC, MAP_PRINT -> {
                map(insn, insn.intOperand(0));
                record(insn);
            }
            case PRINT_VAL, EXIT -> record(insn);
            default -> {
            }
        }
    }

    /** Notes what the instruction does in the lists the report gives; its ids are checked already. */
    private void record(Instruction insn) {
        for (Effect e : Effect.of(insn, program)) {
            switch (e.kind()) {
                case MAP_READ -> mapsRead.add(e.name());
                case MAP_WRITE -> mapsWritten.add(e.name());
                case OUTPUT -> outputs.add(e.name());
            }
        }
    }

    private void checkRegister(Instruction insn, int r) {
        if (r >= action.registers()) {
            throw reject(insn, "uses r" + r + ", but the action has only " + action.registers() + " registers"
                    + (action.registers() == 0 ? "" : " (r0..r" + (action.registers() - 1) + ")"));
        }
    }

    private void checkPrintfShape(Instruction insn) {
        String format = string(insn, insn.intOperand(0));
        List<PrintfFormat.Conversion> conversions;
        try {
            conversions = PrintfFormat.parse(format).conversions();
        } catch (PrintfFormat.FormatException e) {
            throw reject(insn, "printf format " + quote(format) + " is invalid: " + e.getMessage());
        }
        if (insn.regs().length > Limits.MAX_PRINTF_ARGS) {
            throw reject(insn, "printf has " + insn.regs().length + " arguments; at most " + Limits.MAX_PRINTF_ARGS + " are allowed");
        }
        if (conversions.size() != insn.regs().length) {
            throw reject(insn, "printf format " + quote(format) + " has " + conversions.size() + " conversions but "
                    + insn.regs().length + " arguments are given");
        }
        record(insn);
    }

    private void checkArity(Instruction insn, MapDecl m) {
        if (insn.regs().length != m.keyTypes().size()) {
            throw reject(insn, "map " + m.name() + " is keyed by " + m.keyTypes().size() + " value(s) " + keyList(m)
                    + " but " + insn.regs().length + " key(s) are given");
        }
    }

    /** Definite assignment and operand types; only for reachable instructions. */
    private void checkTypes(Instruction insn) {
        switch (insn.opcode()) {
            case CONST_INT -> write(insn, 0, INT);
            case CONST_STR -> write(insn, 0, STR);
            case MOV -> write(insn, 0, read(insn, insn.intOperand(1), UNDEFINED));
            case EQ, NE -> {
                byte t = read(insn, insn.intOperand(1), UNDEFINED);
                if (t != INT && t != STACK) {
                    throw reject(insn, "r" + insn.intOperand(1) + " holds " + typeName(t) + ", but " + insn.opcode()
                            + " compares integers or stacks");
                }
                read(insn, insn.intOperand(2), t);
                write(insn, 0, INT);
            }
            case ADD, SUB, MUL, DIV, MOD, AND, OR, XOR, SHL, SHR, LT, LE, GT, GE -> {
                read(insn, insn.intOperand(1), INT);
                read(insn, insn.intOperand(2), INT);
                write(insn, 0, INT);
            }
            case NEG, BNOT, LNOT -> {
                read(insn, insn.intOperand(1), INT);
                write(insn, 0, INT);
            }
            case STR_EQ, STR_NE -> {
                read(insn, insn.intOperand(1), STR);
                read(insn, insn.intOperand(2), STR);
                write(insn, 0, INT);
            }
            case JZ, JNZ -> read(insn, insn.intOperand(0), INT);
            case FIELD -> write(insn, 0, INT);
            case FIELD_STR -> write(insn, 0, STR);
            case STACK -> write(insn, 0, STACK);
            case KADDR -> write(insn, 0, INT);
            case SYM -> {
                read(insn, insn.intOperand(1), INT);
                write(insn, 0, STACK);
            }
            case CTX -> write(insn, 0, code(Builtin.fromCode(insn.intOperand(1)).type()));
            case MAP_GET -> {
                MapDecl m = program.maps().get(insn.intOperand(1));
                readKeys(insn, m);
                write(insn, 0, code(m.readType()));
            }
            case MAP_SET -> {
                MapDecl m = program.maps().get(insn.intOperand(0));
                readKeys(insn, m);
                read(insn, insn.intOperand(2), code(m.valueType()));
            }
            case MAP_AGG -> {
                MapDecl m = program.maps().get(insn.intOperand(0));
                readKeys(insn, m);
                read(insn, insn.intOperand(2), INT);
            }
            case MAP_DEL -> readKeys(insn, program.maps().get(insn.intOperand(0)));
            case PRINTF -> {
                List<PrintfFormat.Conversion> conversions = PrintfFormat.parse(program.strings().get(insn.intOperand(0))).conversions();
                for (int i = 0; i < conversions.size(); i++) {
                    PrintfFormat.Conversion c = conversions.get(i);
                    int r = insn.regs()[i];
                    byte t = read(insn, r, UNDEFINED);
                    if (!c.accepts(type(t))) {
                        throw reject(insn, "printf argument " + (i + 1) + " (r" + r + ") is " + typeName(t) + ", but its conversion %"
                                + c.conversion() + " needs " + typeName(code(c.argumentType())));
                    }
                }
            }
            case PRINT_VAL -> read(insn, insn.intOperand(0), UNDEFINED);
            default -> {
            }
        }
    }

    private void readKeys(Instruction insn, MapDecl m) {
        for (int i = 0; i < insn.regs().length; i++) {
            int r = insn.regs()[i];
            byte t = read(insn, r, UNDEFINED);
            byte want = code(m.keyTypes().get(i));
            if (t != want) {
                throw reject(insn, "key " + (i + 1) + " of map " + m.name() + " (r" + r + ") is " + typeName(t) + ", but the map is keyed by "
                        + keyList(m));
            }
        }
    }

    /** Checks that r is assigned (and of type {@code want} unless UNDEFINED, meaning any type); returns its type. */
    private byte read(Instruction insn, int r, byte want) {
        byte t = types[r];
        if (t == UNDEFINED) {
            throw reject(insn, "reads r" + r + ", which is not assigned on every path to this instruction",
                    "assign the value before this point on every branch");
        }
        if (want != UNDEFINED && t != want) {
            throw reject(insn, "r" + r + " holds " + typeName(t) + ", but " + insn.opcode() + " needs " + typeName(want));
        }
        return t;
    }

    private void write(Instruction insn, int operand, byte type) {
        types[insn.intOperand(operand)] = type;
    }

    /** Jumps, loops and returns: where the state goes next. Structural checks apply even to unreachable code. */
    private void control(Instruction insn, byte[] code, boolean[] boundary) {
        switch (insn.opcode()) {
            case JMP -> {
                jump(insn, insn.operand(0), code, boundary);
                live = false;
            }
            case JZ, JNZ -> jump(insn, insn.operand(1), code, boundary);
            case LOOP -> openLoop(insn, code, boundary);
            case ENDLOOP -> closeLoop(insn);
            case RET -> {
                if (live) {
                    Frame frame = frames.peek();
                    frame.exitCost = Math.max(frame.exitCost, cost);
                }
                live = false;
            }
            default -> {
            }
        }
    }

    private void jump(Instruction insn, long offset, byte[] code, boolean[] boundary) {
        int target = target(insn, offset, code, boundary);
        Frame frame = frames.peek();
        if (target > frame.endPc) {
            throw reject(insn, "jumps to pc " + target + ", out of the body of the loop at pc " + frame.loopPc
                    + "; a jump inside a loop may go at most to its ENDLOOP at pc " + frame.endPc);
        }
        incoming.computeIfAbsent(target, k -> new ArrayList<>())
                .add(new Edge(insn, frame.loopPc, live ? types.clone() : null, cost));
    }

    private int target(Instruction insn, long offset, byte[] code, boolean[] boundary) {
        if (offset <= 0) {
            throw reject(insn, offset == 0 ? "jumps to itself; only forward jumps are allowed"
                    : "jumps backward (offset " + offset + "); only forward jumps are allowed, use a bounded loop instead");
        }
        long target = insn.pc() + offset;
        if (target >= code.length) {
            throw reject(insn, "jumps to pc " + target + ", past the end of the code (" + code.length + " bytes)");
        }
        if (!boundary[(int) target]) {
            throw reject(insn, "jumps to pc " + target + ", which is in the middle of an instruction");
        }
        return (int) target;
    }

    private void openLoop(Instruction insn, byte[] code, boolean[] boundary) {
        int end = target(insn, insn.operand(1), code, boundary);
        if (code[end] != (byte) Opcode.ENDLOOP.code()) {
            throw reject(insn, "the loop's end offset points at pc " + end + ", which is not an ENDLOOP");
        }
        if (frames.size() > Limits.MAX_LOOP_NESTING) {
            throw reject(insn, "loops are nested more than " + Limits.MAX_LOOP_NESTING + " deep");
        }
        frames.push(new Frame(insn, insn.pc(), end, types.clone(), cost, live));
        cost = 0;
    }

    private void closeLoop(Instruction insn) {
        Frame frame = frames.peek();
        if (frame.loop == null) {
            throw reject(insn, "ENDLOOP without a matching LOOP");
        }
        if (frame.endPc != insn.pc()) {
            throw reject(insn, "this ENDLOOP closes the loop at pc " + frame.loopPc + ", but that LOOP says its end is at pc "
                    + frame.endPc + "; loops must be properly nested");
        }
        frames.pop();
        if (!frame.reachable) {
            live = false;
            return;
        }
        if (live) {
            for (int r = 0; r < types.length; r++) {
                if (frame.entryTypes[r] != UNDEFINED && types[r] != frame.entryTypes[r]) {
                    throw reject(frame.loop, "loop body changes the type of r" + r + " (" + typeName(frame.entryTypes[r])
                            + " before the loop, " + typeName(types[r]) + " at the end of the body)");
                }
            }
        }
        long count = frame.loop.operand(0);
        long iteration = Math.max(live ? cost : 0, frame.exitCost);
        long whole = add(frame.entryCost, mul(count, iteration));
        if (whole > Limits.INSTRUCTION_BUDGET) {
            throw reject(frame.loop, "this loop may execute up to " + amount(whole) + " instructions per firing (" + count
                    + " iterations of up to " + amount(iteration) + "), over the budget of " + Limits.INSTRUCTION_BUDGET,
                    "lower the loop count or move work out of the loop");
        }
        Frame outer = frames.peek();
        if (frame.exitCost > 0 && count > 0) {
            outer.exitCost = Math.max(outer.exitCost, whole);
        }
        if (count == 0) {
            types = frame.entryTypes;
            cost = frame.entryCost;
            live = true;
        } else if (live) {
            cost = add(frame.entryCost, mul(count, cost));
        }
    }

    private String string(Instruction insn, int id) {
        if (id >= program.strings().size()) {
            throw reject(insn, "string s" + id + " does not exist (the string table has " + program.strings().size() + " entries)");
        }
        return program.strings().get(id);
    }

    private MapDecl map(Instruction insn, int id) {
        if (id >= program.maps().size()) {
            throw reject(insn, "map m" + id + " does not exist (the program declares " + program.maps().size() + " maps)");
        }
        return program.maps().get(id);
    }

    private VerifyException reject(Instruction insn, String message) {
        return reject(insn, message, "");
    }

    private VerifyException reject(Instruction insn, String message, String hint) {
        return diagnostics.reject(actionIndex, insn.pc(), "action " + actionIndex + " pc " + insn.pc() + ": " + insn + ": " + message, hint);
    }

    static long add(long a, long b) {
        return Math.min(a + b, COST_CAP);
    }

    static long mul(long a, long b) {
        if (a == 0 || b == 0) {
            return 0;
        }
        return a > COST_CAP / b ? COST_CAP : Math.min(a * b, COST_CAP);
    }

    static String amount(long n) {
        return n >= COST_CAP ? "more than " + COST_CAP : Long.toString(n);
    }

    private static byte code(ValueType t) {
        return switch (t) {
            case INT -> INT;
            case STR -> STR;
            case STACK -> STACK;
        };
    }

    private static ValueType type(byte t) {
        return switch (t) {
            case INT -> ValueType.INT;
            case STR -> ValueType.STR;
            default -> ValueType.STACK;
        };
    }

    private static String typeName(byte t) {
        return switch (t) {
            case INT -> "an integer";
            case STR -> "a string";
            case STACK -> "a stack";
            default -> "unassigned";
        };
    }

    static String keyList(MapDecl m) {
        return "(" + String.join(", ", m.keyTypes().stream().map(t -> t.name().toLowerCase()).toList()) + ")";
    }

    static String kindName(MapDecl m) {
        return m.kind().name().toLowerCase();
    }

    static String quote(String s) {
        return Disassembler.quote(s);
    }
}
