package dev.safetap.compiler;

import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.SlotKind;
import dev.safetap.compiler.Ast.*;
import java.util.List;
import java.util.Map;

/**
 * Translates a predicate into the kernel's tracepoint filter syntax when it is only {@code &&} and
 * {@code ||} over comparisons of integer record fields (or {@code tid}, the record's
 * {@code common_pid}) with integer constants, e.g. {@code fd == 3 && common_pid == 1234}. Any other
 * predicate yields "" (no filter). {@code pid} is not pushed down: it is the process id, while the
 * record's {@code common_pid} is the thread id, so a filter on it would drop the other threads.
 */
final class KernelFilter {
    private static final Map<String, String> MIRRORED = Map.of("==", "==", "!=", "!=", "<", ">", "<=", ">=", ">", "<", ">=", "<=");

    private KernelFilter() {
    }

    /** The filter of the predicate of {@code plan}'s clause; {@code params} are the positional parameters. */
    static String of(Expr predicate, ActionPlan plan, List<String> params) {
        String f = render(predicate, plan, params, null);
        return f == null ? "" : f;
    }

    /** The filter text of e, or null when e cannot be expressed; {@code parent} is the enclosing logical operator. */
    private static String render(Expr e, ActionPlan plan, List<String> params, String parent) {
        if (!(e instanceof Binary b)) {
            return null;
        }
        if (b.op().equals("&&") || b.op().equals("||")) {
            String l = render(b.left(), plan, params, b.op());
            String r = render(b.right(), plan, params, b.op());
            if (l == null || r == null) {
                return null;
            }
            String text = l + " " + b.op() + " " + r;
            return parent != null && !parent.equals(b.op()) ? "(" + text + ")" : text;
        }
        if (!MIRRORED.containsKey(b.op())) {
            return null;
        }
        Long right = constant(b.right(), params);
        if (right != null) {
            return comparison(b.left(), b.op(), right, plan);
        }
        Long left = constant(b.left(), params);
        if (left != null) {
            return comparison(b.right(), MIRRORED.get(b.op()), left, plan);
        }
        return null;
    }

    /** The value of an integer literal or a numeric (or absent) positional parameter, else null. */
    private static Long constant(Expr e, List<String> params) {
        if (e instanceof IntLit lit) {
            return lit.value();
        }
        if (e instanceof Positional p) {
            return p.number() > params.size() ? Long.valueOf(0) : Checker.parseNumber(params.get(p.number() - 1));
        }
        return null;
    }

    private static String comparison(Expr operand, String op, long value, ActionPlan plan) {
        String name;
        if (operand instanceof Ident id && id.name().equals("tid")) {
            name = "common_pid";
        } else {
            Integer slot = plan.slots().get(operand);
            if (slot == null) {
                return null;
            }
            LayoutSlot s = plan.layout().slots().get(slot);
            if (s.isString() || s.name().indexOf('[') >= 0 || !fits(value, s)) {
                return null;
            }
            name = s.name();
        }
        return name + " " + op + " " + value;
    }

    /** Whether the field can hold the constant, so that the kernel compares the same numbers as the action. */
    private static boolean fits(long value, LayoutSlot s) {
        int bits = s.size() * 8;
        if (s.kind() == SlotKind.UNSIGNED) {
            return value >= 0 && (bits == 64 || value < (1L << bits));
        }
        return bits == 64 || (value >= -(1L << (bits - 1)) && value < (1L << (bits - 1)));
    }
}
