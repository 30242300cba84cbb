package dev.safetap.compiler;

import dev.safetap.bytecode.Builtin;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.ValueType;
import dev.safetap.compiler.Ast.Expr;
import dev.safetap.compiler.Ast.MapRef;
import dev.safetap.compiler.Ast.SelfVar;
import dev.safetap.compiler.Ast.StrLit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Every builtin and function of the language, one row per spelling: its kind, what it reads or
 * folds, the number of arguments it takes and the form of the first, the type it yields, what a
 * misuse error says and how to write it instead. A DTrace spelling names the bpftrace row it stands
 * for. The type checker, the code generator and the documentation test all read this table.
 */
enum Signature {
    PID("pid", Builtin.PID, null),
    TID("tid", Builtin.TID, null),
    COMM("comm", Builtin.COMM, null),
    EXECNAME("execname", Builtin.COMM, COMM),
    NSECS("nsecs", Builtin.NSECS, null),
    TIMESTAMP("timestamp", Builtin.NSECS, NSECS),
    ELAPSED("elapsed", Builtin.ELAPSED, null),
    CPU("cpu", Builtin.CPU, null),
    PROBE("probe", Builtin.PROBE, null),
    PROBEPROV("probeprov", Builtin.PROBEPROV, null),
    PROBEMOD("probemod", Builtin.PROBEMOD, null),
    PROBEFUNC("probefunc", Builtin.PROBEFUNC, null),
    PROBENAME("probename", Builtin.PROBENAME, null),
    /** The traced function of a uprobe: what DTrace calls its probefunc. */
    FUNC("func", Builtin.PROBEFUNC, null),
    CPID("cpid", Builtin.CPID, null),

    ARGS("args", -1),
    RETVAL("retval", -1),
    ARG0("arg0", 0),
    ARG1("arg1", 1),
    ARG2("arg2", 2),
    ARG3("arg3", 3),
    ARG4("arg4", 4),
    ARG5("arg5", 5),

    COUNT("count", MapKind.COUNT, 0, 0, "write `@name[key] = count()`", null),
    SUM("sum", MapKind.SUM, 1, 1, "write `sum(value)`", null),
    AVG("avg", MapKind.AVG, 1, 1, "write `avg(value)`", null),
    MIN("min", MapKind.MIN, 1, 1, "write `min(value)`", null),
    MAX("max", MapKind.MAX, 1, 1, "write `max(value)`", null),
    STATS("stats", MapKind.STATS, 1, 1, "write `stats(value)`", null),
    HIST("hist", MapKind.HIST, 1, 1, "write `hist(value)`", null),
    QUANTIZE("quantize", MapKind.HIST, 1, 1, "write `quantize(value)`", HIST),
    LHIST("lhist", MapKind.LHIST, 4, 4, "write `@name = lhist(value, min, max, step)` with constant min, max and step", null),
    /** Its step may be left out, and is then 1. */
    LQUANTIZE("lquantize", MapKind.LHIST, 3, 4, "write `@name = lquantize(value, low, high, step)` with constant bounds", LHIST),

    PRINTF("printf", null, Form.FORMAT, 1, Integer.MAX_VALUE, "needs a format string literal as its first argument",
            "write `printf(\"format\", values...)`", null),
    PRINT("print", null, Form.ANY, 1, 3, "takes 1 to 3 arguments, not %d",
            "write `print(@map)`, `print(@map, top)`, `print(@map, top, divisor)` or `print(value)`", null),
    /** Prints maps only. */
    PRINTA("printa", null, Form.ANY, 1, 3, "takes 1 to 3 arguments, not %d", PRINT.usage, PRINT),
    CLEAR("clear", null, Form.MAP, 1, 1, "takes one map", "write `clear(@map)`", null),
    ZERO("zero", null, Form.MAP, 1, 1, "takes one map", "write `zero(@map)`", null),
    DELETE("delete", null, Form.ENTRY, 1, 1, "takes one map entry", "write `delete(@map[key])`", null),
    EXIT("exit", null, Form.ANY, 0, 0, "takes no arguments", "write `exit()`", null),
    TIME("time", null, Form.FORMAT, 0, 1, "takes no argument or one format string", "write `time()` or `time(\"%H:%M:%S\\n\")`", null),
    TRUNC("trunc", null, Form.MAP, 1, 2, "takes a map and a count", "write `trunc(@map, n)` to keep the n largest entries", null),
    STR("str", ValueType.STR, Form.ANY, 1, 2, "takes 1 or 2 arguments, not %d", "write `str(value)` or `str(value, length)`", null),
    /** Also a bare name: {@code kstack} is {@code kstack()}. */
    KSTACK("kstack", ValueType.STACK, Form.ANY, 0, 2, "takes a mode and a frame count, not %d arguments",
            "write `kstack`, `kstack(N)`, `kstack(perf)` or `kstack(perf, N)`, with N from 1 to 127", null),
    USTACK("ustack", ValueType.STACK, Form.ANY, 0, 2, "takes a mode and a frame count, not %d arguments",
            "write `ustack`, `ustack(N)`, `ustack(perf)` or `ustack(perf, N)`, with N from 1 to 127", null),
    /** DTrace's kernel stack action. */
    STACK("stack", ValueType.STACK, Form.ANY, 0, 1, "takes at most a frame count, not %d arguments",
            "write `stack()` or `stack(N)`, with N from 1 to 127", KSTACK),
    KSYM("ksym", ValueType.STACK, Form.ANY, 1, 1, "takes one address, not %d arguments", "write `ksym(address)`", null),
    USYM("usym", ValueType.STACK, Form.ANY, 1, 1, "takes one address, not %d arguments", "write `usym(address)`", null),
    KADDR("kaddr", ValueType.INT, Form.FORMAT, 1, 1, "takes one kernel symbol name in quotes",
            "write `kaddr(\"vfs_read\")`", null);

    enum Kind {
        /** A value of the firing context, read with CTX. */
        CONTEXT,
        /** A field of the event record, read with FIELD. */
        RECORD,
        /** Folds a value into a map: {@code @name[key] = count()}. */
        AGGREGATION,
        /** A statement of its own, yielding nothing. */
        ACTION,
        /** A call yielding a value. */
        FUNCTION
    }

    /** What the first argument of an action must be. */
    enum Form {
        ANY,
        /** A whole map: {@code @name}. */
        MAP,
        /** One entry of a map or a thread-local: {@code @name[key]}, {@code self->name}. */
        ENTRY,
        /** A string literal. */
        FORMAT;

        boolean accepts(Expr e) {
            return switch (this) {
                case ANY -> true;
                case MAP -> e instanceof MapRef m && m.keys().isEmpty();
                case ENTRY -> e instanceof MapRef || e instanceof SelfVar;
                case FORMAT -> e instanceof StrLit;
            };
        }
    }

    private static final Map<String, Signature> BY_NAME = new HashMap<>();

    static {
        for (Signature s : values()) {
            BY_NAME.put(s.spelling, s);
        }
    }

    private final String spelling;
    private final Kind kind;
    private final Builtin builtin;
    private final int argument;
    private final MapKind aggregation;
    private final ValueType result;
    private final Form first;
    private final int minArgs;
    private final int maxArgs;
    private final String misuse;
    private final String usage;
    private final Signature bpftrace;

    Signature(String spelling, Builtin builtin, Signature bpftrace) {
        this(spelling, Kind.CONTEXT, builtin, -1, null, builtin.type(), Form.ANY, 0, 0, "", "", bpftrace);
    }

    /** A record builtin; {@code argument} is N for {@code argN}, else -1. */
    Signature(String spelling, int argument) {
        this(spelling, Kind.RECORD, null, argument, null, null, Form.ANY, 0, 0, "", "", null);
    }

    Signature(String spelling, MapKind aggregation, int minArgs, int maxArgs, String usage, Signature bpftrace) {
        this(spelling, Kind.AGGREGATION, null, -1, aggregation, null, Form.ANY, minArgs, maxArgs,
                "takes " + maxArgs + " argument" + (maxArgs == 1 ? "" : "s") + ", not %d", usage, bpftrace);
    }

    /** An action, or a function when it yields a {@code result}. */
    Signature(String spelling, ValueType result, Form first, int minArgs, int maxArgs, String misuse, String usage,
            Signature bpftrace) {
        this(spelling, result == null ? Kind.ACTION : Kind.FUNCTION, null, -1, null, result, first, minArgs, maxArgs,
                misuse, usage, bpftrace);
    }

    Signature(String spelling, Kind kind, Builtin builtin, int argument, MapKind aggregation, ValueType result, Form first,
            int minArgs, int maxArgs, String misuse, String usage, Signature bpftrace) {
        this.spelling = spelling;
        this.kind = kind;
        this.builtin = builtin;
        this.argument = argument;
        this.aggregation = aggregation;
        this.result = result;
        this.first = first;
        this.minArgs = minArgs;
        this.maxArgs = maxArgs;
        this.misuse = misuse;
        this.usage = usage;
        this.bpftrace = bpftrace;
    }

    /** The row of this spelling, or null when the language has no such name. */
    static Signature of(String spelling) {
        return BY_NAME.get(spelling);
    }

    /** Whether this is a stack ({@code kstack}, {@code ustack}, DTrace's {@code stack}): a call, or a bare name. */
    boolean isStack() {
        return this == KSTACK || this == USTACK || this == STACK;
    }

    /** The row of a function, aggregation or action; null for builtins and unknown names. */
    static Signature callable(String spelling) {
        Signature s = of(spelling);
        return s == null || s.kind == Kind.CONTEXT || s.kind == Kind.RECORD ? null : s;
    }

    /** The aggregation this call is, or null when it is none. */
    static Signature aggregation(Ast.Call call) {
        Signature s = of(call.name());
        return s != null && s.kind == Kind.AGGREGATION ? s : null;
    }

    /** Every builtin, by every spelling. */
    static Set<String> builtins() {
        return spellings(Set.of(Kind.CONTEXT, Kind.RECORD));
    }

    /** Every function, aggregation and action, by every spelling. */
    static Set<String> functions() {
        return spellings(Set.of(Kind.AGGREGATION, Kind.ACTION, Kind.FUNCTION));
    }

    private static Set<String> spellings(Set<Kind> kinds) {
        Set<String> out = new TreeSet<>();
        for (Signature s : values()) {
            if (kinds.contains(s.kind)) {
                out.add(s.spelling);
            }
        }
        return out;
    }

    String spelling() {
        return spelling;
    }

    Kind kind() {
        return kind;
    }

    /** The context value a CONTEXT builtin reads. */
    Builtin builtin() {
        return builtin;
    }

    /** N for the record builtin {@code argN}, else -1. */
    int argument() {
        return argument;
    }

    /** The map kind an aggregation folds into. */
    MapKind mapKind() {
        return aggregation;
    }

    /** The type a builtin or function yields; null for record builtins (the field decides), aggregations and actions. */
    ValueType result() {
        return result;
    }

    /** True when {@code args} has a number and a first argument this signature takes. */
    boolean fits(List<Expr> args) {
        return args.size() >= minArgs && args.size() <= maxArgs && (args.isEmpty() || first.accepts(args.get(0)));
    }

    /** The error for a call whose arguments do not fit, as in "print() takes 1 to 3 arguments, not 4". */
    String misuse(String written, int given) {
        return written + "() " + misuse.replace("%d", String.valueOf(given));
    }

    /** How an aggregation is written, as a hint where it was called elsewhere: "for example `@[probe] = sum(...)`". */
    String example() {
        return "for example `@[probe] = " + spelling + "(" + (maxArgs == 0 ? "" : "...") + ")`";
    }

    /** How to write a call of this signature, as a hint. */
    String usage() {
        return usage;
    }

    /** The bpftrace row this DTrace spelling stands for, or null for a bpftrace name. */
    Signature bpftrace() {
        return bpftrace;
    }
}
