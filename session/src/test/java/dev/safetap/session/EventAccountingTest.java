package dev.safetap.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.safetap.kernel.DeliveryCounts;
import dev.safetap.session.EventAccounting.Shortfall;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The accounting rule on counts as the kernel and the session report them: two CPUs, two probes. */
class EventAccountingTest {
    private static final int[] CPUS = {0, 1};
    private static final boolean[] NO_BACKLOG = {false, false};
    private static final long[] NO_RING_LOST = {0, 0};

    private final EventAccounting accounting = new EventAccounting(List.of("tracepoint:a:one", "tracepoint:a:two"));

    /** Counts per (cpu0 probe one, cpu0 probe two, cpu1 probe one, cpu1 probe two). */
    private static DeliveryCounts counts(long[] counted, long[] lost, long[] taken, boolean[] backlog) {
        return new DeliveryCounts(CPUS, 2, counted, lost, taken, backlog, NO_RING_LOST);
    }

    @Test
    void aSampleCountedButNotYetWrittenIsNotReportedWhileTracing() {
        long[] none = {0, 0, 0, 0};
        assertEquals(List.of(), accounting.check(counts(new long[] {10, 0, 0, 0}, none, new long[] {9, 0, 0, 0}, NO_BACKLOG), false));
        assertEquals(List.of(), accounting.check(counts(new long[] {20, 0, 0, 0}, none, new long[] {19, 0, 0, 0}, NO_BACKLOG), false),
                "the 10 of the first check are all taken by the second");
        assertEquals(List.of(), accounting.check(counts(new long[] {20, 0, 0, 0}, none, new long[] {20, 0, 0, 0}, NO_BACKLOG), true));
    }

    @Test
    void lostSamplesAreReportedAtOnceAndOnlyOnce() {
        long[] counted = {100, 0, 0, 50};
        long[] taken = {60, 0, 0, 50};
        assertEquals(List.of(new Shortfall("tracepoint:a:one", 0, 40, 0)),
                accounting.check(counts(counted, new long[] {40, 0, 0, 0}, taken, NO_BACKLOG), false));
        assertEquals(List.of(), accounting.check(counts(counted, new long[] {40, 0, 0, 0}, taken, NO_BACKLOG), false));
        assertEquals(List.of(new Shortfall("tracepoint:a:two", 1, 5, 0)),
                accounting.check(counts(new long[] {100, 0, 0, 60}, new long[] {40, 0, 0, 5}, new long[] {60, 0, 0, 55},
                        NO_BACKLOG), true));
        assertEquals(List.of(new Shortfall("tracepoint:a:one", 0, 40, 0), new Shortfall("tracepoint:a:two", 1, 5, 0)),
                accounting.total());
    }

    @Test
    void firingsCountedButNeverWrittenAreUndeliveredFromTheNextCheckOn() {
        long[] none = {0, 0, 0, 0};
        assertEquals(List.of(), accounting.check(counts(new long[] {0, 0, 30, 0}, none, new long[] {0, 0, 2, 0}, NO_BACKLOG), false),
                "the first check cannot tell an unwritten sample from one being written");
        assertEquals(List.of(new Shortfall("tracepoint:a:one", 1, 0, 27)),
                accounting.check(counts(new long[] {0, 0, 40, 0}, none, new long[] {0, 0, 3, 0}, NO_BACKLOG), false),
                "of the 30 counted by the first check, 3 are taken by now");
        assertEquals(List.of(new Shortfall("tracepoint:a:one", 1, 0, 9)),
                accounting.check(counts(new long[] {0, 0, 40, 0}, none, new long[] {0, 0, 4, 0}, NO_BACKLOG), true),
                "finished: 40 counted, 4 taken, 36 undelivered in all");
        assertEquals(List.of(new Shortfall("tracepoint:a:one", 1, 0, 36)), accounting.total());
    }

    @Test
    void aRingThatCouldNotBeEmptiedIsJudgedLater() {
        long[] none = {0, 0, 0, 0};
        accounting.check(counts(new long[] {0, 500, 0, 0}, none, new long[] {0, 100, 0, 0}, new boolean[] {true, false}), false);
        assertEquals(List.of(), accounting.check(counts(new long[] {0, 900, 0, 0}, none, new long[] {0, 200, 0, 0},
                new boolean[] {true, false}), false), "the rest is still in the ring");
        assertEquals(List.of(), accounting.check(counts(new long[] {0, 900, 0, 0}, none, new long[] {0, 900, 0, 0}, NO_BACKLOG), true));
    }

    @Test
    void withoutPerEventLossCountsTheCpuIsAccountedAsAWhole() {
        long[] unknown = {-1, -1, -1, -1};
        DeliveryCounts first = new DeliveryCounts(CPUS, 2, new long[] {10, 10, 5, 0}, unknown, new long[] {8, 8, 5, 0},
                NO_BACKLOG, new long[] {4, 0});
        assertEquals(List.of(new Shortfall(null, 0, 4, 0)), accounting.check(first, true));
        assertEquals("all probes: cpu0 4", EventAccounting.where(accounting.total(), true));
    }

    @Test
    void whereListsProbesAndCpus() {
        List<Shortfall> s = List.of(new Shortfall("p", 1, 3, 1), new Shortfall("p", 0, 10, 0), new Shortfall("q", 1, 0, 7),
                new Shortfall("p", 0, 2, 0));
        assertEquals("p: cpu0 12, cpu1 3", EventAccounting.where(s, true), "two clauses on one probe are summed per CPU");
        assertEquals("p: cpu1 1; q: cpu1 7", EventAccounting.where(s, false));
        assertEquals(15, EventAccounting.lost(s));
        assertEquals(8, EventAccounting.undelivered(s));
    }

    /** A THROTTLE record is a shortfall of unknown size: reported where it happened, and in the total. */
    @Test
    void aThrottledEventIsReportedOnItsCpu() {
        long[] none = {0, 0, 0, 0};
        DeliveryCounts throttled = new DeliveryCounts(CPUS, 2, new long[] {5, 0, 5, 0}, none, new long[] {5, 0, 5, 0},
                NO_BACKLOG, NO_RING_LOST, new long[2], new long[] {0, 0, 3, 0});
        assertEquals(List.of(new Shortfall("tracepoint:a:one", 1, 0, 0, 3)), accounting.check(throttled, false));
        assertEquals(List.of(), accounting.check(throttled, true), "reported once");
        assertEquals(List.of(new Shortfall("tracepoint:a:one", 1, 0, 0, 3)), accounting.total());
        assertEquals("tracepoint:a:one: cpu1 3", EventAccounting.whereThrottled(accounting.total()));
        assertEquals(Map.of(), EventAccounting.perProbe(accounting.total()), "no event of a known number");
    }
}
