package dev.safetap.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.safetap.bytecode.SafetapException;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.verifier.Verifier;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Properties 1, 2 and 4 over generated scripts the verifier accepts, each run on generated events:
 * the checked interpreter never trips a check, no firing executes more instructions than the
 * verifier's bound, and the fast and checked interpreters agree. A failure is shrunk (script, then
 * events) and saved as a reproducer before the test fails.
 */
class AcceptedProgramPropertyTest {
    private static final long BASE_SEED = 0x5afe7a9L;
    private static final int EVENTS_PER_PROBE = 40;

    /** One generated case: the script tree, its map capacity, the verified program and its events. */
    private record Case(long seed, SourceNode script, int capacity, VerifiedProgram verified, List<GeneratedEvent> events) {
    }

    private static final List<Case> CASES = new ArrayList<>();
    private static int generated;

    @BeforeAll
    static void generate() {
        int n = Scripts.iterations(250);
        for (int i = 0; i < n; i++) {
            long seed = BASE_SEED + i;
            SplittableRandom random = new SplittableRandom(seed);
            SourceNode script = new ProgramGenerator(Scripts.CATALOG, random).next();
            int capacity = random.nextInt(3) == 0 ? 4 : 4096;
            generated++;
            VerifiedProgram verified = verify(script.render(), capacity);
            if (verified != null) {
                CASES.add(new Case(seed, script, capacity, verified,
                        EventSequence.generate(verified.program(), Scripts.CATALOG, random, EVENTS_PER_PROBE)));
            }
        }
        System.out.printf("accepted %d of %d generated scripts%n", CASES.size(), generated);
    }

    private static VerifiedProgram verify(String source, int capacity) {
        try {
            return Verifier.verify(Scripts.compile(source, capacity));
        } catch (SafetapException e) {
            return null;
        }
    }

    @Test
    void acceptedProgramsNeverTripACheck() {
        check("safe", Oracle::safety);
    }

    @Test
    void fastAndCheckedInterpretersAgree() {
        check("agree", Oracle::agreement);
    }

    @Test
    void executedInstructionsStayWithinTheProvenBound() {
        List<Double> ratios = new ArrayList<>();
        for (Case c : CASES) {
            Execution run = Execution.checked(c.verified(), c.events());
            if (run.overBound() != null) {
                failWithReproducer("bound", c, Oracle::safety);
            }
            for (int a = 0; a < run.maxInstructions().length; a++) {
                if (run.maxInstructions()[a] > 0) {
                    ratios.add((double) run.maxInstructions()[a] / c.verified().worstCaseInstructions(a));
                }
            }
        }
        assertTrue(ratios.size() > CASES.size() / 2, "too few actions ran: " + ratios.size());
        printTightness(ratios);
        assertTrue(ratios.stream().allMatch(r -> r <= 1.0));
    }

    /** How close the observed maxima come to the bound: quantiles and a histogram of max observed / bound. */
    private static void printTightness(List<Double> ratios) {
        double[] sorted = ratios.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        double[] edges = {0.1, 0.25, 0.5, 0.75, 0.9999, 1.0};
        String[] labels = {"< 10%", "10-25%", "25-50%", "50-75%", "75-99%", "= 100%"};
        int[] counts = new int[edges.length];
        for (double r : sorted) {
            int b = 0;
            while (b < edges.length - 1 && r >= edges[b]) {
                b++;
            }
            counts[b]++;
        }
        StringBuilder sb = new StringBuilder(String.format(Locale.ROOT,
                "bound tightness (max observed / proven bound) over %d actions: min %.3f, median %.3f, max %.3f%n",
                sorted.length, sorted[0], sorted[sorted.length / 2], sorted[sorted.length - 1]));
        for (int b = 0; b < edges.length; b++) {
            sb.append(String.format(Locale.ROOT, "  %-7s %5d %s%n", labels[b], counts[b], "#".repeat(60 * counts[b] / sorted.length)));
        }
        System.out.print(sb);
    }

    private void check(String property, BiFunction<VerifiedProgram, List<GeneratedEvent>, String> oracle) {
        assertTrue(CASES.size() >= generated / 2, "fewer than half the generated scripts were accepted: " + CASES.size());
        for (Case c : CASES) {
            if (oracle.apply(c.verified(), c.events()) != null) {
                failWithReproducer(property, c, oracle);
            }
        }
    }

    /** Shrinks the case while the oracle still fails on it, saves the reproducer and fails the test. */
    private static void failWithReproducer(String property, Case c, BiFunction<VerifiedProgram, List<GeneratedEvent>, String> oracle) {
        fail(Reproducer.shrinkAndSave(property + "-" + Long.toHexString(c.seed()), property, c.seed(), c.capacity(), c.script(),
                c.verified(), c.events(), s -> verify(s, c.capacity()), oracle));
    }
}
