package dev.safetap.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.safetap.bytecode.ValueType;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class ShrinkerTest {
    @Test
    void listsShrinkToTheElementsTheFailureNeeds() {
        List<Integer> items = IntStream.range(0, 100).boxed().toList();
        List<Integer> small = new Shrinker(10_000).shrinkList(items, l -> l.contains(17) && l.contains(83));
        assertEquals(List.of(17, 83), small);
    }

    @Test
    void scriptsShrinkToTheStatementThatFails() {
        SourceNode generated = new ProgramGenerator(Scripts.CATALOG, new SplittableRandom(9)).next();
        SourceNode needle = SourceNode.of(SourceNode.Kind.CLAUSE, null, "BEGIN {\n",
                SourceNode.of(SourceNode.Kind.STATEMENT, null, "@x = 1;\n"),
                SourceNode.of(SourceNode.Kind.STATEMENT, null, "printf(\"needle %d\\n\", ",
                        SourceNode.of(SourceNode.Kind.EXPRESSION, ValueType.INT, "(", SourceNode.leaf(ValueType.INT, "pid"), " + 1)"), ");\n"),
                "}\n");
        List<Object> clauses = new ArrayList<>(generated.parts());
        clauses.add(clauses.size() / 2, needle);
        SourceNode script = new SourceNode(SourceNode.Kind.SCRIPT, null, clauses);
        SourceNode small = new Shrinker(10_000).shrink(script, SourceNode::simplifications, s -> s.render().contains("needle"));
        assertEquals("BEGIN {\nprintf(\"needle %d\\n\", pid);\n}\n", small.render());
    }
}
