package dev.safetap.compiler;

import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.PrintfFormat;
import dev.safetap.bytecode.RecordField;
import dev.safetap.bytecode.RecordFormat;
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
 * Resolves probes against the catalog, infers every map's kind, key and value types from its uses
 * (the first use decides), types every expression, and checks names, constants and calls (against
 * their {@link Signature}). All errors of the script are collected. The script is walked twice: the
 * first walk only learns the maps, so that a read in an early clause sees a map assigned in a later
 * one; the second reports.
 */
final class Checker {
    /** Largest trip count of one loop; the verifier bounds the total work of an action separately. */
    static final long MAX_TRIP_COUNT = 100_000;
    static final int MAX_UNROLL = 100;
    private static final String STR_HINT = "string fields and positional parameters are strings; "
            + "safetap cannot read the memory of the traced process at an address";

    /** What is known of one map (or thread-local) while checking. */
    private static final class MapInfo {
        final String name;
        final boolean threadLocal;
        final int line;
        final int column;
        final String use;
        final MapKind kind;
        ValueType valueType;
        List<ValueType> keys;
        long lhistMin;
        long lhistMax;
        long lhistStep;

        MapInfo(String name, boolean threadLocal, MapKind kind, String use, int line, int column) {
            this.name = name;
            this.threadLocal = threadLocal;
            this.kind = kind;
            this.use = use;
            this.line = line;
            this.column = column;
        }
    }

    private final Ast.Script script;
    private final CompileOptions options;
    private final Diagnostics errors;
    private final ProbeMatcher matcher;
    private final Map<String, MapInfo> maps = new LinkedHashMap<>();
    /** Variables and maps whose assignment had an error: reading them reports nothing more. */
    private final Set<String> poisoned = new HashSet<>();
    private boolean reporting;
    /** Where errors go: nowhere during the first walk, the real list during the second. */
    private Diagnostics sink;

    /* State of the action being checked. */
    private EventLayout layout;
    private RecordFormat schema;
    private String probeName;
    private boolean lenientFields;
    private Map<Expr, ValueType> types;
    private Map<Expr, Integer> slots;
    private Map<String, ValueType> locals;
    private Set<String> loopVariables;
    private int loopDepth;

    Checker(Ast.Script script, CompileOptions options, Diagnostics errors) {
        this.script = script;
        this.options = options;
        this.errors = errors;
        this.matcher = new ProbeMatcher(options.catalog(), errors);
    }

    CheckedScript check() {
        List<List<ResolvedProbe>> resolved = new ArrayList<>();
        List<Boolean> complete = new ArrayList<>();
        for (Clause c : script.clauses()) {
            Map<String, ResolvedProbe> probes = new LinkedHashMap<>();
            boolean ok = true;
            for (ProbeSpec spec : c.probes()) {
                List<ResolvedProbe> r = matcher.resolve(spec);
                ok &= !r.isEmpty();
                for (ResolvedProbe p : r) {
                    probes.putIfAbsent(p.name(), p);
                }
            }
            resolved.add(new ArrayList<>(probes.values()));
            complete.add(ok);
        }
        reporting = false;
        Diagnostics silent = new Diagnostics("", "");
        walkAll(resolved, complete, silent);
        reporting = true;
        List<ActionPlan> plans = walkAll(resolved, complete, errors);
        List<MapDecl> decls = new ArrayList<>();
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (MapInfo m : maps.values()) {
            ids.put(m.name, decls.size());
            List<ValueType> keys = m.threadLocal ? List.of(ValueType.INT) : m.keys == null ? List.of() : m.keys;
            decls.add(new MapDecl(m.name, keys, m.kind, m.valueType == null ? ValueType.INT : m.valueType,
                    m.lhistMin, m.lhistMax, m.lhistStep, options.mapCapacity(), m.threadLocal));
        }
        return new CheckedScript(decls, ids, plans);
    }

    private List<ActionPlan> walkAll(List<List<ResolvedProbe>> resolved, List<Boolean> complete, Diagnostics sink) {
        List<ActionPlan> plans = new ArrayList<>();
        for (int i = 0; i < script.clauses().size(); i++) {
            Clause c = script.clauses().get(i);
            Map<List<Object>, List<ResolvedProbe>> groups = new LinkedHashMap<>();
            for (ResolvedProbe p : resolved.get(i)) {
                groups.computeIfAbsent(formatKey(p.format()), k -> new ArrayList<>()).add(p);
            }
            if (groups.size() > 1) {
                ActionPlan shared = walkAction(c, resolved.get(i), !complete.get(i), sink);
                if (shared.slots().isEmpty()) {
                    plans.add(shared);
                    continue;
                }
            }
            if (groups.isEmpty()) {
                groups.put(List.of(), List.of());
            }
            for (List<ResolvedProbe> group : groups.values()) {
                plans.add(walkAction(c, group, !complete.get(i), sink));
            }
        }
        return plans;
    }

    /**
     * Probes with equal keys can share one action: their records have the same slots, and the
     * names {@code argN} and {@code retval} mean the same fields in both.
     */
    private static List<Object> formatKey(RecordFormat schema) {
        if (schema == null) {
            return List.of();
        }
        EventLayout l = EventLayout.of(schema);
        return List.of(l.recordSize(), l.slots(), schema.name().startsWith("syscalls:"),
                schema.name().startsWith("syscalls:sys_exit_"));
    }

    private ActionPlan walkAction(Clause c, List<ResolvedProbe> probes, boolean lenient, Diagnostics sink) {
        Diagnostics saved = sinkSwap(sink);
        schema = probes.isEmpty() ? null : probes.get(0).format();
        layout = schema == null ? null : EventLayout.of(schema);
        probeName = probes.isEmpty() ? "" : probes.get(0).name();
        lenientFields = lenient;
        types = new IdentityHashMap<>();
        slots = new IdentityHashMap<>();
        locals = new LinkedHashMap<>();
        loopVariables = new HashSet<>();
        loopDepth = 0;
        if (c.predicate() != null) {
            expectType(c.predicate(), ValueType.INT, "the predicate");
        }
        statements(c.body());
        sinkSwap(saved);
        return new ActionPlan(c, List.copyOf(probes), layout, Collections.unmodifiableMap(types),
                Collections.unmodifiableMap(slots), Collections.unmodifiableMap(locals));
    }

    private Diagnostics sinkSwap(Diagnostics next) {
        Diagnostics prev = sink;
        sink = next;
        return prev;
    }

    private void error(Node at, String message, String hint) {
        sink.error(at.line(), at.column(), message, hint);
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
        if (prior == ValueType.STR) {
            error(f.variable(), "the loop variable " + name + " already holds a string", "use a new variable name");
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
            call(call, true);
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
                poisoned.add(name(a.target()));
                return;
            }
            if (!a.op().isEmpty() && v != ValueType.INT) {
                return;
            }
            defineScalar(a.target(), v, "plain value");
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
                error(a, "`" + a.op() + "=` needs integers, but " + (prior != ValueType.INT ? l.name() : "the right side")
                        + " is a string", "");
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
        return t == ValueType.INT ? "integer" : "string";
    }

    private static String describe(ValueType t) {
        return t == ValueType.INT ? "an integer" : "a string";
    }

    private String localHint(String name) {
        return Spelling.hint(name, locals.keySet());
    }

    /** Records a plain-value write of type v to a map or thread-local. */
    private void defineScalar(Expr target, ValueType v, String use) {
        MapInfo m = defineMap(target, MapKind.SCALAR, use);
        if (m == null) {
            return;
        }
        if (m.valueType == null) {
            m.valueType = v;
        } else if (m.valueType != v) {
            error(target, name(target) + " holds " + describe(m.valueType) + " (first assigned at line " + m.line
                    + ", column " + m.column + "), so it cannot be assigned " + describe(v), "use another map for the " + noun(v));
        }
        types.put(target, m.valueType);
    }

    private static String name(Expr target) {
        return target instanceof SelfVar t ? "self->" + t.name() : ((MapRef) target).name();
    }

    /** Registers a write of this kind; the first use of a name decides its kind. Null after an error. */
    private MapInfo defineMap(Expr target, MapKind kind, String use) {
        String name = name(target);
        boolean threadLocal = target instanceof SelfVar;
        MapInfo m = maps.get(name);
        if (m == null) {
            m = new MapInfo(name, threadLocal, kind, use, target.line(), target.column());
            maps.put(name, m);
        } else if (m.kind != kind) {
            error(target, name + " is used here as " + article(use) + ", but it was first used as " + article(m.use)
                    + " at line " + m.line + ", column " + m.column, "a map holds one kind of value; use another map name");
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

    /** Checks the key expressions of a map access against the map's key types; the first keyed use decides. */
    private boolean keys(MapRef ref, MapInfo m) {
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
        if (m.keys == null) {
            m.keys = List.copyOf(kt);
            return true;
        }
        if (!m.keys.equals(kt)) {
            error(ref, ref.name() + " is used with key " + keyText(kt) + " here, but with key " + keyText(m.keys) + " elsewhere",
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
            parts.add(t == ValueType.INT ? "int" : "string");
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
            if (step <= 0 || max <= min) {
                error(call, fn + "() needs min < max and a positive step", aggregation.usage());
                return;
            }
            if ((max - min) / step > Limits.MAX_LHIST_BUCKETS) {
                error(call, fn + "() would have " + (max - min) / step + " buckets; at most " + Limits.MAX_LHIST_BUCKETS
                        + " are allowed", "use a larger step");
                return;
            }
        }
        MapInfo m = defineMap(target, kind, fn + "()");
        if (m == null) {
            return;
        }
        if (kind == MapKind.LHIST) {
            boolean first = m.lhistStep == 0;
            if (!first && (m.lhistMin != min || m.lhistMax != max || m.lhistStep != step)) {
                error(call, target.name() + " was first given lhist(" + m.lhistMin + ", " + m.lhistMax + ", " + m.lhistStep
                        + ") at line " + m.line + ", column " + m.column + "; every use must have the same bounds", "");
            }
            if (first) {
                m.lhistMin = min;
                m.lhistMax = max;
                m.lhistStep = step;
            }
        }
        m.valueType = ValueType.INT;
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
    private ValueType type(Expr e) {
        ValueType t = typeOf(e);
        if (t != null) {
            types.put(e, t);
        }
        return t;
    }

    private ValueType typeOf(Expr e) {
        if (e instanceof IntLit i) {
            return ValueType.INT;
        } else if (e instanceof StrLit s) {
            if (s.value().length() > Limits.MAX_STRING) {
                error(s, "this string is " + s.value().length() + " bytes long; strings hold at most "
                        + Limits.MAX_STRING + " bytes", "");
            }
            return ValueType.STR;
        } else if (e instanceof Ident id) {
            return identifier(id);
        } else if (e instanceof Field f) {
            return field(f, f.name(), f.index(), "args->" + f.name());
        } else if (e instanceof Positional p) {
            String v = param(p.number());
            return v == null || isNumber(v) ? ValueType.INT : ValueType.STR;
        } else if (e instanceof ParamCount pc) {
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
            return call(c, false);
        }
        return update((Update) e);
    }

    private ValueType update(Update u) {
        String op = u.increment() ? "++" : "--";
        if (u.target() instanceof Local l) {
            if (loopVariables.contains(l.name())) {
                error(l, "the loop variable " + l.name() + " cannot be assigned inside its loop",
                        "the loop runs a fixed number of times; copy the variable into another one to change it");
            }
            ValueType t = type(l);
            if (t == ValueType.STR) {
                error(u, "`" + op + "` needs an integer, but " + l.name() + " is a string", "");
            }
        } else if (u.target() instanceof MapRef m) {
            defineScalar(m, ValueType.INT, "plain value");
        } else if (u.target() instanceof SelfVar t) {
            defineScalar(t, ValueType.INT, "plain value");
        } else {
            error(u, "`" + op + "` applies to a map, a variable or a thread-local, not to this expression", "");
        }
        return ValueType.INT;
    }

    private String param(int n) {
        return n >= 1 && n <= options.positionalParams().size() ? options.positionalParams().get(n - 1) : null;
    }

    static boolean isNumber(String s) {
        return parseNumber(s) != null;
    }

    static Long parseNumber(String s) {
        try {
            String t = s.trim();
            if (t.startsWith("0x") || t.startsWith("0X")) {
                return Long.parseUnsignedLong(t.substring(2), 16);
            }
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private ValueType identifier(Ident id) {
        String name = id.name();
        Signature s = Signature.of(name);
        if (s != null && s.kind() == Signature.Kind.CONTEXT) {
            return s.result();
        }
        if (s != null && s.argument() >= 0) {
            return argument(id, s.argument());
        }
        if (s == Signature.RETVAL) {
            if (!lenientFields && (schema == null || !schema.name().startsWith("syscalls:sys_exit_"))) {
                error(id, "`retval` is only available in syscall exit tracepoints",
                        "attach to `tracepoint:syscalls:sys_exit_NAME`, or read `args->ret`");
                return null;
            }
            return field(id, "ret", -1, "retval");
        }
        if (s == Signature.ARGS) {
            error(id, "`args` must be followed by a field, as in `args->fd`", "");
            return null;
        }
        if (name.equals("uid") || name.equals("gid")) {
            error(id, "`" + name + "` is not available: the kernel's perf samples do not carry it, and reading it from /proc "
                    + "later would be wrong for processes that exit or change it", "select processes by `comm`, `pid` or -p instead");
            return null;
        }
        Set<String> known = new HashSet<>(Signature.builtins());
        known.remove("args");
        String hint = Spelling.hint(name, known);
        error(id, "unknown builtin `" + name + "`", hint.isEmpty() && Signature.functions().contains(name)
                ? "call it as `" + name + "(...)`" : hint);
        return null;
    }

    private ValueType argument(Ident id, int n) {
        if (schema == null) {
            return field(id, "arg" + n, -1, id.name());
        }
        int seen = 0;
        for (RecordField f : schema.fields()) {
            if (f.common() || (f.name().equals("__syscall_nr") && schema.name().startsWith("syscalls:"))) {
                continue;
            }
            if (seen++ == n) {
                return field(id, f.name(), -1, id.name());
            }
        }
        error(id, "`" + id.name() + "` does not exist: " + probeName + " has " + seen + " argument"
                + (seen == 1 ? "" : "s"), seen == 0 ? "" : "arguments are numbered from arg0 to arg" + (seen - 1));
        return null;
    }

    /** Types a read of record field {@code name} (element {@code index}, -1 for none) and records its slot. */
    private ValueType field(Expr at, String name, int index, String written) {
        if (schema == null) {
            if (!lenientFields) {
                error(at, "`" + written + "` is not available in " + (probeName.isEmpty() ? "this probe" : probeName)
                        + ": only tracepoint probes have arguments", "");
            }
            return lenientFields ? ValueType.INT : null;
        }
        RecordField f = null;
        for (RecordField s : schema.fields()) {
            if (s.name().equals(name)) {
                f = s;
            }
        }
        if (f == null) {
            List<String> names = new ArrayList<>();
            for (RecordField s : schema.fields()) {
                if (!s.common()) {
                    names.add(s.name());
                }
            }
            String hint = Spelling.hint(name, names);
            error(at, probeName + " has no field `" + name + "`", hint.isEmpty() ? "its fields are " + String.join(", ", names) : hint);
            return null;
        }
        String slotName = name;
        if (f.arrayLength() > 0 && !f.isChar() && !f.dataLoc()) {
            if (index < 0) {
                error(at, "field `" + name + "` is an array of " + f.arrayLength() + "; read one element, as in `args->"
                        + name + "[0]`", "");
                return null;
            }
            if (index >= f.arrayLength()) {
                error(at, "index " + index + " is outside the array `" + name + "` of " + f.arrayLength() + " elements",
                        "the valid indexes are 0 to " + (f.arrayLength() - 1));
                return null;
            }
            slotName = name + "[" + index + "]";
        } else if (index >= 0) {
            error(at, "field `" + name + "` is not an array of integers, so it cannot be indexed", "");
            return null;
        }
        int slot = layout.slotIndex(slotName);
        if (slot < 0) {
            error(at, "field `" + name + "` (" + f.type() + ", " + f.size() + " bytes) cannot be read: only integers "
                    + "of 1, 2, 4 or 8 bytes and char strings are readable", "");
            return null;
        }
        LayoutSlot s = layout.slots().get(slot);
        if (s.kind() == SlotKind.DATA_LOC && !f.isChar()) {
            error(at, "field `" + name + "` is a variable-length array of " + f.type() + ", which cannot be read", "");
            return null;
        }
        slots.put(at, slot);
        return s.isString() ? ValueType.STR : ValueType.INT;
    }

    private ValueType readMap(Expr target) {
        String name = name(target);
        MapInfo m = maps.get(name);
        if (m == null) {
            if (reporting && !poisoned.contains(name)) {
                List<String> names = new ArrayList<>(maps.keySet());
                String hint = Spelling.hint(name, names);
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
        if (!m.kind.readable()) {
            error(target, name + " holds " + article(m.use) + ", whose value cannot be read in an expression",
                    "print it with `print(" + name + ")`");
            return null;
        }
        return m.kind != MapKind.SCALAR || m.valueType == null ? ValueType.INT : m.valueType;
    }

    /** Types a call; {@code statement} is true when its value is unused. Null for calls that yield nothing. */
    private ValueType call(Call c, boolean statement) {
        String fn = c.name();
        List<Expr> args = c.args();
        Signature s = Signature.callable(fn);
        if (s == null || s.kind() == Signature.Kind.AGGREGATION) {
            if (s != null) {
                error(c, fn + "() is an aggregation: assign it to a map", s.example());
            } else {
                error(c, "unknown function `" + fn + "`", Spelling.hint(fn, Signature.functions()));
            }
            for (Expr a : args) {
                type(a);
            }
            return null;
        }
        if (s == Signature.STR) {
            return str(c);
        }
        if (!s.fits(args)) {
            error(c, s.misuse(fn, args.size()), s.usage());
            if (s == Signature.PRINTF) {
                for (Expr a : args) {
                    type(a);
                }
            }
        } else {
            action(c, s);
        }
        if (!statement) {
            error(c, fn + "() does not return a value", "call it as a statement of its own");
        }
        return null;
    }

    /** Checks the arguments of an action whose number and first argument fit its signature. */
    private void action(Call c, Signature s) {
        List<Expr> args = c.args();
        switch (s) {
            case PRINTF -> printf(c);
            case PRINT, PRINTA -> {
                if (args.get(0) instanceof MapRef m && m.keys().isEmpty()) {
                    mapArgument(m);
                    for (int i = 1; i < args.size(); i++) {
                        count(args.get(i), i == 1 ? "the number of entries to print" : "the divisor");
                    }
                } else if (s == Signature.PRINTA) {
                    error(args.get(0), "printa() prints a whole map", "write `printa(@map)`");
                } else if (args.size() > 1) {
                    error(args.get(1), "print(value) takes no further arguments; top and divisor apply to maps", s.usage());
                } else {
                    type(args.get(0));
                }
            }
            case CLEAR, ZERO -> mapArgument((MapRef) args.get(0));
            case TRUNC -> {
                mapArgument((MapRef) args.get(0));
                if (args.size() == 2) {
                    count(args.get(1), "the number of entries to keep");
                }
            }
            case DELETE -> {
                if (maps.get(name(args.get(0))) == null) {
                    readMap(args.get(0));
                } else if (args.get(0) instanceof MapRef m) {
                    keys(m, maps.get(m.name()));
                }
            }
            default -> {
            }
        }
    }

    private void count(Expr e, String what) {
        long n = e instanceof IntLit lit ? lit.value() : -1;
        if (n < 0 || n > Integer.MAX_VALUE) {
            error(e, what + " must be a non-negative integer constant", "");
        }
        types.put(e, ValueType.INT);
    }

    private void mapArgument(MapRef m) {
        if (maps.get(m.name()) == null) {
            readMap(m);
        }
    }

    private ValueType str(Call c) {
        List<Expr> args = c.args();
        if (!Signature.STR.fits(args)) {
            error(c, Signature.STR.misuse(c.name(), args.size()), Signature.STR.usage());
            return null;
        }
        Expr a = args.get(0);
        ValueType t = a instanceof Positional ? ValueType.STR : type(a);
        if (a instanceof Positional) {
            types.put(a, ValueType.STR);
        }
        if (t == ValueType.INT) {
            error(a, "str() needs a string field, a string or a positional parameter, but this is an integer", STR_HINT);
            return null;
        }
        if (args.size() == 2) {
            long n = args.get(1) instanceof IntLit lit ? lit.value() : -1;
            types.put(args.get(1), ValueType.INT);
            int bound = stringBound(a);
            if (n < 1 || n > Limits.MAX_STRING) {
                error(args.get(1), "the length of str() must be a constant from 1 to " + Limits.MAX_STRING, "");
            } else if (n < bound) {
                error(args.get(1), "str() cannot shorten this string to " + n + " bytes (it may hold up to " + bound + ")",
                        "print a prefix with printf(\"%." + n + "s\", ...) instead");
            }
        }
        return t == null ? null : ValueType.STR;
    }

    /** Longest string an expression can yield, for str(x, n). */
    private int stringBound(Expr e) {
        Integer slot = slots.get(e);
        if (slot != null && layout.slots().get(slot).kind() == SlotKind.CHARS) {
            return layout.slots().get(slot).size();
        }
        if (e instanceof StrLit s) {
            return s.value().length();
        }
        return Limits.MAX_STRING;
    }

    private void printf(Call c) {
        List<Expr> args = c.args();
        StrLit fmt = (StrLit) args.get(0);
        List<PrintfFormat.Conversion> conversions;
        try {
            conversions = PrintfFormat.parse(fmt.value()).conversions();
        } catch (PrintfFormat.FormatException e) {
            sink.error(fmt.line(), fmt.column() + 1 + e.index(), "bad printf format: " + e.getMessage(), "");
            return;
        }
        int given = args.size() - 1;
        if (given > Limits.MAX_PRINTF_ARGS) {
            error(args.get(Limits.MAX_PRINTF_ARGS + 1), "printf() takes at most " + Limits.MAX_PRINTF_ARGS + " values", "");
            return;
        }
        for (int i = 1; i < args.size(); i++) {
            ValueType t = type(args.get(i));
            if (i - 1 >= conversions.size()) {
                error(args.get(i), "printf has " + conversions.size() + " conversion" + (conversions.size() == 1 ? "" : "s")
                        + " in its format but " + given + " value" + (given == 1 ? "" : "s"), "remove this value or add a conversion such as `%d`");
                return;
            }
            PrintfFormat.Conversion conv = conversions.get(i - 1);
            if (t != null && t != conv.argumentType()) {
                error(args.get(i), "printf conversion `%" + conv.conversion() + "` needs " + describe(conv.argumentType())
                        + ", but value " + i + " is " + describe(t), t == ValueType.STR ? "use `%s` for strings" : "use `%d` for integers");
            }
        }
        if (given < conversions.size()) {
            error(c, "printf has " + conversions.size() + " conversion" + (conversions.size() == 1 ? "" : "s")
                    + " in its format but " + given + " value" + (given == 1 ? "" : "s"), "give one value for each conversion");
        }
    }

    private ValueType binary(Binary b) {
        String op = b.op();
        switch (op) {
            case "==", "!=" -> {
                ValueType l = type(b.left());
                ValueType r = type(b.right());
                if (l != null && r != null && l != r) {
                    error(b, "`" + op + "` compares two integers or two strings, not " + describe(l) + " with " + describe(r), "");
                }
                return ValueType.INT;
            }
            default -> {
                ValueType l = type(b.left());
                ValueType r = type(b.right());
                if (l == ValueType.STR || r == ValueType.STR) {
                    boolean cmp = op.equals("<") || op.equals("<=") || op.equals(">") || op.equals(">=");
                    error(l == ValueType.STR ? b.left() : b.right(), "`" + op + "` needs integers, but this is a string",
                            cmp ? "strings can only be compared with `==` and `!=`" : "");
                }
                return ValueType.INT;
            }
        }
    }
}
