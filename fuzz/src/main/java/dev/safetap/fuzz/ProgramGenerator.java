package dev.safetap.fuzz;

import static dev.safetap.bytecode.ValueType.INT;
import static dev.safetap.bytecode.ValueType.STR;

import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.ValueType;
import dev.safetap.fuzz.SourceNode.Kind;
import dev.safetap.kernel.FormatField;
import dev.safetap.kernel.TracepointCatalog;
import dev.safetap.kernel.TracepointFormat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Generates well-typed scripts at source level, so that most of them compile and verify: clauses on
 * a few tracepoints and on BEGIN, END and interval; predicates; integer and string expressions over
 * literals, builtins, record fields, {@code $locals}, {@code self->} thread-locals and map reads;
 * scalar maps and every aggregation; if/else, ternaries, {@code unroll} and constant {@code for}
 * loops; printf, print, clear, zero and delete; divisions, also by zero. The generator tracks the
 * type of every map, thread-local and local it has introduced and only reads names it has written
 * earlier in the text, so type errors are rare. The result is a {@link SourceNode} tree, which the
 * shrinker can cut down.
 */
public final class ProgramGenerator {
    /** Tracepoints of the snapshot catalog with integer, char-array and {@code __data_loc} fields. */
    public static final List<String> TRACEPOINTS = List.of("syscalls:sys_enter_read", "syscalls:sys_exit_read",
            "syscalls:sys_enter_openat", "sched:sched_switch", "sched:sched_process_exec", "sched:sched_process_fork",
            "task:task_rename", "raw_syscalls:sys_exit");

    private static final String[] INT_LITERALS = {"0", "1", "-1", "2", "7", "64", "1000", "4294967296", "0x7fffffffffffffff"};
    private static final String[] STR_LITERALS = {"\"\"", "\"a\"", "\"bash\"", "\"hello world\"", "\"" + "z".repeat(Limits.MAX_STRING) + "\""};
    private static final String[] INT_BUILTINS = {"pid", "tid", "cpu", "cpid"};
    private static final String[] TIME_BUILTINS = {"nsecs", "elapsed"};
    private static final String[] BINARY = {"+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>", "==", "!=", "<", "<=", ">", ">=", "&&", "||"};
    private static final String[] INT_CONVERSIONS = {"%d", "%u", "%x", "%X", "%o", "%5d", "%-6d", "%08x", "%i", "%+d"};
    private static final String[] STR_CONVERSIONS = {"%s", "%10s", "%-4s", "%.3s"};

    /** What a map holds: a scalar of a type or an aggregation, with its key types. */
    private record MapInfo(String aggregation, ValueType value, List<ValueType> keys) {
        boolean readable() {
            return aggregation.isEmpty() || List.of("count", "sum", "avg", "min", "max").contains(aggregation);
        }
    }

    /** The record fields a tracepoint clause can read, by type. */
    private record Fields(List<String> ints, List<String> strings, List<String> charArrays) {
    }

    private final TracepointCatalog catalog;
    private final RandomGenerator random;

    private final Map<String, MapInfo> maps = new LinkedHashMap<>();
    private final Map<String, ValueType> threadLocals = new LinkedHashMap<>();
    private final List<Map<String, ValueType>> scopes = new ArrayList<>();
    private final List<String> loopVariables = new ArrayList<>();
    private Fields fields;
    private boolean timed;
    /** The clause is an interval probe: it fires in safetap, where the current task's builtins are refused. */
    private boolean tick;
    private int locals;
    private int depth;

    public ProgramGenerator(TracepointCatalog catalog, RandomGenerator random) {
        this.catalog = catalog;
        this.random = random;
    }

    /** A new script of one to five clauses. */
    public SourceNode next() {
        maps.clear();
        threadLocals.clear();
        List<Object> clauses = new ArrayList<>();
        if (random.nextInt(3) == 0) {
            clauses.add(clause("BEGIN", null, false));
        }
        for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
            String tp = TRACEPOINTS.get(random.nextInt(TRACEPOINTS.size()));
            clauses.add(clause("tracepoint:" + tp, catalog.format(tp).orElseThrow(), true));
        }
        if (random.nextInt(5) == 0) {
            clauses.add(clause("interval:ms:" + (1 + random.nextInt(1000)), null, true));
        }
        if (random.nextInt(3) == 0) {
            clauses.add(clause("END", null, false));
        }
        return new SourceNode(Kind.SCRIPT, null, clauses);
    }

    private SourceNode clause(String probe, TracepointFormat format, boolean hasTime) {
        fields = fieldsOf(format);
        timed = hasTime;
        tick = probe.startsWith("interval:");
        scopes.clear();
        scopes.add(new LinkedHashMap<>());
        loopVariables.clear();
        depth = 0;
        List<Object> parts = new ArrayList<>();
        parts.add(probe);
        if (format != null && random.nextInt(3) == 0) {
            parts.add(SourceNode.of(Kind.PREDICATE, null, " /", intExpr(2), "/"));
        }
        parts.add(" {\n");
        parts.addAll(statements(1 + random.nextInt(6)));
        parts.add("}\n");
        return new SourceNode(Kind.CLAUSE, null, parts);
    }

    private static Fields fieldsOf(TracepointFormat format) {
        List<String> ints = new ArrayList<>();
        List<String> strings = new ArrayList<>();
        List<String> chars = new ArrayList<>();
        if (format != null) {
            for (FormatField f : format.fields()) {
                if (f.common()) {
                    continue;
                }
                if (f.dataLoc()) {
                    strings.add(f.name());
                } else if (f.isArray() && f.type().contains("char")) {
                    chars.add(f.name());
                } else if (!f.isArray() && (f.size() == 1 || f.size() == 2 || f.size() == 4 || f.size() == 8)) {
                    ints.add(f.name());
                }
            }
        }
        return new Fields(ints, strings, chars);
    }

    // ---- statements

    private List<SourceNode> statements(int n) {
        List<SourceNode> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(statement());
        }
        return out;
    }

    private SourceNode statement() {
        int roll = random.nextInt(100);
        if (depth >= 2 && roll >= 60 && roll < 75) {
            roll = 0;
        }
        if (roll < 12) {
            return assignLocal();
        } else if (roll < 30) {
            return aggregate();
        } else if (roll < 40) {
            return assignMap();
        } else if (roll < 47) {
            return assignThreadLocal();
        } else if (roll < 60) {
            return printf();
        } else if (roll < 67) {
            return ifStatement();
        } else if (roll < 71) {
            return unroll();
        } else if (roll < 75) {
            return forLoop();
        } else if (roll < 82) {
            return print();
        } else if (roll < 88) {
            return mapCommand();
        } else if (roll < 89) {
            return statement("exit();\n");
        }
        return assignLocal();
    }

    private static SourceNode statement(Object... parts) {
        return SourceNode.of(Kind.STATEMENT, null, parts);
    }

    private SourceNode assignLocal() {
        ValueType t = random.nextInt(4) == 0 ? STR : INT;
        List<String> same = new ArrayList<>();
        for (Map<String, ValueType> scope : scopes) {
            scope.forEach((name, type) -> {
                if (type == t && !loopVariables.contains(name)) {
                    same.add(name);
                }
            });
        }
        SourceNode value = expr(t, 3);
        String name;
        if (!same.isEmpty() && random.nextBoolean()) {
            name = same.get(random.nextInt(same.size()));
        } else {
            name = "$v" + locals++;
            scopes.get(scopes.size() - 1).put(name, t);
        }
        return statement(name, " = ", value, ";\n");
    }

    private SourceNode assignThreadLocal() {
        ValueType t = random.nextInt(4) == 0 ? STR : INT;
        List<String> same = threadLocals.entrySet().stream().filter(e -> e.getValue() == t).map(Map.Entry::getKey).toList();
        SourceNode value = expr(t, 2);
        String name = !same.isEmpty() && random.nextBoolean() ? same.get(random.nextInt(same.size())) : "self->t" + threadLocals.size();
        threadLocals.put(name, t);
        return statement(name, " = ", value, ";\n");
    }

    private SourceNode assignMap() {
        ValueType t = random.nextInt(3) == 0 ? STR : INT;
        Map.Entry<String, MapInfo> m = pickOrCreateMap("", t);
        SourceNode keys = keys(m.getValue());
        SourceNode value = expr(m.getValue().value(), 2);
        maps.put(m.getKey(), m.getValue());
        return statement(m.getKey(), keys, " = ", value, ";\n");
    }

    private SourceNode aggregate() {
        String[] kinds = {"count", "sum", "avg", "min", "max", "stats", "hist", "lhist"};
        String kind = kinds[random.nextInt(kinds.length)];
        Map.Entry<String, MapInfo> m = pickOrCreateMap(kind, INT);
        SourceNode keys = keys(m.getValue());
        Object call = switch (kind) {
            case "count" -> "count()";
            case "lhist" -> SourceNode.of(Kind.LEAF, null, "lhist(", expr(INT, 2), ", " + lhistArguments(m.getKey()) + ")");
            default -> SourceNode.of(Kind.LEAF, null, kind + "(", expr(INT, 2), ")");
        };
        maps.put(m.getKey(), m.getValue());
        return statement(m.getKey(), keys, " = ", call, ";\n");
    }

    /** Fixed lhist bounds per map name, as the checker demands one shape per map. */
    private static String lhistArguments(String name) {
        return switch (Math.floorMod(name.hashCode(), 3)) {
            case 0 -> "0, 100, 10";
            case 1 -> "-50, 50, 7";
            default -> "0, 1000000, 1000";
        };
    }

    /**
     * An existing map of this kind, or a new one; a new map is registered by the caller only after its
     * keys and value are generated, so that a map's first use is never a read of itself.
     */
    private Map.Entry<String, MapInfo> pickOrCreateMap(String aggregation, ValueType value) {
        List<Map.Entry<String, MapInfo>> same = maps.entrySet().stream()
                .filter(e -> e.getValue().aggregation().equals(aggregation) && e.getValue().value() == value)
                .toList();
        if (!same.isEmpty() && random.nextInt(3) > 0) {
            return same.get(random.nextInt(same.size()));
        }
        List<ValueType> keys = new ArrayList<>();
        for (int i = 0, n = random.nextInt(3); i < n; i++) {
            keys.add(random.nextInt(3) == 0 ? STR : INT);
        }
        String name = "@" + (aggregation.isEmpty() ? "m" : aggregation) + maps.size();
        return Map.entry(name, new MapInfo(aggregation, value, List.copyOf(keys)));
    }

    private SourceNode keys(MapInfo m) {
        return keys(m, 1);
    }

    private SourceNode keys(MapInfo m, int budget) {
        if (m.keys().isEmpty()) {
            return SourceNode.leaf(null, "");
        }
        List<Object> parts = new ArrayList<>();
        parts.add("[");
        for (int i = 0; i < m.keys().size(); i++) {
            parts.add(i == 0 ? "" : ", ");
            parts.add(expr(m.keys().get(i), budget));
        }
        parts.add("]");
        return new SourceNode(Kind.LEAF, null, parts);
    }

    private SourceNode printf() {
        StringBuilder format = new StringBuilder();
        List<Object> parts = new ArrayList<>();
        int n = random.nextInt(5);
        List<Object> args = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ValueType t = random.nextInt(3) == 0 ? STR : INT;
            format.append(i == 0 ? "" : random.nextBoolean() ? " " : "%% ").append("a").append(i).append('=')
                    .append(t == STR ? STR_CONVERSIONS[random.nextInt(STR_CONVERSIONS.length)] : INT_CONVERSIONS[random.nextInt(INT_CONVERSIONS.length)]);
            args.add(", ");
            args.add(expr(t, 2));
        }
        parts.add("printf(\"" + (n == 0 ? "tick" : format) + "\\n\"");
        parts.addAll(args);
        parts.add(");\n");
        return new SourceNode(Kind.STATEMENT, null, parts);
    }

    private SourceNode print() {
        List<String> printable = maps.keySet().stream().toList();
        if (printable.isEmpty() || random.nextBoolean()) {
            return statement("print(", expr(random.nextInt(3) == 0 ? STR : INT, 2), ");\n");
        }
        String name = printable.get(random.nextInt(printable.size()));
        String extra = switch (random.nextInt(3)) {
            case 0 -> "";
            case 1 -> ", " + random.nextInt(4);
            default -> ", " + random.nextInt(4) + ", " + (1 + random.nextInt(1000));
        };
        return statement("print(" + name + extra + ");\n");
    }

    private SourceNode mapCommand() {
        List<String> names = maps.keySet().stream().toList();
        if (names.isEmpty()) {
            return aggregate();
        }
        String name = names.get(random.nextInt(names.size()));
        MapInfo m = maps.get(name);
        return switch (random.nextInt(3)) {
            case 0 -> statement("clear(" + name + ");\n");
            case 1 -> m.aggregation().isEmpty() || m.keys().isEmpty() ? statement("clear(" + name + ");\n") : statement("zero(" + name + ");\n");
            default -> m.keys().isEmpty() ? statement("clear(" + name + ");\n") : statement("delete(" + name, keys(m), ");\n");
        };
    }

    private SourceNode ifStatement() {
        SourceNode condition = intExpr(2);
        List<Object> parts = new ArrayList<>(List.of("if (", condition, ") {\n"));
        parts.addAll(block(1 + random.nextInt(3)));
        parts.add("}");
        if (random.nextBoolean()) {
            List<Object> elseParts = new ArrayList<>(List.of(" else {\n"));
            elseParts.addAll(block(1 + random.nextInt(3)));
            elseParts.add("}");
            parts.add(new SourceNode(Kind.STATEMENT, null, elseParts));
        }
        parts.add("\n");
        return new SourceNode(Kind.STATEMENT, null, parts);
    }

    private SourceNode unroll() {
        List<Object> parts = new ArrayList<>(List.of("unroll(" + (1 + random.nextInt(4)) + ") {\n"));
        parts.addAll(block(1 + random.nextInt(2)));
        parts.add("}\n");
        return new SourceNode(Kind.STATEMENT, null, parts);
    }

    private SourceNode forLoop() {
        String v = "$i" + locals++;
        int bound = random.nextInt(6);
        String step = random.nextBoolean() ? v + "++" : v + " += " + (1 + random.nextInt(3));
        String header = "for (" + v + " = 0; " + v + (random.nextBoolean() ? " < " : " <= ") + bound + "; " + step + ") {\n";
        scopes.add(new LinkedHashMap<>(Map.of(v, INT)));
        loopVariables.add(v);
        List<Object> parts = new ArrayList<>(List.of(header));
        parts.addAll(block(1 + random.nextInt(2)));
        parts.add("}\n");
        loopVariables.remove(v);
        scopes.remove(scopes.size() - 1);
        return new SourceNode(Kind.STATEMENT, null, parts);
    }

    /** Statements in a nested scope: locals introduced inside are not visible after it. */
    private List<SourceNode> block(int n) {
        depth++;
        scopes.add(new LinkedHashMap<>());
        List<SourceNode> out = statements(n);
        scopes.remove(scopes.size() - 1);
        depth--;
        return out;
    }

    // ---- expressions

    private SourceNode expr(ValueType t, int budget) {
        return t == STR ? strExpr(budget) : intExpr(budget);
    }

    private SourceNode intExpr(int budget) {
        if (budget <= 0 || random.nextInt(3) == 0) {
            return intLeaf(budget);
        }
        int roll = random.nextInt(10);
        if (roll < 5) {
            String op = BINARY[random.nextInt(BINARY.length)];
            SourceNode right = (op.equals("/") || op.equals("%")) && random.nextInt(3) == 0 ? SourceNode.leaf(INT, "0") : intExpr(budget - 1);
            return SourceNode.of(Kind.EXPRESSION, INT, "(", intExpr(budget - 1), " " + op + " ", right, ")");
        } else if (roll < 7) {
            String op = new String[] {"-", "~", "!"}[random.nextInt(3)];
            return SourceNode.of(Kind.EXPRESSION, INT, "(" + op + " ", intExpr(budget - 1), ")");
        } else if (roll < 8) {
            return SourceNode.of(Kind.EXPRESSION, INT, "(", intExpr(budget - 1), " ? ", intExpr(budget - 1), " : ", intExpr(budget - 1), ")");
        } else {
            return SourceNode.of(Kind.EXPRESSION, INT, "(", strExpr(budget - 1), random.nextBoolean() ? " == " : " != ", strExpr(budget - 1), ")");
        }
    }

    private SourceNode strExpr(int budget) {
        if (budget > 0 && random.nextInt(5) == 0) {
            return SourceNode.of(Kind.EXPRESSION, STR, "(", intExpr(budget - 1), " ? ", strExpr(budget - 1), " : ", strExpr(budget - 1), ")");
        }
        return strLeaf(budget);
    }

    /** A leaf; map reads (whose keys are expressions again) only while {@code budget} is positive. */
    private SourceNode intLeaf(int budget) {
        List<String> options = new ArrayList<>();
        options.add(INT_LITERALS[random.nextInt(INT_LITERALS.length)]);
        String builtin = INT_BUILTINS[random.nextInt(INT_BUILTINS.length)];
        options.add(tick ? "cpid" : builtin);
        if (timed) {
            options.add(TIME_BUILTINS[random.nextInt(TIME_BUILTINS.length)]);
        }
        if (!fields.ints().isEmpty()) {
            String f = fields.ints().get(random.nextInt(fields.ints().size()));
            options.add("args->" + f);
            options.add("args." + f);
        }
        addNames(options, INT);
        maps.forEach((name, m) -> {
            if (budget > 0 && m.readable() && m.value() == INT) {
                options.add(name);
            }
        });
        String pick = options.get(random.nextInt(options.size()));
        if (maps.containsKey(pick)) {
            return SourceNode.of(Kind.LEAF, INT, pick, keys(maps.get(pick), budget - 1));
        }
        return SourceNode.leaf(INT, pick);
    }

    private SourceNode strLeaf(int budget) {
        List<String> options = new ArrayList<>();
        options.add(STR_LITERALS[random.nextInt(STR_LITERALS.length)]);
        options.add(random.nextBoolean() && !tick ? "comm" : "probe");
        if (!fields.strings().isEmpty()) {
            String f = fields.strings().get(random.nextInt(fields.strings().size()));
            options.add("str(args->" + f + ")");
        }
        if (!fields.charArrays().isEmpty()) {
            String f = fields.charArrays().get(random.nextInt(fields.charArrays().size()));
            options.add(random.nextBoolean() ? "args->" + f : "str(args->" + f + ")");
        }
        addNames(options, STR);
        maps.forEach((name, m) -> {
            if (budget > 0 && m.readable() && m.value() == STR) {
                options.add(name);
            }
        });
        String pick = options.get(random.nextInt(options.size()));
        if (maps.containsKey(pick)) {
            return SourceNode.of(Kind.LEAF, STR, pick, keys(maps.get(pick), budget - 1));
        }
        return SourceNode.leaf(STR, pick);
    }

    private void addNames(List<String> options, ValueType t) {
        for (Map<String, ValueType> scope : scopes) {
            scope.forEach((name, type) -> {
                if (type == t) {
                    options.add(name);
                }
            });
        }
        threadLocals.forEach((name, type) -> {
            if (type == t) {
                options.add(name);
            }
        });
    }
}
