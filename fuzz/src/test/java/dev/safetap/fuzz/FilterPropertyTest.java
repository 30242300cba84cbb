package dev.safetap.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.safetap.bytecode.SafetapException;
import dev.safetap.session.CountOnlyProbes;
import dev.safetap.session.PushdownAnalysis;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.verifier.Verifier;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The kernel filters and count-only clauses derived from verified bytecode are sound, on generated scripts
 * whose predicates the derivation can translate ({@link FilterProgramGenerator}) and on the general generated
 * scripts ({@link ProgramGenerator}), each run on generated events with the kernel's filter played by
 * {@link TracepointFilterModel}: a rejected event is never one the action acts on, and counting gives what
 * sampling gives ({@link FilterOracle}). A failure is shrunk and saved as a reproducer.
 */
class FilterPropertyTest {
    private static final long BASE_SEED = 0xf117e5L;
    private static final int EVENTS_PER_PROBE = 60;

    @Test
    void kernelFiltersAndCountOnlyClausesAreSound() {
        int n = Scripts.iterations(400);
        int accepted = 0;
        int filtered = 0;
        int countOnly = 0;
        for (int i = 0; i < n; i++) {
            long seed = BASE_SEED + i;
            SplittableRandom random = new SplittableRandom(seed);
            SourceNode script = i % 4 == 3 ? new ProgramGenerator(Scripts.CATALOG, random).next()
                    : new FilterProgramGenerator(Scripts.CATALOG, random).next();
            VerifiedProgram verified = verify(script.render());
            if (verified == null) {
                continue;
            }
            accepted++;
            for (int p = 0; p < verified.program().probes().size(); p++) {
                filtered += PushdownAnalysis.of(verified, p, FilterOracle.CPID).filter() != null ? 1 : 0;
            }
            countOnly += CountOnlyProbes.plan(verified, FilterOracle.CPID, true).size();
            List<GeneratedEvent> events = EventSequence.generate(verified.program(), Scripts.CATALOG, random, EVENTS_PER_PROBE);
            if (FilterOracle.all(verified, events) != null) {
                fail(Reproducer.shrinkAndSave("filter-" + Long.toHexString(seed), "filter", seed, 4096, script, verified, events,
                        FilterPropertyTest::verify, FilterOracle::all));
            }
        }
        System.out.printf("filter properties: %d of %d scripts accepted, %d probes with a kernel filter, %d count-only%n",
                accepted, n, filtered, countOnly);
        assertTrue(accepted > n / 2, "too few generated scripts were accepted: " + accepted + " of " + n);
        assertTrue(filtered > accepted, "too few probes got a kernel filter to test: " + filtered);
        assertTrue(countOnly > accepted / 4, "too few count-only probes to test: " + countOnly);
    }

    private static VerifiedProgram verify(String source) {
        try {
            return Verifier.verify(Scripts.compile(source, 4096));
        } catch (SafetapException e) {
            return null;
        }
    }
}
