package dev.safetap.compiler;

import dev.safetap.bytecode.Action;
import dev.safetap.bytecode.Builtin;
import dev.safetap.bytecode.CodeBuilder;
import dev.safetap.bytecode.DebugInfo;
import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.LineEntry;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.StackKind;
import dev.safetap.bytecode.ValueType;
import dev.safetap.compiler.Ast.*;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Emits the bytecode of a checked script: one action per plan, the string table, the event
 * layouts (shared by identical formats), the maps and the probes. Locals live in the first
 * registers of an action; temporaries are allocated above them as a stack of slots that is reset
 * after every statement. A register holds one type for the whole action: each slot of the stack
 * has one register per type, so code inside a loop never changes the type of a register that was
 * set before the loop (the verifier requires a loop body to keep every register's type).
 */
final class CodeGen {
    private static final String DEFAULT_TIME_FORMAT = "%H:%M:%S\n";

    private final String sourceName;
    private final String source;
    private final CheckedScript checked;
    private final CompileOptions options;
    private final Diagnostics errors;
    private final Map<String, Integer> strings = new LinkedHashMap<>();
    private final List<EventLayout> layouts = new ArrayList<>();
    private final Map<List<Object>, Integer> layoutIds = new HashMap<>();

    /* State of the action being generated. */
    private CodeBuilder b;
    private ActionPlan plan;
    private Map<String, Integer> localRegs;
    /** Depth of the temporary stack, in slots. */
    private int top;
    /** The register of each slot for each type (indexed by ValueType ordinal), or -1 before the slot's first use. */
    private int[][] slotRegs;
    private int maxRegisters;

    CodeGen(String sourceName, String source, CheckedScript checked, CompileOptions options, Diagnostics errors) {
        this.sourceName = sourceName;
        this.source = source;
        this.checked = checked;
        this.options = options;
        this.errors = errors;
    }

    Program generate() {
        List<Action> actions = new ArrayList<>();
        List<ProbeDecl> probes = new ArrayList<>();
        List<LineEntry> lines = new ArrayList<>();
        for (ActionPlan p : checked.actions()) {
            int index = actions.size();
            actions.add(action(p));
            lines.addAll(b.lines(index));
            for (ResolvedProbe r : p.probes()) {
                int layout = r.format() == null ? -1 : layoutId(EventLayout.of(r.format()));
                probes.add(new ProbeDecl(r.kind(), r.name(), r.attach(), r.period(), layout, index));
            }
        }
        List<MapDecl> maps = checked.maps();
        return new Program(new ArrayList<>(strings.keySet()), layouts, maps, probes, actions,
                new DebugInfo(sourceName, source, lines));
    }

    private int layoutId(EventLayout layout) {
        List<Object> key = List.of(layout.recordSize(), layout.slots());
        Integer id = layoutIds.get(key);
        if (id == null) {
            id = layouts.size();
            layouts.add(layout);
            layoutIds.put(key, id);
        }
        return id;
    }

    private int string(String s) {
        return strings.computeIfAbsent(s, k -> strings.size());
    }

    private Action action(ActionPlan p) {
        plan = p;
        b = new CodeBuilder();
        localRegs = new HashMap<>();
        Clause c = p.clause();
        b.mark(c.line(), c.column());
        for (Map.Entry<String, ValueType> local : p.locals().entrySet()) {
            int r = localRegs.size();
            localRegs.put(local.getKey(), r);
            switch (local.getValue()) {
                case INT -> b.emit(Opcode.CONST_INT, r, 0);
                case STR -> b.emit(Opcode.CONST_STR, r, string(""));
                case STACK -> b.emit(Opcode.STACK, r, StackKind.KERNEL.code(), 0);
            }
        }
        top = 0;
        slotRegs = new int[ValueType.values().length][0];
        maxRegisters = localRegs.size();
        int skip = -1;
        if (c.predicate() != null) {
            skip = b.jumpForward(Opcode.JZ, expr(c.predicate()));
            top = 0;
        }
        statements(c.body());
        if (skip >= 0) {
            b.land(skip);
        }
        b.mark(c.line(), c.column());
        b.emit(Opcode.RET);
        if (maxRegisters > Limits.MAX_REGISTERS) {
            errors.error(c.line(), c.column(), "the action of this probe needs " + maxRegisters + " registers; at most "
                    + Limits.MAX_REGISTERS + " are available", "split long expressions or printf calls into several statements");
        }
        return b.build(Math.max(1, maxRegisters));
    }

    /** Pushes a slot holding a value of type {@code type}; returns its register. */
    private int alloc(ValueType type) {
        int slot = top++;
        int[] regs = slotRegs[type.ordinal()];
        if (slot >= regs.length) {
            int old = regs.length;
            regs = Arrays.copyOf(regs, Math.max(8, slot * 2));
            Arrays.fill(regs, old, regs.length, -1);
            slotRegs[type.ordinal()] = regs;
        }
        if (regs[slot] < 0) {
            regs[slot] = maxRegisters++;
        }
        return Math.min(regs[slot], Limits.MAX_REGISTERS - 1);
    }

    private int allocInt() {
        return alloc(ValueType.INT);
    }

    private void statements(List<Stmt> body) {
        for (Stmt s : body) {
            int mark = top;
            statement(s);
            top = mark;
            if (s instanceof ExprStmt e && e.expr() instanceof Call call && Signature.of(call.name()) == Signature.EXIT) {
                return;
            }
        }
    }

    private void statement(Stmt s) {
        b.mark(s.line(), s.column());
        if (s instanceof ExprStmt e) {
            if (e.expr() instanceof Call call && Signature.of(call.name()).result() == null) {
                callStatement(call);
            } else {
                expr(e.expr());
            }
        } else if (s instanceof Assign a) {
            assign(a);
        } else if (s instanceof If i) {
            int mark = top;
            int toElse = b.jumpForward(Opcode.JZ, expr(i.condition()));
            top = mark;
            statements(i.then());
            if (i.otherwise().isEmpty()) {
                b.land(toElse);
            } else {
                int toEnd = b.jumpForward(Opcode.JMP, 0);
                b.land(toElse);
                statements(i.otherwise());
                b.land(toEnd);
            }
        } else if (s instanceof Unroll u) {
            int loop = b.beginLoop(((IntLit) u.count()).value());
            statements(u.body());
            b.endLoop(loop);
        } else if (s instanceof For f) {
            int v = localRegs.get(f.variable().name());
            long start = ((IntLit) f.start()).value();
            long step = ((IntLit) f.step()).value();
            b.emit(Opcode.CONST_INT, v, start);
            int loop = b.beginLoop(TypeChecker.tripCount(start, ((IntLit) f.bound()).value(), f.inclusive(), step));
            statements(f.body());
            b.mark(f.step().line(), f.step().column());
            int t = allocInt();
            b.emit(Opcode.CONST_INT, t, step);
            b.emit(Opcode.ADD, v, v, t);
            b.endLoop(loop);
        }
    }

    private void assign(Assign a) {
        if (a.target() instanceof Local l) {
            int dst = localRegs.get(l.name());
            int v = expr(a.value());
            b.mark(a.line(), a.column());
            if (a.op().isEmpty()) {
                if (v != dst) {
                    b.emit(Opcode.MOV, dst, v);
                }
            } else {
                b.emit(arithmetic(a.op()), dst, dst, v);
            }
        } else if (a.target() instanceof MapRef m) {
            int id = checked.mapIds().get(m.name());
            int[] keys = keys(m);
            if (a.value() instanceof Call call && Signature.aggregation(call) != null) {
                int v;
                if (call.args().isEmpty()) {
                    v = allocInt();
                    b.emit(Opcode.CONST_INT, v, 1);
                } else {
                    v = expr(call.args().get(0));
                }
                b.mark(a.line(), a.column());
                b.emitRegs(Opcode.MAP_AGG, keys, id, 0, v);
            } else if (a.op().isEmpty()) {
                int v = expr(a.value());
                b.mark(a.line(), a.column());
                b.emitRegs(Opcode.MAP_SET, keys, id, 0, v);
            } else {
                int cur = allocInt();
                b.emitRegs(Opcode.MAP_GET, keys, cur, id, 0);
                int v = expr(a.value());
                b.mark(a.line(), a.column());
                b.emit(arithmetic(a.op()), cur, cur, v);
                b.emitRegs(Opcode.MAP_SET, keys, id, 0, cur);
            }
        } else if (a.target() instanceof SelfVar t) {
            int id = checked.mapIds().get("self->" + t.name());
            int key = tid();
            if (a.op().isEmpty()) {
                if (a.value() instanceof IntLit lit && lit.value() == 0) {
                    b.mark(a.line(), a.column());
                    b.emitRegs(Opcode.MAP_DEL, new int[] {key}, id, 0);
                    return;
                }
                int v = expr(a.value());
                b.mark(a.line(), a.column());
                storeThreadLocal(id, key, v, plan.types().get(a.value()));
            } else {
                int cur = allocInt();
                b.emitRegs(Opcode.MAP_GET, new int[] {key}, cur, id, 0);
                int v = expr(a.value());
                b.mark(a.line(), a.column());
                b.emit(arithmetic(a.op()), cur, cur, v);
                storeThreadLocal(id, key, cur, ValueType.INT);
            }
        } else {
            throw new IllegalStateException("the checker let through an assignment to " + a.target());
        }
    }

    /** Stores a thread-local; an integer 0 deletes the entry instead, as in DTrace. */
    private void storeThreadLocal(int id, int key, int v, ValueType type) {
        if (type != ValueType.INT) {
            b.emitRegs(Opcode.MAP_SET, new int[] {key}, id, 0, v);
            return;
        }
        int toSet = b.jumpForward(Opcode.JNZ, v);
        b.emitRegs(Opcode.MAP_DEL, new int[] {key}, id, 0);
        int toEnd = b.jumpForward(Opcode.JMP, 0);
        b.land(toSet);
        b.emitRegs(Opcode.MAP_SET, new int[] {key}, id, 0, v);
        b.land(toEnd);
    }

    private int tid() {
        int r = allocInt();
        b.emit(Opcode.CTX, r, Builtin.TID.code());
        return r;
    }

    private int[] keys(MapRef m) {
        int[] regs = new int[m.keys().size()];
        for (int i = 0; i < regs.length; i++) {
            regs[i] = expr(m.keys().get(i));
        }
        return regs;
    }

    private int[] keysOf(Expr target) {
        return target instanceof MapRef m ? keys(m) : new int[] {tid()};
    }

    private int mapId(Expr target) {
        return checked.mapIds().get(target instanceof MapRef m ? m.name() : "self->" + ((SelfVar) target).name());
    }

    private void callStatement(Call c) {
        List<Expr> args = c.args();
        switch (Signature.of(c.name())) {
            case PRINTF -> {
                int[] regs = new int[args.size() - 1];
                for (int i = 1; i < args.size(); i++) {
                    regs[i - 1] = expr(args.get(i));
                }
                b.mark(c.line(), c.column());
                b.emitRegs(Opcode.PRINTF, regs, string(((StrLit) args.get(0)).value()), 0);
            }
            case PRINT, PRINTA -> {
                if (args.get(0) instanceof MapRef m && m.keys().isEmpty()) {
                    long topN = args.size() > 1 ? ((IntLit) args.get(1)).value() : 0;
                    long div = args.size() > 2 ? ((IntLit) args.get(2)).value() : 0;
                    b.emit(Opcode.MAP_PRINT, mapId(m), topN, div);
                } else {
                    int r = expr(args.get(0));
                    b.mark(c.line(), c.column());
                    b.emit(Opcode.PRINT_VAL, r);
                }
            }
            case CLEAR -> b.emit(Opcode.MAP_CLEAR, mapId(args.get(0)));
            case ZERO -> b.emit(Opcode.MAP_ZERO, mapId(args.get(0)));
            case TRUNC -> b.emit(Opcode.MAP_TRUNC, mapId(args.get(0)), args.size() > 1 ? ((IntLit) args.get(1)).value() : 0);
            case DELETE -> {
                int[] keys = keysOf(args.get(0));
                b.mark(c.line(), c.column());
                b.emitRegs(Opcode.MAP_DEL, keys, mapId(args.get(0)), 0);
            }
            case EXIT -> {
                // Returns in place: a RET may stand inside a loop body, a jump out of the body may not.
                b.emit(Opcode.EXIT);
                b.emit(Opcode.RET);
            }
            case TIME -> b.emit(Opcode.TIME, string(args.isEmpty() ? DEFAULT_TIME_FORMAT : ((StrLit) args.get(0)).value()));
            default -> throw new IllegalStateException("the checker let through a call of " + c.name());
        }
    }

    private static Opcode arithmetic(String op) {
        return switch (op) {
            case "+" -> Opcode.ADD;
            case "-" -> Opcode.SUB;
            case "*" -> Opcode.MUL;
            case "/" -> Opcode.DIV;
            case "%" -> Opcode.MOD;
            case "&" -> Opcode.AND;
            case "|" -> Opcode.OR;
            case "^" -> Opcode.XOR;
            case "<<" -> Opcode.SHL;
            case ">>" -> Opcode.SHR;
            case "==" -> Opcode.EQ;
            case "!=" -> Opcode.NE;
            case "<" -> Opcode.LT;
            case "<=" -> Opcode.LE;
            case ">" -> Opcode.GT;
            case ">=" -> Opcode.GE;
            default -> throw new IllegalStateException("no opcode for operator " + op);
        };
    }

    /** Emits code computing e; returns the register holding it (a local's own register for a local). */
    private int expr(Expr e) {
        b.mark(e.line(), e.column());
        if (e instanceof IntLit i) {
            int r = allocInt();
            b.emit(Opcode.CONST_INT, r, i.value());
            return r;
        } else if (e instanceof StrLit s) {
            int r = alloc(ValueType.STR);
            b.emit(Opcode.CONST_STR, r, string(s.value()));
            return r;
        } else if (e instanceof Ident id) {
            return identifier(id);
        } else if (e instanceof Field f) {
            return fieldRead(f);
        } else if (e instanceof Positional p) {
            int r = alloc(plan.types().get(p));
            String v = p.number() <= options.positionalParams().size() ? options.positionalParams().get(p.number() - 1) : null;
            if (plan.types().get(p) == ValueType.STR) {
                b.emit(Opcode.CONST_STR, r, string(v == null ? "" : v));
            } else {
                b.emit(Opcode.CONST_INT, r, v == null ? 0 : CompileOptions.parseNumber(v));
            }
            return r;
        } else if (e instanceof ParamCount pc) {
            int r = allocInt();
            b.emit(Opcode.CONST_INT, r, options.positionalParams().size());
            return r;
        } else if (e instanceof MapRef m) {
            return readMap(m);
        } else if (e instanceof Local l) {
            return localRegs.get(l.name());
        } else if (e instanceof SelfVar t) {
            return readMap(t);
        } else if (e instanceof Unary u) {
            int mark = top;
            int v = expr(u.operand());
            top = mark;
            int r = allocInt();
            b.mark(u.line(), u.column());
            b.emit(switch (u.op()) {
                case "!" -> Opcode.LNOT;
                case "~" -> Opcode.BNOT;
                default -> Opcode.NEG;
            }, r, v);
            return r;
        } else if (e instanceof Binary bin) {
            return binary(bin);
        } else if (e instanceof Ternary t) {
            int mark = top;
            int r = alloc(plan.types().get(t));
            int toElse = b.jumpForward(Opcode.JZ, expr(t.condition()));
            top = mark + 1;
            b.emit(Opcode.MOV, r, expr(t.then()));
            top = mark + 1;
            int toEnd = b.jumpForward(Opcode.JMP, 0);
            b.land(toElse);
            b.emit(Opcode.MOV, r, expr(t.otherwise()));
            b.land(toEnd);
            top = mark + 1;
            return r;
        } else if (e instanceof Call c) {
            return call(c);
        }
        return update((Update) e);
    }

    /** A call yielding a value: str() of a string is that string; stacks and symbols. */
    private int call(Call c) {
        Signature s = Signature.of(c.name());
        if (s.isStack()) {
            return stack(s, CallChecker.perfMode(c), CallChecker.frames(c));
        }
        if (s == Signature.KADDR) {
            int r = allocInt();
            b.emit(Opcode.KADDR, r, string(((StrLit) c.args().get(0)).value()));
            return r;
        }
        if (s == Signature.KSYM || s == Signature.USYM) {
            int mark = top;
            int address = expr(c.args().get(0));
            top = mark;
            int r = alloc(ValueType.STACK);
            b.mark(c.line(), c.column());
            b.emit(Opcode.SYM, r, address, (s == Signature.KSYM ? StackKind.KERNEL_SYMBOL : StackKind.USER_SYMBOL).code());
            return r;
        }
        return expr(c.args().get(0));
    }

    private int stack(Signature s, boolean perf, int frames) {
        int r = alloc(ValueType.STACK);
        b.emit(Opcode.STACK, r, StackKind.stack(s == Signature.USTACK, perf).code(), frames);
        return r;
    }

    private int identifier(Ident id) {
        Signature s = Signature.of(id.name());
        if (s.isStack()) {
            return stack(s, false, Limits.MAX_STACK_FRAMES);
        }
        if (s.kind() != Signature.Kind.CONTEXT) {
            return fieldRead(id);
        }
        Builtin builtin = s.builtin();
        int r = alloc(builtin.type());
        if (builtin == Builtin.PROBE && plan.probes().size() == 1) {
            b.emit(Opcode.CONST_STR, r, string(plan.probes().get(0).name()));
        } else {
            b.emit(Opcode.CTX, r, builtin.code());
        }
        return r;
    }

    private int fieldRead(Expr e) {
        int slot = plan.slots().get(e);
        LayoutSlot s = plan.layout().slots().get(slot);
        int r = alloc(s.isString() ? ValueType.STR : ValueType.INT);
        b.emit(s.isString() ? Opcode.FIELD_STR : Opcode.FIELD, r, slot);
        return r;
    }

    private int readMap(Expr target) {
        int mark = top;
        int[] keys = keysOf(target);
        top = mark;
        int id = mapId(target);
        int r = alloc(checked.maps().get(id).readType());
        b.mark(target.line(), target.column());
        b.emitRegs(Opcode.MAP_GET, keys, r, id, 0);
        return r;
    }

    private int binary(Binary bin) {
        String op = bin.op();
        if (op.equals("&&") || op.equals("||")) {
            boolean and = op.equals("&&");
            Opcode skip = and ? Opcode.JZ : Opcode.JNZ;
            int mark = top;
            int r = allocInt();
            int first = b.jumpForward(skip, expr(bin.left()));
            top = mark + 1;
            int c = expr(bin.right());
            b.mark(bin.line(), bin.column());
            int second = b.jumpForward(skip, c);
            b.emit(Opcode.CONST_INT, r, and ? 1 : 0);
            int toEnd = b.jumpForward(Opcode.JMP, 0);
            b.land(first);
            b.land(second);
            b.emit(Opcode.CONST_INT, r, and ? 0 : 1);
            b.land(toEnd);
            top = mark + 1;
            return r;
        }
        int mark = top;
        int l = expr(bin.left());
        int rr = expr(bin.right());
        top = mark;
        int d = allocInt();
        b.mark(bin.line(), bin.column());
        Opcode opcode = arithmetic(op);
        if (plan.types().get(bin.left()) == ValueType.STR) {
            opcode = op.equals("==") ? Opcode.STR_EQ : Opcode.STR_NE;
        }
        b.emit(opcode, d, l, rr);
        return d;
    }

    private int update(Update u) {
        Opcode op = u.increment() ? Opcode.ADD : Opcode.SUB;
        if (u.target() instanceof Local l) {
            int v = localRegs.get(l.name());
            int mark = top;
            int old = -1;
            if (!u.prefix()) {
                old = allocInt();
                b.emit(Opcode.MOV, old, v);
            }
            int one = allocInt();
            b.emit(Opcode.CONST_INT, one, 1);
            b.emit(op, v, v, one);
            top = u.prefix() ? mark : mark + 1;
            return u.prefix() ? v : old;
        }
        int id = mapId(u.target());
        int[] keys = keysOf(u.target());
        int old = allocInt();
        b.emitRegs(Opcode.MAP_GET, keys, old, id, 0);
        int one = allocInt();
        b.emit(Opcode.CONST_INT, one, 1);
        int now = allocInt();
        b.emit(op, now, old, one);
        if (u.target() instanceof SelfVar) {
            storeThreadLocal(id, keys[0], now, ValueType.INT);
        } else {
            b.emitRegs(Opcode.MAP_SET, keys, id, 0, now);
        }
        return u.prefix() ? now : old;
    }
}
