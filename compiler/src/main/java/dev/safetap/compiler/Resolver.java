package dev.safetap.compiler;

import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.PrintfFormat;
import dev.safetap.bytecode.RecordFormat;
import dev.safetap.bytecode.ValueType;
import dev.safetap.compiler.Ast.*;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Decides what the probes and the maps of a script are, before anything is type checked.
 *
 * <p>Probes: every clause's probes are resolved (aliases, wildcards) and grouped by record layout;
 * {@link ResolvedScript.Clause} says which actions a clause becomes.
 *
 * <p>Maps and thread-locals: learned in one pass over the actions in program order, from their
 * writes, as {@link MapTable} says. A written value or key has the type the type checker will give
 * it, computed here with the maps learned so far (one nothing has written yet reads as an integer).
 * Expressions are typed in the order, and only where, the type checker types them (the arguments of
 * a malformed call, for one, never are), so that what is learned is what the type checker will see.
 * An assignment whose value has no type declares nothing, and its name is remembered as poisoned.
 *
 * <p>The resolver reports the probes it cannot resolve. Whether a use of a map agrees with its
 * declaration, and every other error, is for the type checker to report, once and in source order.
 */
final class Resolver {
    private final Ast.Script script;
    private final CompileOptions options;
    private final Diagnostics errors;
    private final ProbeMatcher matcher;
    private final MapTable maps = new MapTable();
    private final Set<String> poisoned = new HashSet<>();

    /* The action being learned from. */
    private ProbeContext context;
    private Map<String, ValueType> locals;
    private boolean readsRecord;

    Resolver(Ast.Script script, CompileOptions options, Diagnostics errors) {
        this.script = script;
        this.options = options;
        this.errors = errors;
        this.matcher = new ProbeMatcher(options.catalog(), errors);
    }

    ResolvedScript resolve() {
        List<List<ResolvedProbe>> resolved = new ArrayList<>();
        List<Boolean> complete = new ArrayList<>();
        int total = 0;
        boolean tooMany = false;
        for (Clause c : script.clauses()) {
            Map<String, ResolvedProbe> probes = new LinkedHashMap<>();
            boolean ok = true;
            for (ProbeSpec spec : c.probes()) {
                if (tooMany) {
                    ok = false;
                    continue;
                }
                List<ResolvedProbe> r = matcher.resolve(spec);
                ok &= !r.isEmpty();
                for (ResolvedProbe p : r) {
                    probes.putIfAbsent(p.name(), p);
                }
                if (total + probes.size() > Limits.MAX_PROBES) {
                    errors.error(spec.line(), spec.column(), "the script attaches to more than " + Limits.MAX_PROBES
                            + " probes with this one; a program may have at most " + Limits.MAX_PROBES,
                            "narrow the wildcards, or give the clauses that share an action one probe list");
                    probes.clear();
                    ok = false;
                    tooMany = true;
                }
            }
            total += probes.size();
            resolved.add(new ArrayList<>(probes.values()));
            complete.add(ok);
        }
        List<ResolvedScript.Clause> clauses = new ArrayList<>();
        for (int i = 0; i < script.clauses().size(); i++) {
            Clause c = script.clauses().get(i);
            ResolvedScript.Clause clause = new ResolvedScript.Clause(c, resolved.get(i), layouts(resolved.get(i)), !complete.get(i));
            clause.actions(probes -> learn(c, probes), Boolean::booleanValue);
            clauses.add(clause);
        }
        return new ResolvedScript(clauses, maps, Set.copyOf(poisoned));
    }

    /** The probes grouped by layout key, in order; one empty group when there are none. */
    private static List<List<ResolvedProbe>> layouts(List<ResolvedProbe> probes) {
        Map<List<Object>, List<ResolvedProbe>> groups = new LinkedHashMap<>();
        for (ResolvedProbe p : probes) {
            groups.computeIfAbsent(layoutKey(p.format()), k -> new ArrayList<>()).add(p);
        }
        return groups.isEmpty() ? List.of(List.of()) : List.copyOf(groups.values());
    }

    /**
     * Probes with equal keys can share one action: their records have the same slots, and the
     * names {@code argN} and {@code retval} mean the same fields in both.
     */
    private static List<Object> layoutKey(RecordFormat schema) {
        if (schema == null) {
            return List.of();
        }
        EventLayout l = EventLayout.of(schema);
        return List.of(l.recordSize(), l.slots(), schema.name().startsWith("syscalls:"),
                schema.name().startsWith("syscalls:sys_exit_"));
    }

    /** Learns the maps clause {@code c} writes when run with these probes; true when it reads their record. */
    private boolean learn(Clause c, ProbeContext probes) {
        context = probes;
        locals = new HashMap<>();
        readsRecord = false;
        if (c.predicate() != null) {
            typeOf(c.predicate());
        }
        statements(c.body());
        return readsRecord;
    }

    private void statements(List<Stmt> body) {
        for (Stmt s : body) {
            statement(s);
        }
    }

    private void statement(Stmt s) {
        if (s instanceof ExprStmt e) {
            if (!(e.expr() instanceof Call call && Signature.aggregation(call) != null)) {
                typeOf(e.expr());
            }
        } else if (s instanceof Assign a) {
            assign(a);
        } else if (s instanceof If i) {
            typeOf(i.condition());
            statements(i.then());
            statements(i.otherwise());
        } else if (s instanceof Unroll u) {
            constant(u.count());
            statements(u.body());
        } else if (s instanceof For f) {
            constant(f.start());
            constant(f.bound());
            constant(f.step());
            locals.putIfAbsent(f.variable().name(), ValueType.INT);
            statements(f.body());
        }
    }

    /** The value of an integer literal; anything else is typed, and yields null. */
    private Long constant(Expr e) {
        if (e instanceof IntLit lit) {
            return lit.value();
        }
        typeOf(e);
        return null;
    }

    private void assign(Assign a) {
        Signature aggregation = a.value() instanceof Call call ? Signature.aggregation(call) : null;
        if (a.target() instanceof Local l) {
            if (aggregation == null) {
                ValueType v = typeOf(a.value());
                if (v == null) {
                    poisoned.add(l.name());
                } else if (a.op().isEmpty()) {
                    locals.putIfAbsent(l.name(), v);
                }
            }
        } else if (aggregation != null) {
            if (a.op().isEmpty() && a.target() instanceof MapRef m) {
                aggregate(m, (Call) a.value(), aggregation);
            }
        } else {
            ValueType v = typeOf(a.value());
            if (!a.op().isEmpty() && v != ValueType.INT) {
                v = null;
            }
            if (v == null) {
                poisoned.add(MapTable.name(a.target()));
            } else {
                write(a.target(), v);
            }
        }
    }

    private void aggregate(MapRef target, Call call, Signature aggregation) {
        List<Expr> args = call.args();
        if (!aggregation.fits(args)) {
            return;
        }
        if (!args.isEmpty()) {
            typeOf(args.get(0));
        }
        MapKind kind = aggregation.mapKind();
        long[] bounds = {0, 0, 0};
        if (kind == MapKind.LHIST) {
            Long min = constant(args.get(1));
            Long max = constant(args.get(2));
            Long step = args.size() == 4 ? constant(args.get(3)) : Long.valueOf(1);
            if (min == null || max == null || step == null) {
                return;
            }
            long buckets = MapTable.linearBuckets(min, max, step);
            if (buckets < 0 || buckets > Limits.MAX_LHIST_BUCKETS) {
                return;
            }
            bounds = new long[] {min, max, step};
        }
        MapTable.Entry m = declare(target, kind, aggregation.spelling() + "()");
        if (m != null && kind == MapKind.LHIST) {
            m.buckets(bounds[0], bounds[1], bounds[2]);
        }
    }

    /** A plain value of type {@code v} written to a map or thread-local. */
    private void write(Expr target, ValueType v) {
        MapTable.Entry m = declare(target, MapKind.SCALAR, "plain value");
        if (m != null) {
            m.value(v);
        }
    }

    /** The entry a write of this kind declares or uses; null when it is of another kind or its keys have no type. */
    private MapTable.Entry declare(Expr target, MapKind kind, String use) {
        MapTable.Entry m = maps.declare(target, kind, use);
        if (m.kind() != kind) {
            return null;
        }
        return target instanceof MapRef ref && !keys(ref, m) ? null : m;
    }

    /** Types the keys of {@code ref}, up to the first that has no type; learns them when they are the first. */
    private boolean keys(MapRef ref, MapTable.Entry m) {
        List<ValueType> types = new ArrayList<>();
        for (Expr k : ref.keys()) {
            ValueType t = typeOf(k);
            if (t == null) {
                return false;
            }
            types.add(t);
        }
        return types.size() <= Limits.MAX_KEYS && m.keys(types);
    }

    /** The type the type checker will give {@code e}, null for none; learns the writes inside it. */
    private ValueType typeOf(Expr e) {
        if (e instanceof IntLit || e instanceof ParamCount) {
            return ValueType.INT;
        } else if (e instanceof StrLit) {
            return ValueType.STR;
        } else if (e instanceof Ident id) {
            return read(context.identifier(id));
        } else if (e instanceof Field f) {
            return read(context.field(f.name(), f.index(), "args->" + f.name()));
        } else if (e instanceof Positional p) {
            return options.positionalType(p.number());
        } else if (e instanceof Local l) {
            return locals.get(l.name());
        } else if (e instanceof MapRef || e instanceof SelfVar) {
            return readMap(e);
        } else if (e instanceof Unary u) {
            typeOf(u.operand());
            return ValueType.INT;
        } else if (e instanceof Binary b) {
            typeOf(b.left());
            typeOf(b.right());
            return ValueType.INT;
        } else if (e instanceof Ternary t) {
            typeOf(t.condition());
            ValueType a = typeOf(t.then());
            ValueType b = typeOf(t.otherwise());
            return a != null && b != null && a != b ? null : a != null ? a : b;
        } else if (e instanceof Call c) {
            return call(c);
        }
        Update u = (Update) e;
        if (u.target() instanceof MapRef || u.target() instanceof SelfVar) {
            write(u.target(), ValueType.INT);
        }
        return ValueType.INT;
    }

    private ValueType read(ProbeContext.Read r) {
        readsRecord |= r.slot() >= 0;
        return r.type();
    }

    private ValueType readMap(Expr target) {
        MapTable.Entry m = maps.get(MapTable.name(target));
        if (m == null) {
            if (target instanceof MapRef ref) {
                for (Expr k : ref.keys()) {
                    typeOf(k);
                }
            }
            return ValueType.INT;
        }
        if (target instanceof MapRef ref && !keys(ref, m)) {
            return null;
        }
        return m.kind().readable() ? m.readType() : null;
    }

    /**
     * Types what the call checker types of a call: every argument of an unknown function, of an
     * aggregation out of place and of a printf without a format; of a call that fits its signature,
     * the values it reads (a map argument is no read; print's value only when it prints one).
     */
    private ValueType call(Call c) {
        Signature s = Signature.callable(c.name());
        List<Expr> args = c.args();
        if (s == null || s.kind() == Signature.Kind.AGGREGATION || (s == Signature.PRINTF && !s.fits(args))) {
            for (Expr a : args) {
                typeOf(a);
            }
            return null;
        }
        if (!s.fits(args)) {
            return null;
        }
        switch (s) {
            case PRINTF -> printf(args);
            case PRINT -> {
                if (args.size() == 1 && !Signature.Form.MAP.accepts(args.get(0))) {
                    typeOf(args.get(0));
                }
            }
            case DELETE -> {
                MapTable.Entry m = maps.get(MapTable.name(args.get(0)));
                if (m == null) {
                    readMap(args.get(0));
                } else if (args.get(0) instanceof MapRef ref) {
                    keys(ref, m);
                }
            }
            case STR -> {
                ValueType t = args.get(0) instanceof Positional ? ValueType.STR : typeOf(args.get(0));
                return t == null || t == ValueType.INT ? null : ValueType.STR;
            }
            case KSTACK, USTACK, STACK -> {
                return ValueType.STACK;
            }
            case KADDR -> {
                return ValueType.INT;
            }
            case KSYM, USYM -> {
                return typeOf(args.get(0)) == ValueType.INT ? ValueType.STACK : null;
            }
            default -> {
            }
        }
        return null;
    }

    /** Types the values of a printf up to the first one its format has no conversion for. */
    private void printf(List<Expr> args) {
        int conversions;
        try {
            conversions = PrintfFormat.parse(((StrLit) args.get(0)).value()).conversions().size();
        } catch (PrintfFormat.FormatException e) {
            return;
        }
        if (args.size() - 1 > Limits.MAX_PRINTF_ARGS) {
            return;
        }
        for (int i = 1; i < args.size() && i - 1 <= conversions; i++) {
            typeOf(args.get(i));
        }
    }
}
