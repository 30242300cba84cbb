package dev.safetap.compiler;

import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.PrintfFormat;
import dev.safetap.bytecode.ValueType;
import dev.safetap.compiler.Ast.*;
import java.util.List;
import java.util.Set;

/**
 * Checks every call against its {@link Signature}, for the {@link TypeChecker}, which types the
 * arguments. A name that is no function, or an aggregation anywhere but as the value of a map
 * assignment (which the type checker checks), is reported with its arguments typed. A call whose
 * number of arguments or first argument does not fit its signature is reported in the signature's
 * words, and its arguments are not typed (printf's excepted). Then each action's own rules: printf's
 * values match its conversions one by one; print takes a whole map, with a constant top and divisor,
 * or one value; clear, zero and trunc take a map, delete one entry; str() takes a string and can
 * only widen it. Only str() yields a value; an action used as one is reported.
 */
final class CallChecker {
    private static final String STR_HINT = "string fields and positional parameters are strings; "
            + "safetap cannot read the memory of the traced process at an address";

    private static final Set<String> STACK_MODES = Set.of("bpftrace", "perf");

    private final TypeChecker checker;
    private final MapTable maps;
    private final Diagnostics errors;

    CallChecker(TypeChecker checker, MapTable maps, Diagnostics errors) {
        this.checker = checker;
        this.maps = maps;
        this.errors = errors;
    }

    /** Types a call; {@code statement} is true when its value is unused. Null for calls that yield nothing. */
    ValueType check(Call c, boolean statement) {
        String fn = c.name();
        List<Expr> args = c.args();
        Signature s = Signature.callable(fn);
        if (s == null || s.kind() == Signature.Kind.AGGREGATION) {
            if (s != null) {
                checker.error(c, fn + "() is an aggregation: assign it to a map", s.example());
            } else {
                checker.error(c, "unknown function `" + fn + "`", Spelling.hint(fn, Signature.functions()));
            }
            for (Expr a : args) {
                checker.type(a);
            }
            return null;
        }
        if (s == Signature.STR) {
            return str(c);
        }
        if (s.isStack()) {
            return stack(c, s);
        }
        if (s == Signature.KSYM || s == Signature.USYM) {
            return symbol(c, s);
        }
        if (s == Signature.KADDR) {
            if (!s.fits(args)) {
                checker.error(c, s.misuse(fn, args.size()), s.usage());
                return null;
            }
            checker.record(args.get(0), ValueType.STR);
            return ValueType.INT;
        }
        if (!s.fits(args)) {
            checker.error(c, s.misuse(fn, args.size()), s.usage());
            if (s == Signature.PRINTF) {
                for (Expr a : args) {
                    checker.type(a);
                }
            }
        } else {
            action(c, s);
        }
        if (!statement) {
            checker.error(c, fn + "() does not return a value", "call it as a statement of its own");
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
                    checker.error(args.get(0), "printa() prints a whole map", "write `printa(@map)`");
                } else if (args.size() > 1) {
                    checker.error(args.get(1), "print(value) takes no further arguments; top and divisor apply to maps", s.usage());
                } else {
                    checker.type(args.get(0));
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
                MapTable.Entry m = maps.get(MapTable.name(args.get(0)));
                if (m == null) {
                    checker.readMap(args.get(0));
                } else if (args.get(0) instanceof MapRef ref) {
                    checker.keys(ref, m);
                }
            }
            default -> {
            }
        }
    }

    private void count(Expr e, String what) {
        long n = e instanceof IntLit lit ? lit.value() : -1;
        if (n < 0 || n > Integer.MAX_VALUE) {
            checker.error(e, what + " must be a non-negative integer constant", "");
        }
        checker.record(e, ValueType.INT);
    }

    private void mapArgument(MapRef m) {
        if (maps.get(m.name()) == null) {
            checker.readMap(m);
        }
    }

    private ValueType str(Call c) {
        List<Expr> args = c.args();
        if (!Signature.STR.fits(args)) {
            checker.error(c, Signature.STR.misuse(c.name(), args.size()), Signature.STR.usage());
            return null;
        }
        Expr a = args.get(0);
        ValueType t = a instanceof Positional ? ValueType.STR : checker.type(a);
        if (a instanceof Positional) {
            checker.record(a, ValueType.STR);
        }
        if (t == ValueType.INT) {
            checker.error(a, "str() needs a string field, a string or a positional parameter, but this is an integer", STR_HINT);
            return null;
        }
        if (args.size() == 2) {
            long n = args.get(1) instanceof IntLit lit ? lit.value() : -1;
            checker.record(args.get(1), ValueType.INT);
            int bound = checker.stringBound(a);
            if (n < 1 || n > Limits.MAX_STRING) {
                checker.error(args.get(1), "the length of str() must be a constant from 1 to " + Limits.MAX_STRING, "");
            } else if (n < bound) {
                checker.error(args.get(1), "str() cannot shorten this string to " + n + " bytes (it may hold up to " + bound + ")",
                        "print a prefix with printf(\"%." + n + "s\", ...) instead");
            }
        }
        return t == null ? null : ValueType.STR;
    }

    /**
     * {@code kstack(mode, frames)}: an optional mode first ({@code bpftrace} or {@code perf}, as bpftrace 0.17 has), an
     * optional frame count from 1 to {@value Limits#MAX_STACK_FRAMES}; DTrace's {@code stack(N)} takes the count alone.
     */
    private ValueType stack(Call c, Signature s) {
        List<Expr> args = c.args();
        String fn = c.name();
        if (!s.fits(args)) {
            checker.error(c, s.misuse(fn, args.size()), s.usage());
            return null;
        }
        boolean ok = true;
        for (int i = 0; i < args.size(); i++) {
            Expr a = args.get(i);
            if (i == 0 && a instanceof Ident id && s != Signature.STACK) {
                if (!STACK_MODES.contains(id.name())) {
                    checker.error(a, "unknown stack mode `" + id.name() + "`", "the modes are `bpftrace` (the default) and `perf`");
                    ok = false;
                }
                continue;
            }
            long n = a instanceof IntLit lit ? lit.value() : -1;
            checker.record(a, ValueType.INT);
            if (n < 1 || n > Limits.MAX_STACK_FRAMES || i != args.size() - 1) {
                checker.error(a, i != args.size() - 1 ? "the frame count of " + fn + "() comes last"
                        : "the frame count of " + fn + "() must be a constant from 1 to " + Limits.MAX_STACK_FRAMES, s.usage());
                ok = false;
            }
        }
        ProbeContext.Read r = checker.context().stack(fn + "()");
        if (r.message() != null) {
            checker.error(c, r.message(), r.hint());
            return null;
        }
        return ok ? ValueType.STACK : null;
    }

    /** The frame count a checked stack call asks for. */
    static int frames(Call c) {
        List<Expr> args = c.args();
        return !args.isEmpty() && args.get(args.size() - 1) instanceof IntLit lit ? (int) lit.value() : Limits.MAX_STACK_FRAMES;
    }

    /** Whether a checked stack call asks for perf's mode. */
    static boolean perfMode(Call c) {
        return !c.args().isEmpty() && c.args().get(0) instanceof Ident id && id.name().equals("perf");
    }

    private ValueType symbol(Call c, Signature s) {
        if (!s.fits(c.args())) {
            checker.error(c, s.misuse(c.name(), c.args().size()), s.usage());
            return null;
        }
        Expr a = c.args().get(0);
        ValueType t = checker.type(a);
        if (t != null && t != ValueType.INT) {
            checker.error(a, c.name() + "() names a code address, an integer, but this is " + TypeChecker.describe(t), "");
            return null;
        }
        return t == null ? null : ValueType.STACK;
    }

    private void printf(Call c) {
        List<Expr> args = c.args();
        StrLit fmt = (StrLit) args.get(0);
        List<PrintfFormat.Conversion> conversions;
        try {
            conversions = PrintfFormat.parse(fmt.value()).conversions();
        } catch (PrintfFormat.FormatException e) {
            errors.error(fmt.line(), fmt.column() + 1 + e.index(), "bad printf format: " + e.getMessage(), "");
            return;
        }
        int given = args.size() - 1;
        if (given > Limits.MAX_PRINTF_ARGS) {
            checker.error(args.get(Limits.MAX_PRINTF_ARGS + 1), "printf() takes at most " + Limits.MAX_PRINTF_ARGS + " values", "");
            return;
        }
        for (int i = 1; i < args.size(); i++) {
            ValueType t = checker.type(args.get(i));
            if (i - 1 >= conversions.size()) {
                checker.error(args.get(i), conversionCount(conversions.size(), given),
                        "remove this value or add a conversion such as `%d`");
                return;
            }
            PrintfFormat.Conversion conv = conversions.get(i - 1);
            if (t != null && !conv.accepts(t)) {
                checker.error(args.get(i), "printf conversion `%" + conv.conversion() + "` needs "
                        + TypeChecker.describe(conv.argumentType()) + ", but value " + i + " is " + TypeChecker.describe(t),
                        t == ValueType.STR ? "use `%s` for strings" : "use `%d` for integers");
            }
        }
        if (given < conversions.size()) {
            checker.error(c, conversionCount(conversions.size(), given), "give one value for each conversion");
        }
    }

    private static String conversionCount(int conversions, int given) {
        return "printf has " + conversions + " conversion" + (conversions == 1 ? "" : "s") + " in its format but "
                + given + " value" + (given == 1 ? "" : "s");
    }
}
