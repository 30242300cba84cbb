package dev.safetap.session;

import dev.safetap.bytecode.Builtin;
import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.Instruction;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.SlotKind;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.vm.MapStore;
import dev.safetap.vm.ProgramState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Reads off a probe's verified bytecode what the kernel can do for it: a tracepoint filter that keeps
 * every event on which the action has any effect, and whether the action does nothing but add one to a
 * constant key of a count map (so the kernel can count its firings and no sample is needed).
 *
 * <p>The action is executed symbolically along every path (jumps are forward only, so paths are finite;
 * actions with loops or more than {@value #MAX_PATHS} paths get no filter). Registers hold constants,
 * record fields, {@code tid} (the record's {@code common_pid}), {@code comm}, comparisons of those with
 * constants, or "unknown". A path is <em>kept</em> at its first effect (a map update, output, exit) or at
 * its first branch on an unknown value, with the conditions gathered so far; a path that returns without
 * an effect is dropped. The filter is the disjunction of the kept paths' conditions, so it admits every
 * event the action could act on: the VM still evaluates the whole action, and a filter can only spare it
 * events it would ignore. {@code pid} is never pushed into a filter: it is the process id, while a filter can
 * only compare the thread id. When every kept path requires {@code pid == cpid}, the probe is instead
 * <em>scoped to the command</em>: its events can be opened on the command's task alone, inherited by the threads
 * it starts ({@code -c} starts a process of one thread). Other comparisons of {@code pid} are taken as true in
 * the filter, which only makes it admit more. The current task's name is {@code COMM}, the kernel's generic field: a filter looks a
 * name up among the event's own fields first, so {@code comm} on {@code sched:sched_wakeup} would be the woken
 * task's name from the record, not the name of the task the event happened in.
 *
 * <p>Each comparison is translated with the VM's semantics: integers are compared as signed 64-bit values
 * after sign or zero extension, while the kernel compares in the field's own type; constants outside the
 * field's range become true or false, and ordering tests on unsigned 64-bit fields are bounded so that
 * values at or above 2^63 (negative for the VM) fall on the same side as in the VM.
 */
public final class PushdownAnalysis {
    /** Paths explored per action before giving up on a filter. */
    static final int MAX_PATHS = 256;
    /** The kernel copies at most a page of filter text. */
    static final int MAX_FILTER_LENGTH = 4000;
    private static final long U64_SIGNED_MAX = Long.MAX_VALUE;
    /** The operand name of {@code pid}: no filter can compare it, only a task scope serves it. */
    private static final String PID = "(pid)";

    /**
     * What the kernel can do for one probe.
     *
     * @param filter        a tracefs filter admitting every event the action acts on, or null for none
     * @param count         the single count update the action makes, when that is all it does; else null. The
     *                      filter, within the command's process when {@code commandScoped}, admits exactly the
     *                      events on which it is made.
     * @param commandScoped the action acts only on events of the {@code -c} command's process ({@code pid == cpid})
     */
    public record Pushdown(String filter, CountUpdate count, boolean commandScoped) {
        public static final Pushdown NONE = new Pushdown(null, null, false);
    }

    /** Adds one to {@code key} (Long and String components) of count map {@code map}. */
    public record CountUpdate(int map, List<Object> key) {
        /**
         * Makes in {@code state} the updates {@code n} firings would have made: the key loaded as the VM builds
         * it (strings cut at the string limit), the count raised by {@code n}.
         */
        public void addTo(ProgramState state, long n) {
            if (n == 0) {
                return;
            }
            MapStore m = state.map(map);
            for (int k = 0; k < key.size(); k++) {
                if (key.get(k) instanceof String s) {
                    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
                    m.keyString(k, utf8, utf8.length);
                } else {
                    m.keyInt(k, (Long) key.get(k));
                }
            }
            m.addCount(n);
        }
    }

    /* Symbolic register values. */
    private sealed interface Value permits IntConst, StrConst, IntOperand, CommOperand, Condition, Unknown {
    }

    private record IntConst(long value) implements Value {
    }

    private record StrConst(String value) implements Value {
    }

    /** An integer the kernel filter can name: a record field or common_pid. */
    private record IntOperand(String name, SlotKind kind, int size) implements Value {
    }

    private record CommOperand() implements Value {
    }

    /** A 0/1 value that is 1 exactly when the formula holds. */
    private record Condition(Formula formula) implements Value {
    }

    private record Unknown() implements Value {
    }

    /* Filter formulas, negations pushed to the leaves. */
    private sealed interface Formula permits Leaf, All, Any, Truth {
    }

    private record Leaf(String name, String op, String value) implements Formula {
    }

    private record All(List<Formula> parts) implements Formula {
    }

    private record Any(List<Formula> parts) implements Formula {
    }

    private record Truth(boolean value) implements Formula {
    }

    private static final Truth TRUE = new Truth(true);
    private static final Truth FALSE = new Truth(false);
    private static final Unknown UNKNOWN = new Unknown();
    private static final Map<String, String> NEGATED = Map.of("==", "!=", "!=", "==", "<", ">=", ">=", "<",
            ">", "<=", "<=", ">");
    private static final Map<String, String> MIRRORED = Map.of("==", "==", "!=", "!=", "<", ">", ">", "<",
            "<=", ">=", ">=", "<=");

    private final Program program;
    private final ProbeDecl probe;
    private final EventLayout layout;
    private final List<Instruction> code;
    private final long cpid;
    private final List<Formula> kept = new ArrayList<>();
    private final List<Formula> counted = new ArrayList<>();
    private CountUpdate countUpdate;
    private boolean countOnly = true;
    private int paths;

    private PushdownAnalysis(Program program, ProbeDecl probe, long cpid) {
        this.program = program;
        this.probe = probe;
        this.layout = probe.layout() < 0 ? null : program.layouts().get(probe.layout());
        this.code = decode(program.actions().get(probe.action()).code());
        this.cpid = cpid;
    }

    /**
     * Analyses tracepoint, software, hardware or uprobe probe {@code probeIndex} of a verified program; {@code cpid}
     * is the value the VM gives the {@code cpid} builtin in this run. Other probe kinds get {@link Pushdown#NONE}; of
     * a software, hardware or uprobe probe, which has no tracefs filter, only {@link Pushdown#commandScoped} is of
     * use. Only a verified program is analysed: the walk relies on its jumps landing on instructions, its layout
     * slots existing and its registers being typed.
     */
    public static Pushdown of(VerifiedProgram verified, int probeIndex, long cpid) {
        Program program = verified.program();
        ProbeDecl probe = program.probes().get(probeIndex);
        if (probe.kind() != ProbeKind.TRACEPOINT && probe.kind() != ProbeKind.SOFTWARE && probe.kind() != ProbeKind.HARDWARE
                && probe.kind() != ProbeKind.UPROBE && probe.kind() != ProbeKind.URETPROBE) {
            return Pushdown.NONE;
        }
        return new PushdownAnalysis(program, probe, cpid).analyse();
    }

    private Pushdown analyse() {
        Value[] registers = new Value[program.actions().get(probe.action()).registers()];
        Arrays.fill(registers, UNKNOWN);
        if (!walk(0, registers, new ArrayList<>(), null)) {
            return Pushdown.NONE;
        }
        Formula admitted = any(kept);
        Leaf inCommand = new Leaf(PID, "==", Long.toString(cpid));
        boolean scoped = cpid > 0 && requires(admitted, inCommand);
        Formula rest = scoped ? without(admitted, inCommand) : admitted;
        boolean exact = !mentions(rest, PID);
        Formula kernel = exact ? rest : pidTaken(rest);
        String filter = kernel.equals(TRUE) ? null : render(kernel, null);
        if (filter != null && filter.length() > MAX_FILTER_LENGTH) {
            return Pushdown.NONE;
        }
        boolean servesCount = countOnly && countUpdate != null && kept.size() == counted.size() && exact;
        return new Pushdown(filter, servesCount ? countUpdate : null, scoped);
    }

    /** True if {@code f} implies {@code leaf} syntactically: it is the leaf, a conjunction with it, or a disjunction of such. */
    private static boolean requires(Formula f, Leaf leaf) {
        if (f instanceof All a) {
            return a.parts().contains(leaf);
        }
        if (f instanceof Any a) {
            return a.parts().stream().allMatch(p -> requires(p, leaf));
        }
        return f.equals(leaf);
    }

    /** {@code f} with {@code leaf} taken as true where {@link #requires} found it. */
    private static Formula without(Formula f, Leaf leaf) {
        if (f instanceof All a) {
            return all(a.parts().stream().map(p -> p.equals(leaf) ? TRUE : p).toList());
        }
        if (f instanceof Any a) {
            return any(a.parts().stream().map(p -> without(p, leaf)).toList());
        }
        return f.equals(leaf) ? TRUE : f;
    }

    private static boolean mentions(Formula f, String operand) {
        if (f instanceof Leaf l) {
            return l.name().equals(operand);
        }
        List<Formula> parts = f instanceof All a ? a.parts() : f instanceof Any a ? a.parts() : List.of();
        return parts.stream().anyMatch(p -> mentions(p, operand));
    }

    /** {@code f} with every comparison of {@code pid} taken as true: negations are at the leaves, so it admits more. */
    private static Formula pidTaken(Formula f) {
        if (f instanceof Leaf l) {
            return l.name().equals(PID) ? TRUE : l;
        }
        if (f instanceof All a) {
            return all(a.parts().stream().map(PushdownAnalysis::pidTaken).toList());
        }
        if (f instanceof Any a) {
            return any(a.parts().stream().map(PushdownAnalysis::pidTaken).toList());
        }
        return f;
    }

    /**
     * Follows every path from instruction {@code at}; false when the analysis must give up (too many paths,
     * a loop). {@code update} is the count update already made on this path, if any.
     */
    private boolean walk(int at, Value[] regs, List<Formula> conditions, CountUpdate update) {
        for (int i = at; i < code.size(); i++) {
            Instruction in = code.get(i);
            switch (in.opcode()) {
                case NOP -> {
                }
                case CONST_INT -> regs[in.intOperand(0)] = new IntConst(in.operand(1));
                case CONST_STR -> regs[in.intOperand(0)] = new StrConst(program.strings().get(in.intOperand(1)));
                case MOV -> regs[in.intOperand(0)] = regs[in.intOperand(1)];
                case NEG -> regs[in.intOperand(0)] = regs[in.intOperand(1)] instanceof IntConst c
                        ? new IntConst(-c.value()) : UNKNOWN;
                case ADD, SUB, MUL, AND, OR, XOR, SHL, SHR, BNOT -> regs[in.intOperand(0)] = UNKNOWN;
                case DIV, MOD -> {
                    if (!(regs[in.intOperand(2)] instanceof IntConst divisor) || divisor.value() == 0) {
                        return keep(conditions, update, false);
                    }
                    regs[in.intOperand(0)] = UNKNOWN;
                }
                case LNOT -> regs[in.intOperand(0)] = not(regs[in.intOperand(1)]);
                case EQ, NE, LT, LE, GT, GE -> regs[in.intOperand(0)] =
                        compare(regs[in.intOperand(1)], operator(in.opcode()), regs[in.intOperand(2)]);
                case STR_EQ, STR_NE -> regs[in.intOperand(0)] = compareStrings(regs[in.intOperand(1)],
                        in.opcode() == Opcode.STR_EQ, regs[in.intOperand(2)]);
                case FIELD -> regs[in.intOperand(0)] = field(layout.slots().get(in.intOperand(1)));
                case FIELD_STR, MAP_GET -> regs[in.intOperand(0)] = UNKNOWN;
                case CTX -> regs[in.intOperand(0)] = builtin(Builtin.fromCode(in.intOperand(1)));
                case JMP -> {
                    return walk(target(in), regs, conditions, update);
                }
                case JZ, JNZ -> {
                    Formula truth = truth(regs[in.intOperand(0)]);
                    if (truth == null) {
                        return keep(conditions, update, false);
                    }
                    Formula jumpIf = in.opcode() == Opcode.JZ ? negate(truth) : truth;
                    return branch(target(in), regs, conditions, jumpIf, update)
                            && branch(i + 1, regs, conditions, negate(jumpIf), update);
                }
                case RET -> {
                    return update == null || keep(conditions, update, true);
                }
                case MAP_AGG -> {
                    CountUpdate made = countUpdate(in, regs);
                    if (made == null || update != null) {
                        return keep(conditions, update, false);
                    }
                    update = made;
                }
                default -> {
                    return keep(conditions, update, false);
                }
            }
        }
        return false;
    }

    private boolean branch(int to, Value[] regs, List<Formula> conditions, Formula condition, CountUpdate update) {
        if (++paths > MAX_PATHS) {
            return false;
        }
        if (condition.equals(FALSE)) {
            return true;
        }
        List<Formula> more = new ArrayList<>(conditions);
        if (!condition.equals(TRUE)) {
            more.add(condition);
        }
        return walk(to, regs.clone(), more, update);
    }

    /** Keeps a path; it counts towards count-only serving only if it made exactly its update and returned. */
    private boolean keep(List<Formula> conditions, CountUpdate update, boolean returnedAfterUpdate) {
        Formula path = all(conditions);
        kept.add(path);
        if (returnedAfterUpdate && (countUpdate == null || countUpdate.equals(update))) {
            countUpdate = update;
            counted.add(path);
        } else {
            countOnly = false;
        }
        return true;
    }

    private CountUpdate countUpdate(Instruction in, Value[] regs) {
        int mapId = in.intOperand(0);
        MapDecl map = program.maps().get(mapId);
        if (map.kind() != MapKind.COUNT || map.threadLocal()) {
            return null;
        }
        List<Object> key = new ArrayList<>();
        for (int r : in.regs()) {
            if (regs[r] instanceof IntConst c) {
                key.add(c.value());
            } else if (regs[r] instanceof StrConst s) {
                key.add(s.value());
            } else {
                return null;
            }
        }
        return new CountUpdate(mapId, List.copyOf(key));
    }

    private Value builtin(Builtin builtin) {
        return switch (builtin) {
            case TID -> new IntOperand("common_pid", SlotKind.SIGNED, 4);
            case PID -> new IntOperand(PID, SlotKind.SIGNED, 4);
            case COMM -> new CommOperand();
            case PROBE -> new StrConst(probe.name());
            case CPID -> new IntConst(cpid);
            default -> UNKNOWN;
        };
    }

    private static Value field(LayoutSlot slot) {
        boolean integer = slot.kind() == SlotKind.SIGNED || slot.kind() == SlotKind.UNSIGNED;
        if (!integer || slot.name().indexOf('[') >= 0 || !slot.name().matches("[A-Za-z_][A-Za-z0-9_]*")) {
            return UNKNOWN;
        }
        return new IntOperand(slot.name(), slot.kind(), slot.size());
    }

    private static Value not(Value v) {
        if (v instanceof IntConst c) {
            return new IntConst(c.value() == 0 ? 1 : 0);
        }
        Formula truth = truth(v);
        return truth == null ? UNKNOWN : new Condition(negate(truth));
    }

    /** The formula under which a branch on {@code v} sees a non-zero value, or null when it cannot be told. */
    private static Formula truth(Value v) {
        if (v instanceof IntConst c) {
            return c.value() != 0 ? TRUE : FALSE;
        }
        if (v instanceof Condition c) {
            return c.formula();
        }
        if (v instanceof IntOperand o) {
            return leaf(o, "!=", 0);
        }
        return null;
    }

    private static Value compare(Value left, String op, Value right) {
        if (left instanceof IntConst a && right instanceof IntConst b) {
            return new IntConst(holds(a.value(), op, b.value()) ? 1 : 0);
        }
        Formula f = null;
        if (left instanceof IntOperand o && right instanceof IntConst c) {
            f = leaf(o, op, c.value());
        } else if (left instanceof IntConst c && right instanceof IntOperand o) {
            f = leaf(o, MIRRORED.get(op), c.value());
        }
        return f == null ? UNKNOWN : new Condition(f);
    }

    private static Value compareStrings(Value left, boolean equal, Value right) {
        if (left instanceof StrConst a && right instanceof StrConst b) {
            return new IntConst(Arrays.equals(cut(a.value()), cut(b.value())) == equal ? 1 : 0);
        }
        StrConst constant = left instanceof StrConst s ? s : right instanceof StrConst s ? s : null;
        boolean comm = left instanceof CommOperand || right instanceof CommOperand;
        if (!comm || constant == null || !plainComm(constant.value())) {
            return UNKNOWN;
        }
        return new Condition(new Leaf("COMM", equal ? "==" : "!=", "\"" + constant.value() + "\""));
    }

    /**
     * A name the kernel compares exactly as the VM does: 1 to 15 printable ASCII bytes (a longer one never
     * equals a comm) and none of the characters that make the kernel read it as a glob or end the string.
     */
    private static boolean plainComm(String s) {
        return !s.isEmpty() && s.length() <= 15 && s.chars().allMatch(ch -> ch > 0x20 && ch < 0x7f
                && "*?[]!\"\\".indexOf(ch) < 0);
    }

    /** The bytes the VM holds for a string constant: its UTF-8, cut at the string limit. */
    private static byte[] cut(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        return utf8.length <= Limits.MAX_STRING ? utf8 : Arrays.copyOf(utf8, Limits.MAX_STRING);
    }

    /** {@code operand op value} with the VM's signed 64-bit semantics, as a kernel filter formula. */
    private static Formula leaf(IntOperand o, String op, long value) {
        if (o.kind() == SlotKind.UNSIGNED && o.size() == 8) {
            if (value < 0) {
                return op.equals("==") || op.equals("!=") ? new Leaf(o.name(), op, Long.toUnsignedString(value))
                        : null;
            }
            Leaf test = new Leaf(o.name(), op, Long.toString(value));
            return switch (op) {
                case ">", ">=" -> all(List.of(test, new Leaf(o.name(), "<=", Long.toString(U64_SIGNED_MAX))));
                case "<", "<=" -> any(List.of(test, new Leaf(o.name(), ">", Long.toString(U64_SIGNED_MAX))));
                default -> test;
            };
        }
        long min = o.kind() == SlotKind.SIGNED ? -(1L << (8 * o.size() - 1)) : 0;
        long max = o.kind() == SlotKind.SIGNED ? (1L << (8 * o.size() - 1)) - 1 : (1L << (8 * o.size())) - 1;
        if (value < min || value > max) {
            return holds(value < min ? max : min, op, value) ? TRUE : FALSE;
        }
        return new Leaf(o.name(), op, Long.toString(value));
    }

    private static boolean holds(long a, String op, long b) {
        return switch (op) {
            case "==" -> a == b;
            case "!=" -> a != b;
            case "<" -> a < b;
            case "<=" -> a <= b;
            case ">" -> a > b;
            default -> a >= b;
        };
    }

    private static Formula negate(Formula f) {
        if (f instanceof Leaf l) {
            return new Leaf(l.name(), NEGATED.get(l.op()), l.value());
        }
        if (f instanceof All a) {
            return any(a.parts().stream().map(PushdownAnalysis::negate).toList());
        }
        if (f instanceof Any a) {
            return all(a.parts().stream().map(PushdownAnalysis::negate).toList());
        }
        return ((Truth) f).value() ? FALSE : TRUE;
    }

    private static Formula all(List<Formula> parts) {
        List<Formula> kept = new ArrayList<>();
        for (Formula p : parts) {
            if (p == null) {
                return null;
            }
            if (p.equals(FALSE)) {
                return FALSE;
            }
            if (!p.equals(TRUE)) {
                kept.add(p);
            }
        }
        return kept.isEmpty() ? TRUE : kept.size() == 1 ? kept.get(0) : new All(kept);
    }

    private static Formula any(List<Formula> parts) {
        List<Formula> kept = new ArrayList<>();
        for (Formula p : parts) {
            if (p == null) {
                return null;
            }
            if (p.equals(TRUE)) {
                return TRUE;
            }
            if (!p.equals(FALSE)) {
                kept.add(p);
            }
        }
        return kept.isEmpty() ? FALSE : kept.size() == 1 ? kept.get(0) : new Any(kept);
    }

    private static String render(Formula f, Formula parent) {
        if (f instanceof Leaf l) {
            return l.name() + " " + l.op() + " " + l.value();
        }
        if (f instanceof Truth t) {
            return t.value() ? "common_pid >= -2147483648" : "common_pid < -2147483648";
        }
        boolean and = f instanceof All;
        List<Formula> parts = and ? ((All) f).parts() : ((Any) f).parts();
        List<String> texts = new ArrayList<>();
        for (Formula p : parts) {
            texts.add(render(p, f));
        }
        String text = String.join(and ? " && " : " || ", texts);
        return parent == null ? text : "(" + text + ")";
    }

    private static String operator(Opcode op) {
        return switch (op) {
            case EQ -> "==";
            case NE -> "!=";
            case LT -> "<";
            case LE -> "<=";
            case GT -> ">";
            default -> ">=";
        };
    }

    private int target(Instruction jump) {
        int pc = jump.pc() + jump.intOperand(jump.opcode() == Opcode.JMP ? 0 : 1);
        for (int i = 0; i < code.size(); i++) {
            if (code.get(i).pc() == pc) {
                return i;
            }
        }
        throw new IllegalStateException("jump to pc " + pc + " is not an instruction start; the verifier rejects such code");
    }

    private static List<Instruction> decode(byte[] bytes) {
        List<Instruction> out = new ArrayList<>();
        for (int pc = 0; pc < bytes.length; ) {
            Instruction in = Instruction.decode(bytes, pc);
            out.add(in);
            pc += in.length();
        }
        return out;
    }
}
