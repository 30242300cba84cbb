package dev.safetap.fuzz;

import static dev.safetap.bytecode.ValueType.INT;

import dev.safetap.fuzz.SourceNode.Kind;
import dev.safetap.kernel.FormatField;
import dev.safetap.kernel.TracepointCatalog;
import dev.safetap.kernel.TracepointFormat;
import java.util.ArrayList;
import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Generates scripts whose predicates the kernel filter derivation can translate, to test it: comparisons of
 * integer record fields, {@code tid}, {@code cpid} and {@code comm} with constants at and around the
 * boundaries of each field's type (the minimum and maximum, one past them, 0, -1, 2^63), joined by
 * {@code &&}, {@code ||} and {@code !}, inside predicates and {@code if} conditions, next to a few
 * expressions it cannot translate (arithmetic, {@code pid}, {@code nsecs}, map reads). Bodies mostly add one
 * to a constant key of a count map, which makes the clause count-only, or do one more thing besides.
 * Tracepoints include {@code sched:sched_wakeup}, whose record has a {@code comm} field of its own.
 */
public final class FilterProgramGenerator {
    /** Tracepoints with signed, unsigned, 1- to 8-byte and char-array fields. */
    public static final List<String> TRACEPOINTS = List.of("syscalls:sys_enter_read", "syscalls:sys_exit_read",
            "sched:sched_switch", "sched:sched_wakeup", "sched:sched_process_fork", "raw_syscalls:sys_enter",
            "irq:irq_handler_entry", "kmem:kmalloc");
    /** Pids, tids and comms the event generator draws from, so that comparisons go both ways. */
    private static final long[] TIDS = {1, 2, 42, 43, 4242, 4243, 65535, 65536, Integer.MAX_VALUE};
    private static final String[] COMMS = {"bash", "kworker/0:1", "fifteen-chars-x", "", "a*b", "h\u00e9llo"};
    private static final String[] COMPARISONS = {"==", "!=", "<", "<=", ">", ">="};

    private final TracepointCatalog catalog;
    private final RandomGenerator random;
    private List<FormatField> fields;
    private int maps;

    public FilterProgramGenerator(TracepointCatalog catalog, RandomGenerator random) {
        this.catalog = catalog;
        this.random = random;
    }

    /** A script of one to three tracepoint clauses, sometimes with an interval clause that prints a map. */
    public SourceNode next() {
        maps = 0;
        List<Object> clauses = new ArrayList<>();
        for (int i = 0, n = 1 + random.nextInt(3); i < n; i++) {
            String tp = TRACEPOINTS.get(random.nextInt(TRACEPOINTS.size()));
            clauses.add(clause(tp, catalog.format(tp).orElseThrow()));
        }
        if (random.nextInt(4) == 0) {
            clauses.add(SourceNode.of(Kind.CLAUSE, null, "interval:ms:100 { print(@c0); }\n"));
        }
        return new SourceNode(Kind.SCRIPT, null, clauses);
    }

    private SourceNode clause(String tracepoint, TracepointFormat format) {
        fields = format.fields().stream().filter(f -> !f.isArray() && (f.size() == 1 || f.size() == 2 || f.size() == 4
                || f.size() == 8) && !f.name().equals("common_type") && !f.name().equals("common_flags")
                && !f.name().equals("common_preempt_count")).toList();
        List<Object> parts = new ArrayList<>();
        parts.add("tracepoint:" + tracepoint);
        if (random.nextInt(5) != 0) {
            parts.add(SourceNode.of(Kind.PREDICATE, null, " /", condition(3), "/"));
        }
        parts.add(" {\n");
        parts.add(count());
        switch (random.nextInt(6)) {
            case 0 -> parts.add(SourceNode.of(Kind.STATEMENT, null, "    if (", condition(2), ") { ", count(), "    }\n"));
            case 1 -> parts.add(SourceNode.of(Kind.STATEMENT, null, "    @s[tid] = sum(", operand(), ");\n"));
            case 2 -> parts.add(SourceNode.of(Kind.STATEMENT, null, "    printf(\"%d %s\\n\", ", operand(), ", comm);\n"));
            default -> {
            }
        }
        parts.add("}\n");
        return new SourceNode(Kind.CLAUSE, null, parts);
    }

    /** {@code @cN[constant keys] = count();}: the update a count-only clause makes; map N always has the same key shape. */
    private SourceNode count() {
        int map = random.nextInt(3) == 0 ? maps : random.nextInt(Math.max(1, maps));
        maps = Math.max(maps, map + 1);
        String key = switch (map % 3) {
            case 0 -> "";
            case 1 -> "[" + random.nextInt(3) + "]";
            default -> "[\"k" + random.nextInt(2) + "\", 7]";
        };
        return SourceNode.of(Kind.STATEMENT, null, "    @c" + map + key + " = count();\n");
    }

    /** A 0/1 condition, mostly of comparisons the kernel can evaluate. */
    private SourceNode condition(int budget) {
        int roll = random.nextInt(10);
        if (budget > 0 && roll < 3) {
            String op = random.nextBoolean() ? " && " : " || ";
            return SourceNode.of(Kind.EXPRESSION, INT, "(", condition(budget - 1), op, condition(budget - 1), ")");
        }
        if (budget > 0 && roll < 4) {
            return SourceNode.of(Kind.EXPRESSION, INT, "!(", condition(budget - 1), ")");
        }
        if (roll == 4 && random.nextBoolean()) {
            return SourceNode.of(Kind.EXPRESSION, INT, random.nextInt(4) == 0 ? "(pid != cpid)" : "(pid == cpid)");
        }
        if (roll < 5) {
            String op = random.nextBoolean() ? " == " : " != ";
            return SourceNode.of(Kind.EXPRESSION, INT, "(comm", op, SourceNode.leaf(null, quote(COMMS[random.nextInt(COMMS.length)])), ")");
        }
        if (roll < 6 && !fields.isEmpty()) {
            return SourceNode.of(Kind.EXPRESSION, INT, "args->", fields.get(random.nextInt(fields.size())).name());
        }
        String op = COMPARISONS[random.nextInt(COMPARISONS.length)];
        boolean mirrored = random.nextInt(4) == 0;
        SourceNode left = operand();
        SourceNode right = SourceNode.leaf(INT, Long.toString(constant()));
        return mirrored ? SourceNode.of(Kind.EXPRESSION, INT, "(", right, " " + mirror(op) + " ", left, ")")
                : SourceNode.of(Kind.EXPRESSION, INT, "(", left, " " + op + " ", right, ")");
    }

    /** What a comparison reads: mostly a record field or tid, sometimes something the kernel cannot see. */
    private SourceNode operand() {
        int roll = random.nextInt(20);
        if (roll < 3) {
            return SourceNode.leaf(INT, "tid");
        }
        if (roll == 3) {
            return SourceNode.leaf(INT, "cpid");
        }
        if (roll == 4) {
            return SourceNode.leaf(INT, "pid");
        }
        if (roll == 5) {
            return SourceNode.of(Kind.EXPRESSION, INT, "(", operandField(), " + 1)");
        }
        if (roll == 6) {
            return SourceNode.leaf(INT, "(nsecs % 2)");
        }
        return operandField();
    }

    private SourceNode operandField() {
        if (fields.isEmpty()) {
            return SourceNode.leaf(INT, "tid");
        }
        return SourceNode.leaf(INT, "args->" + fields.get(random.nextInt(fields.size())).name());
    }

    /** A constant at or next to a boundary of some field type, or a tid of the event generator's pool. */
    private long constant() {
        int bits = 8 << random.nextInt(4);
        long max = bits == 64 ? Long.MAX_VALUE : (1L << (bits - 1)) - 1;
        long umax = bits == 64 ? -1L : (1L << bits) - 1;
        return switch (random.nextInt(12)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> -1;
            case 3 -> max;
            case 4 -> max + 1;
            case 5 -> -max - 1;
            case 6 -> -max - 2;
            case 7 -> umax;
            case 8 -> bits == 64 ? Long.MIN_VALUE : umax + 1;
            case 9 -> random.nextInt(64);
            default -> TIDS[random.nextInt(TIDS.length)];
        };
    }

    private static String mirror(String op) {
        return switch (op) {
            case "<" -> ">";
            case "<=" -> ">=";
            case ">" -> "<";
            case ">=" -> "<=";
            default -> op;
        };
    }

    private static String quote(String s) {
        return "\"" + s + "\"";
    }
}
