package dev.safetap.compiler;

import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.SlotKind;
import dev.safetap.bytecode.ValueType;
import dev.safetap.compiler.Ast.*;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Types every expression of every action and reports every error of the script, in source order.
 * What the code generator needs of an action (the type of each expression, the record slot of each
 * field read, the locals) it finds in the action's {@link ActionPlan}.
 *
 * <p>An expression has a type, integer or string, or none: a call that yields nothing, or an
 * expression with an error. Each error is reported once, where it is: what contains an expression
 * without a type reports nothing more about it, and reading a name that one of its assignments
 * failed to give a value reports nothing. A local takes the type of its first assignment and keeps
 * it. A map or thread-local has the declaration the resolver learned from its first write (see
 * {@link MapTable}), and every write, read and key must agree with it. Calls are checked against
 * their {@link Signature} by the {@link CallChecker}. Loop counts and bounds, and histogram bounds,
 * must be integer constants, so that the verifier can bound every action before it runs. A clause
 * becomes the actions {@link ResolvedScript.Clause} says, decided on the field reads typed here.
 */
final class TypeChecker {
    /** Largest trip count of one loop; the verifier bounds the total work of an action separately. */
    private static final long MAX_TRIP_COUNT = 100_000;
    private static final int MAX_UNROLL = 100;

    private final ResolvedScript resolved;
    private final MapTable maps;
    private final Set<String> poisoned;
    private final CompileOptions options;
    private final Diagnostics errors;
    private final CallChecker calls;

    /* State of the action being checked. */
    private ProbeContext context;
    private Map<Expr, ValueType> types;
    private Map<Expr, Integer> slots;
    private Map<String, ValueType> locals;
    private Set<String> loopVariables;
    private int loopDepth;

    TypeChecker(ResolvedScript resolved, CompileOptions options, Diagnostics errors) {
        this.resolved = resolved;
        this.maps = resolved.maps();
        this.poisoned = new HashSet<>(resolved.poisoned());
        this.options = options;
        this.errors = errors;
        this.calls = new CallChecker(this, maps, errors);
    }

    CheckedScript check() {
        List<ActionPlan> plans = new ArrayList<>();
        for (ResolvedScript.Clause c : resolved.clauses()) {
            plans.addAll(c.actions(probes -> action(c.syntax(), probes), plan -> !plan.slots().isEmpty()));
        }
        return new CheckedScript(maps.declarations(options.mapCapacity()), maps.ids(), plans);
    }

    private ActionPlan action(Clause c, ProbeContext probes) {
        context = probes;
        types = new IdentityHashMap<>();
        slots = new IdentityHashMap<>();
        locals = new LinkedHashMap<>();
        loopVariables = new HashSet<>();
        loopDepth = 0;
        if (c.predicate() != null) {
            expectType(c.predicate(), ValueType.INT, "the predicate");
        }
        statements(c.body());
        return new ActionPlan(c, probes.probes(), probes.layout(), Collections.unmodifiableMap(types),
                Collections.unmodifiableMap(slots), Collections.unmodifiableMap(locals));
    }

    /** What the action being checked can read. */
    ProbeContext context() {
        return context;
    }

    void error(Node at, String message, String hint) {
        errors.error(at.line(), at.column(), message, hint);
    }

    private void statements(List<Stmt> body) {
        for (Stmt s : body) {
            statement(s);
        }
    }

    private void statement(Stmt s) {
        if (s instanceof ExprStmt e) {
            expressionStatement(e.expr());
        } else if (s instanceof Assign a) {
            assign(a);
        } else if (s instanceof If i) {
            expectType(i.condition(), ValueType.INT, "the condition of `if`");
            statements(i.then());
            statements(i.otherwise());
        } else if (s instanceof Unroll u) {
            long n = constant(u.count(), "the count of unroll");
            if (n != Long.MIN_VALUE && (n < 1 || n > MAX_UNROLL)) {
                error(u.count(), "the count of unroll must be between 1 and " + MAX_UNROLL + ", not " + n,
                        "for more iterations write `for ($i = 0; $i < N; $i++) { ... }`");
            }
            loop(u, u.body());
        } else if (s instanceof For f) {
            forLoop(f);
        }
    }

    private void loop(Node at, List<Stmt> body) {
        loopDepth++;
        if (loopDepth == Limits.MAX_LOOP_NESTING + 1) {
            error(at, "loops are nested more than " + Limits.MAX_LOOP_NESTING + " deep", "");
        }
        statements(body);
        loopDepth--;
    }

    private void forLoop(For f) {
        long start = constant(f.start(), "the start value of the loop");
        long bound = constant(f.bound(), "the bound of the loop");
        long step = constant(f.step(), "the step of the loop");
        if (step != Long.MIN_VALUE && step <= 0) {
            error(f.step(), "the loop step must be a positive constant, not " + step,
                    "the loop must count upwards towards its bound so that it ends");
        } else if (start != Long.MIN_VALUE && bound != Long.MIN_VALUE && step != Long.MIN_VALUE) {
            long trips = tripCount(start, bound, f.inclusive(), step);
            if (trips > MAX_TRIP_COUNT) {
                error(f, "this loop runs " + trips + " times; a loop may run at most " + MAX_TRIP_COUNT + " times",
                        "every probe action must finish quickly; aggregate over fewer iterations");
            }
        }
        String name = f.variable().name();
        ValueType prior = locals.get(name);
        if (prior != null && prior != ValueType.INT) {
            error(f.variable(), "the loop variable " + name + " already holds " + describe(prior), "use a new variable name");
        }
        locals.putIfAbsent(name, ValueType.INT);
        types.put(f.variable(), ValueType.INT);
        boolean added = loopVariables.add(name);
        loop(f, f.body());
        if (added) {
            loopVariables.remove(name);
        }
    }

    /** Iterations of {@code for ($i = start; $i < bound (or <=); $i += step)}. */
    static long tripCount(long start, long bound, boolean inclusive, long step) {
        long end = inclusive ? bound + 1 : bound;
        if (end <= start) {
            return 0;
        }
        long span = end - start;
        return span < 0 ? Long.MAX_VALUE : (span - 1) / step + 1;
    }

    /** The value of an integer constant, or Long.MIN_VALUE after reporting that it is not one. */
    private long constant(Expr e, String what) {
        if (e instanceof IntLit lit) {
            types.put(e, ValueType.INT);
            return lit.value();
        }
        type(e);
        error(e, what + " must be an integer constant", "the verifier needs every loop count before the loop runs; "
                + "write a number here");
        return Long.MIN_VALUE;
    }

    private void expressionStatement(Expr e) {
        Signature aggregation = e instanceof Call call ? Signature.aggregation(call) : null;
        if (aggregation != null) {
            error(e, aggregation.spelling() + "() is an aggregation: assign it to a map", aggregation.example());
        } else if (e instanceof Call call) {
            calls.check(call, true);
        } else {
            type(e);
        }
    }

    private void assign(Assign a) {
        Signature aggregation = a.value() instanceof Call call ? Signature.aggregation(call) : null;
        if (a.target() instanceof Local l) {
            assignLocal(a, l, aggregation);
        } else if (aggregation != null) {
            if (!a.op().isEmpty()) {
                error(a, "an aggregation can only be assigned with `=`, not `" + a.op() + "=`",
                        "write `@name = " + aggregation.spelling() + "(...)`");
            } else if (a.target() instanceof SelfVar t) {
                error(t, "thread-local variables cannot hold aggregations", "use a map, e.g. `@counts[tid] = count()`");
            } else {
                aggregate((MapRef) a.target(), (Call) a.value(), aggregation);
            }
        } else {
            ValueType v = a.op().isEmpty() ? type(a.value()) : expectType(a.value(), ValueType.INT, "the right side of `" + a.op() + "=`");
            if (v == null) {
                poisoned.add(MapTable.name(a.target()));
                return;
            }
            write(a.target(), v);
        }
    }

    private void assignLocal(Assign a, Local l, Signature aggregation) {
        if (loopVariables.contains(l.name())) {
            error(l, "the loop variable " + l.name() + " cannot be assigned inside its loop",
                    "the loop runs a fixed number of times; copy the variable into another one to change it");
        }
        if (aggregation != null) {
            error(a.value(), aggregation.spelling() + "() is an aggregation: assign it to a map, not to a variable",
                    aggregation.example());
            return;
        }
        ValueType v = type(a.value());
        if (v == null) {
            poisoned.add(l.name());
            return;
        }
        ValueType prior = locals.get(l.name());
        if (!a.op().isEmpty()) {
            if (prior == null) {
                error(l, "variable " + l.name() + " is used before any value is assigned to it", localHint(l.name()));
            } else if (prior != ValueType.INT || v != ValueType.INT) {
                error(a, "`" + a.op() + "=` needs integers, but " + (prior != ValueType.INT ? l.name() + " is " + describe(prior)
                        : "the right side is " + describe(v)), "");
            }
            types.put(l, ValueType.INT);
            return;
        }
        if (prior != null && prior != v) {
            error(a.value(), "variable " + l.name() + " holds " + describe(prior) + ", so it cannot be assigned "
                    + describe(v), "use a new variable for the " + noun(v));
        }
        locals.putIfAbsent(l.name(), v);
        types.put(l, locals.get(l.name()));
    }

    private static String noun(ValueType t) {
        return switch (t) {
            case INT -> "integer";
            case STR -> "string";
            case STACK -> "stack";
        };
    }

    static String describe(ValueType t) {
        return (t == ValueType.INT ? "an " : "a ") + noun(t);
    }

    private String localHint(String name) {
        return Spelling.hint(name, locals.keySet());
    }

    /** A plain value of type {@code v} written to a map or thread-local. */
    private void write(Expr target, ValueType v) {
        MapTable.Entry m = declare(target, MapKind.SCALAR, "plain value");
        if (m == null) {
            return;
        }
        if (!m.value(v)) {
            error(target, MapTable.name(target) + " holds " + describe(m.valueType()) + " (first assigned at line " + m.line()
                    + ", column " + m.column() + "), so it cannot be assigned " + describe(v), "use another map for the " + noun(v));
        }
        types.put(target, m.valueType());
    }

    /** The entry a write of this kind uses; null after reporting that it is of another kind or its keys are wrong. */
    private MapTable.Entry declare(Expr target, MapKind kind, String use) {
        String name = MapTable.name(target);
        MapTable.Entry m = maps.declare(target, kind, use);
        if (m.kind() != kind) {
            error(target, name + " is used here as " + article(use) + ", but it was first used as " + article(m.use())
                    + " at line " + m.line() + ", column " + m.column(), "a map holds one kind of value; use another map name");
            return null;
        }
        if (target instanceof MapRef ref && !keys(ref, m)) {
            return null;
        }
        return m;
    }

    private static String article(String use) {
        return use.startsWith("plain") ? "a " + use : use.startsWith("a") ? "an " + use + " aggregation" : "a " + use + " aggregation";
    }

    /** Checks the key expressions of a map access against the map's key types. */
    boolean keys(MapRef ref, MapTable.Entry m) {
        List<ValueType> kt = new ArrayList<>();
        for (Expr k : ref.keys()) {
            ValueType t = type(k);
            if (t == null) {
                return false;
            }
            kt.add(t);
        }
        if (kt.size() > Limits.MAX_KEYS) {
            error(ref, "a map key has at most " + Limits.MAX_KEYS + " parts, not " + kt.size(), "");
            return false;
        }
        if (!m.keys(kt)) {
            error(ref, ref.name() + " is used with key " + keyText(kt) + " here, but with key " + keyText(m.keys()) + " elsewhere",
                    "every use of a map needs keys of the same number and types");
            return false;
        }
        return true;
    }

    private static String keyText(List<ValueType> keys) {
        if (keys.isEmpty()) {
            return "none";
        }
        List<String> parts = new ArrayList<>();
        for (ValueType t : keys) {
            parts.add(t == ValueType.INT ? "int" : noun(t));
        }
        return "[" + String.join(", ", parts) + "]";
    }

    private void aggregate(MapRef target, Call call, Signature aggregation) {
        String fn = call.name();
        List<Expr> args = call.args();
        if (!aggregation.fits(args)) {
            error(call, aggregation.misuse(fn, args.size()), aggregation.usage());
            return;
        }
        if (!args.isEmpty()) {
            expectType(args.get(0), ValueType.INT, "the value of " + fn + "()");
        }
        MapKind kind = aggregation.mapKind();
        long min = 0;
        long max = 0;
        long step = 0;
        if (kind == MapKind.LHIST) {
            min = constant(args.get(1), "the minimum of " + fn + "()");
            max = constant(args.get(2), "the maximum of " + fn + "()");
            step = args.size() == 4 ? constant(args.get(3), "the step of " + fn + "()") : 1;
            if (min == Long.MIN_VALUE || max == Long.MIN_VALUE || step == Long.MIN_VALUE) {
                return;
            }
            long buckets = MapTable.linearBuckets(min, max, step);
            if (buckets < 0) {
                error(call, fn + "() needs min < max and a positive step", aggregation.usage());
                return;
            }
            if (buckets > Limits.MAX_LHIST_BUCKETS) {
                error(call, fn + "() would have " + buckets + " buckets; at most " + Limits.MAX_LHIST_BUCKETS
                        + " are allowed", "use a larger step");
                return;
            }
        }
        MapTable.Entry m = declare(target, kind, fn + "()");
        if (m != null && kind == MapKind.LHIST && !m.buckets(min, max, step)) {
            error(call, target.name() + " was first given lhist(" + m.lhistMin() + ", " + m.lhistMax() + ", " + m.lhistStep()
                    + ") at line " + m.line() + ", column " + m.column() + "; every use must have the same bounds", "");
        }
    }

    private ValueType expectType(Expr e, ValueType want, String what) {
        ValueType t = type(e);
        if (t != null && t != want) {
            error(e, what + " must be " + describe(want) + ", but this is " + describe(t),
                    want == ValueType.INT ? "compare strings with `==` or `!=` to get an integer" : "");
            return null;
        }
        return t;
    }

    /** The type of e, recorded for the code generator; null when e has none (after an error, or a call without value). */
    ValueType type(Expr e) {
        ValueType t = typeOf(e);
        if (t != null) {
            types.put(e, t);
        }
        return t;
    }

    /** Records the type of an expression that is not typed by {@link #type}: a constant, or a parameter read as a string. */
    void record(Expr e, ValueType t) {
        types.put(e, t);
    }

    /** Longest string an expression can yield: a char array field its size, a literal its length. */
    int stringBound(Expr e) {
        Integer slot = slots.get(e);
        if (slot != null && context.layout().slots().get(slot).kind() == SlotKind.CHARS) {
            return context.layout().slots().get(slot).size();
        }
        if (e instanceof StrLit s) {
            return s.value().length();
        }
        return Limits.MAX_STRING;
    }

    private ValueType typeOf(Expr e) {
        if (e instanceof IntLit) {
            return ValueType.INT;
        } else if (e instanceof StrLit s) {
            if (s.value().length() > Limits.MAX_STRING) {
                error(s, "this string is " + s.value().length() + " bytes long; strings hold at most "
                        + Limits.MAX_STRING + " bytes", "");
            }
            return ValueType.STR;
        } else if (e instanceof Ident id) {
            return read(id, context.identifier(id));
        } else if (e instanceof Field f) {
            return read(f, context.field(f.name(), f.index(), "args->" + f.name()));
        } else if (e instanceof Positional p) {
            return options.positionalType(p.number());
        } else if (e instanceof ParamCount) {
            return ValueType.INT;
        } else if (e instanceof MapRef m) {
            return readMap(m);
        } else if (e instanceof Local l) {
            ValueType t = locals.get(l.name());
            if (t == null && !poisoned.contains(l.name())) {
                String hint = localHint(l.name());
                error(l, "variable " + l.name() + " is used before any value is assigned to it",
                        hint.isEmpty() ? "assign it first, e.g. `" + l.name() + " = 0;`" : hint);
            }
            return t;
        } else if (e instanceof SelfVar t) {
            return readMap(t);
        } else if (e instanceof Unary u) {
            expectType(u.operand(), ValueType.INT, "the operand of `" + u.op() + "`");
            return ValueType.INT;
        } else if (e instanceof Binary b) {
            return binary(b);
        } else if (e instanceof Ternary t) {
            expectType(t.condition(), ValueType.INT, "the condition of `?:`");
            ValueType a = type(t.then());
            ValueType b = type(t.otherwise());
            if (a != null && b != null && a != b) {
                error(t, "the two branches of `?:` must have the same type, but one is " + describe(a)
                        + " and the other " + describe(b), "");
                return null;
            }
            return a != null ? a : b;
        } else if (e instanceof Call c) {
            return calls.check(c, false);
        }
        return update((Update) e);
    }

    /** Reports a refused read of the record or context; records the slot of a field read. */
    private ValueType read(Expr at, ProbeContext.Read r) {
        if (r.message() != null) {
            error(at, r.message(), r.hint());
        }
        if (r.slot() >= 0) {
            slots.put(at, r.slot());
        }
        return r.type();
    }

    private ValueType update(Update u) {
        String op = u.increment() ? "++" : "--";
        if (u.target() instanceof Local l) {
            if (loopVariables.contains(l.name())) {
                error(l, "the loop variable " + l.name() + " cannot be assigned inside its loop",
                        "the loop runs a fixed number of times; copy the variable into another one to change it");
            }
            ValueType t = type(l);
            if (t != null && t != ValueType.INT) {
                error(u, "`" + op + "` needs an integer, but " + l.name() + " is " + describe(t), "");
            }
        } else if (u.target() instanceof MapRef || u.target() instanceof SelfVar) {
            write(u.target(), ValueType.INT);
        } else {
            error(u, "`" + op + "` applies to a map, a variable or a thread-local, not to this expression", "");
        }
        return ValueType.INT;
    }

    /** Types a read of a map or thread-local: one never assigned, with the wrong keys or not readable is reported. */
    ValueType readMap(Expr target) {
        String name = MapTable.name(target);
        MapTable.Entry m = maps.get(name);
        if (m == null) {
            if (!poisoned.contains(name)) {
                String hint = Spelling.hint(name, maps.names());
                error(target, (target instanceof SelfVar ? "thread-local " : "map ") + name + " is never assigned",
                        hint.isEmpty() ? "assign it somewhere, e.g. `" + name + (target instanceof MapRef r && !r.keys().isEmpty() ? "[...]" : "")
                                + " = 0`" : hint);
            }
            if (target instanceof MapRef ref) {
                for (Expr k : ref.keys()) {
                    type(k);
                }
            }
            return ValueType.INT;
        }
        if (target instanceof MapRef ref && !keys(ref, m)) {
            return null;
        }
        if (!m.kind().readable()) {
            error(target, name + " holds " + article(m.use()) + ", whose value cannot be read in an expression",
                    "print it with `print(" + name + ")`");
            return null;
        }
        return m.readType();
    }

    private ValueType binary(Binary b) {
        String op = b.op();
        ValueType l = type(b.left());
        ValueType r = type(b.right());
        if (op.equals("==") || op.equals("!=")) {
            if (l != null && r != null && l != r) {
                error(b, "`" + op + "` compares two integers or two strings, not " + describe(l) + " with " + describe(r), "");
            }
        } else if (l != null && l != ValueType.INT || r != null && r != ValueType.INT) {
            boolean cmp = op.equals("<") || op.equals("<=") || op.equals(">") || op.equals(">=");
            ValueType other = l != null && l != ValueType.INT ? l : r;
            error(other == l ? b.left() : b.right(), "`" + op + "` needs integers, but this is " + describe(other),
                    cmp ? noun(other) + "s can only be compared with `==` and `!=`" : "");
        }
        return ValueType.INT;
    }
}
