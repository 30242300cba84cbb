package dev.safetap.compiler;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * What the resolver decided: every clause with its probes; the maps and thread-locals learned from
 * their writes; and the names (maps, thread-locals, locals) one of whose assignments had no type,
 * whose reads therefore add no error.
 */
record ResolvedScript(List<Clause> clauses, MapTable maps, Set<String> poisoned) {
    /**
     * A clause and its probes, also grouped by record layout; {@code lenient} when one of the probes
     * could not be resolved. Probes of one layout share an action. A clause of several layouts is one
     * action if, run on the record of its first probe, it reads none of its fields, else one action
     * per layout.
     */
    record Clause(Ast.Clause syntax, List<ResolvedProbe> probes, List<List<ResolvedProbe>> layouts, boolean lenient) {
        /** What {@code check} makes of each action of the clause; {@code readsRecord} says whether a shared one reads a field. */
        <T> List<T> actions(Function<ProbeContext, T> check, Predicate<T> readsRecord) {
            if (layouts.size() > 1) {
                T shared = check.apply(new ProbeContext(probes, lenient));
                if (!readsRecord.test(shared)) {
                    return List.of(shared);
                }
            }
            List<T> out = new ArrayList<>();
            for (List<ResolvedProbe> layout : layouts) {
                out.add(check.apply(new ProbeContext(layout, lenient)));
            }
            return out;
        }
    }
}
