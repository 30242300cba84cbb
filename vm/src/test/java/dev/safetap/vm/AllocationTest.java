package dev.safetap.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

/** The hot path allocates nothing: fire() on a warmed-up interpreter, measured by the JVM's per-thread allocation counter. */
class AllocationTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private static long allocatedBy(TracingActions.Setup setup, long from, int events) {
        long tid = Thread.currentThread().getId();
        long before = THREADS.getThreadAllocatedBytes(tid);
        for (long n = from; n < from + events; n++) {
            TracingActions.fire(setup, n);
        }
        return THREADS.getThreadAllocatedBytes(tid) - before;
    }

    /**
     * Asserts that 10,000 fires after a warm-up allocate nothing; returns what the warm-up allocated. A
     * window may see a one-off allocation of the JVM itself (a deoptimization materializing an object
     * the compiled code had eliminated), so up to three windows are measured: one must allocate nothing,
     * which no per-event allocation would allow.
     */
    private static long assertNoAllocation(TracingActions.Setup setup) {
        assertTrue(THREADS.isThreadAllocatedMemorySupported());
        long warmUp = allocatedBy(setup, 0, 50_000);
        long allocated = -1;
        for (int window = 0; window < 3 && allocated != 0; window++) {
            allocated = allocatedBy(setup, 50_000 + window * 10_000L, 10_000);
        }
        assertEquals(0, allocated, "bytes allocated by 10,000 fires, in each of three windows");
        assertTrue(setup.interpreter().state().counters().isClean());
        return warmUp;
    }

    @Test
    void countByCommAllocatesNothing() {
        TracingActions.Setup setup = TracingActions.countByComm();
        assertTrue(assertNoAllocation(setup) > 0, "the counter sees the map grow to 50 keys during warm-up");
        assertEquals(50, setup.interpreter().state().entries(0).size());
    }

    @Test
    void histOfFieldAllocatesNothing() {
        TracingActions.Setup setup = TracingActions.histOfField();
        assertNoAllocation(setup);
        assertEquals(1, setup.interpreter().state().entries(0).size());
    }

    @Test
    void printfAllocatesNothingInEitherFormat() {
        for (OutputFormat format : OutputFormat.values()) {
            assertNoAllocation(TracingActions.printfOfField(format));
        }
    }

    @Test
    void threadLocalLatencyAllocatesNothing() {
        TracingActions.Setup setup = TracingActions.latency();
        assertNoAllocation(setup);
        assertEquals(0, setup.interpreter().state().entries(0).size(), "every entry was paired with its return and deleted");
        assertEquals(1, setup.interpreter().state().entries(1).size());
    }
}
