package dev.safetap.vm;

import java.util.function.Supplier;

/**
 * Events per second of the interpreter on synthetic events, for the three hot-path actions of
 * {@link TracingActions}: warm-up, then several timed rounds; prints one line per round and the
 * best round per action. Not a test: run it with {@code bench/interpreter.sh}.
 */
public final class InterpreterBenchmark {
    private static final long EVENTS_PER_ROUND = 5_000_000;
    private static final int ROUNDS = 5;

    private InterpreterBenchmark() {
    }

    public static void main(String[] args) {
        run("count-by-comm   @[comm] = count()", TracingActions::countByComm);
        run("hist-of-field   @ = hist(args.count)", TracingActions::histOfField);
        run("latency-pairing self->ts[tid] / hist(nsecs - ts)", TracingActions::latency);
    }

    private static void run(String name, Supplier<TracingActions.Setup> action) {
        TracingActions.Setup setup = action.get();
        long n = 0;
        for (; n < 2_000_000; n++) {
            TracingActions.fire(setup, n);
        }
        double best = 0;
        for (int round = 1; round <= ROUNDS; round++) {
            long start = System.nanoTime();
            long end = n + EVENTS_PER_ROUND;
            for (; n < end; n++) {
                TracingActions.fire(setup, n);
            }
            double perSecond = EVENTS_PER_ROUND / ((System.nanoTime() - start) / 1e9);
            best = Math.max(best, perSecond);
            System.out.printf("%-52s round %d: %,.0f events/s%n", name, round, perSecond);
        }
        System.out.printf("%-52s best:    %,.0f events/s (%.1f ns/event)%n%n", name, best, 1e9 / best);
    }
}
