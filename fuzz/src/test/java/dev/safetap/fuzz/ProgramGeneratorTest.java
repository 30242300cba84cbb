package dev.safetap.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.compiler.CompileException;
import dev.safetap.verifier.Verifier;
import dev.safetap.verifier.VerifyException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The generator's acceptance rate: nearly every script must compile (the generator tracks types), and
 * every script that compiles must verify. A script that compiles but that the verifier rejects is a
 * compiler bug: the test prints each kind once, shrunk, so that it can be fixed.
 */
class ProgramGeneratorTest {
    @Test
    void generatedScriptsCompileAndMostlyVerify() {
        ProgramGenerator generator = new ProgramGenerator(Scripts.CATALOG, new SplittableRandom(20261127));
        int total = 300;
        int compiled = 0;
        int verified = 0;
        Map<String, String> verifierRejections = new LinkedHashMap<>();
        String compileError = "";
        for (int i = 0; i < total; i++) {
            SourceNode script = generator.next();
            try {
                Verifier.verify(Scripts.compile(script.render(), 64));
                compiled++;
                verified++;
            } catch (CompileException e) {
                compileError = compileError.isEmpty() ? script.render() + e.render() : compileError;
            } catch (VerifyException e) {
                compiled++;
                String kind = kind(e);
                if (!verifierRejections.containsKey(kind)) {
                    SourceNode small = new Shrinker(2000).shrink(script, SourceNode::simplifications, s -> kind.equals(rejection(s.render())));
                    verifierRejections.put(kind, small.render());
                }
            }
        }
        System.out.printf("ProgramGenerator: %d of %d scripts compile, %d of %d verify (%.1f%%)%n", compiled, total, verified, total,
                100.0 * verified / total);
        verifierRejections.forEach((kind, script) -> System.out.println("compiled but rejected by the verifier (" + kind + "):\n" + script));
        assertTrue(compiled >= total * 95 / 100, "the generator should produce well-typed scripts; first compile error:\n" + compileError);
        assertEquals(compiled, verified, "the verifier rejected " + (compiled - verified) + " of " + compiled
                + " compiled scripts (compiler bugs; the shrunk script of each kind is printed above)");
    }

    /** The verifier's message with numbers elided, as a kind of rejection. */
    private static String kind(VerifyException e) {
        String m = e.diagnostic().message();
        return m.substring(m.indexOf(": ", m.indexOf(" pc ")) + 2).replaceAll("[0-9]+", "N");
    }

    private static String rejection(String source) {
        try {
            Verifier.verify(Scripts.compile(source, 64));
            return null;
        } catch (CompileException e) {
            return null;
        } catch (VerifyException e) {
            return kind(e);
        }
    }
}
