package dev.safetap.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.safetap.bytecode.SafetapException;
import dev.safetap.session.CountOnlyProbes;
import dev.safetap.session.PushdownAnalysis;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.verifier.Verifier;
import java.util.ArrayList;
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
            String failure = FilterOracle.all(verified, events);
            if (failure != null) {
                failWithReproducer(seed, script, verified, events, failure);
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

    private static void failWithReproducer(long seed, SourceNode script, VerifiedProgram verified, List<GeneratedEvent> events,
            String failure) {
        Shrinker shrinker = new Shrinker(2000);
        SourceNode small = shrinker.shrink(script, SourceNode::simplifications, s -> {
            VerifiedProgram v = verify(s.render());
            return v != null && FilterOracle.all(v, remap(events, verified, v)) != null;
        });
        VerifiedProgram smallVerified = verify(small.render());
        List<GeneratedEvent> smallEvents = shrinker.shrinkList(remap(events, verified, smallVerified),
                e -> FilterOracle.all(smallVerified, e) != null);
        Reproducer r = new Reproducer("filter-" + Long.toHexString(seed), "filter", seed, 4096, small.render(), null, smallEvents);
        fail("the filter properties failed for seed " + seed + ": " + failure + "\nshrunk reproducer saved as "
                + r.save().toAbsolutePath() + "\n" + small.render() + "\nfailure on the shrunk case: "
                + FilterOracle.all(smallVerified, smallEvents));
    }

    /** Moves the events to the index of the same probe in {@code to}, dropping those of probes it lacks. */
    private static List<GeneratedEvent> remap(List<GeneratedEvent> events, VerifiedProgram from, VerifiedProgram to) {
        List<String> names = to.program().probes().stream().map(p -> p.name()).toList();
        List<GeneratedEvent> out = new ArrayList<>();
        for (GeneratedEvent e : events) {
            int p = names.indexOf(from.program().probes().get(e.probe()).name());
            if (p >= 0) {
                out.add(new GeneratedEvent(p, e.record(), e.pid(), e.tid(), e.cpu(), e.timeNanos(), e.comm()));
            }
        }
        return out;
    }
}
