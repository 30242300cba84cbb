package dev.safetap.fuzz;

import dev.safetap.bytecode.ValueType;
import java.util.ArrayList;
import java.util.List;

/**
 * A piece of generated script text that knows its structure, so that a failing script can be shrunk
 * by dropping clauses, predicates and statements or by replacing an expression with one of its
 * sub-expressions of the same type. {@code parts} are {@link String}s and child nodes, rendered in
 * order; {@code type} is the value type of an expression and null otherwise.
 */
public record SourceNode(Kind kind, ValueType type, List<Object> parts) {

    /** What a node is, which decides how it may be shrunk. */
    public enum Kind {
        /** The whole script: a list of clauses. */
        SCRIPT,
        /** A probe clause; may be dropped. */
        CLAUSE,
        /** A clause's {@code /predicate/}; may be dropped. */
        PREDICATE,
        /** A statement; may be dropped. */
        STATEMENT,
        /** An expression; may be replaced by a sub-expression of its type, or by a literal. */
        EXPRESSION,
        /** A literal or a leaf the shrinker leaves alone. */
        LEAF
    }

    public SourceNode {
        parts = List.copyOf(parts);
    }

    public static SourceNode of(Kind kind, ValueType type, Object... parts) {
        return new SourceNode(kind, type, List.of(parts));
    }

    public static SourceNode leaf(ValueType type, String text) {
        return of(Kind.LEAF, type, text);
    }

    public String render() {
        StringBuilder sb = new StringBuilder();
        render(sb);
        return sb.toString();
    }

    private void render(StringBuilder sb) {
        for (Object p : parts) {
            if (p instanceof SourceNode n) {
                n.render(sb);
            } else {
                sb.append(p);
            }
        }
    }

    /** Every version of this tree with exactly one simplification applied, the biggest cuts first. */
    public List<SourceNode> simplifications() {
        List<SourceNode> out = new ArrayList<>();
        for (int i = 0; i < parts.size(); i++) {
            if (parts.get(i) instanceof SourceNode child && removable(child.kind)) {
                out.add(without(i));
            }
        }
        for (int i = 0; i < parts.size(); i++) {
            if (!(parts.get(i) instanceof SourceNode child)) {
                continue;
            }
            if (child.kind == Kind.EXPRESSION) {
                for (SourceNode sub : child.subExpressions()) {
                    out.add(with(i, sub));
                }
                out.add(with(i, leaf(child.type, child.type == ValueType.STR ? "\"\"" : "0")));
            }
            for (SourceNode smaller : child.simplifications()) {
                out.add(with(i, smaller));
            }
        }
        return out;
    }

    private static boolean removable(Kind kind) {
        return kind == Kind.CLAUSE || kind == Kind.PREDICATE || kind == Kind.STATEMENT;
    }

    private List<SourceNode> subExpressions() {
        List<SourceNode> out = new ArrayList<>();
        for (Object p : parts) {
            if (p instanceof SourceNode n && (n.kind == Kind.EXPRESSION || n.kind == Kind.LEAF) && n.type == type) {
                out.add(n);
            }
        }
        return out;
    }

    private SourceNode without(int index) {
        List<Object> copy = new ArrayList<>(parts);
        copy.remove(index);
        return new SourceNode(kind, type, copy);
    }

    private SourceNode with(int index, SourceNode replacement) {
        List<Object> copy = new ArrayList<>(parts);
        copy.set(index, replacement);
        return new SourceNode(kind, type, copy);
    }
}
