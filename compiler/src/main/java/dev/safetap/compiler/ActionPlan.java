package dev.safetap.compiler;

import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.ValueType;
import java.util.List;
import java.util.Map;

/**
 * What the type checker decided for one action: the clause it runs, the probes that share it, their
 * common event layout (null for BEGIN, END and intervals), the type of every expression (absent for
 * calls that yield nothing), the layout slot of every record read, and the clause's locals with
 * their types in order of first assignment. The maps are identity maps over syntax nodes.
 */
record ActionPlan(Ast.Clause clause, List<ResolvedProbe> probes, EventLayout layout,
        Map<Ast.Expr, ValueType> types, Map<Ast.Expr, Integer> slots, Map<String, ValueType> locals) {
}
