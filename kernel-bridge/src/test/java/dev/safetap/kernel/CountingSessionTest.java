package dev.safetap.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.safetap.kernel.workload.Workload;
import java.util.List;
import org.junit.jupiter.api.Test;

class CountingSessionTest {
    private static final TracepointCatalog CATALOG = TracepointCatalog.live();

    @Test
    void countsExactlyTheFilteredThreadsReads() {
        Workload reader = Workload.prepare("st-count", 12_345, 64, -1);
        String byTid = "common_pid == " + reader.tid();
        List<TraceRequest> requests = List.of(new TraceRequest("syscalls:sys_enter_read", 0, byTid),
                new TraceRequest("syscalls:sys_exit_read", 1, byTid),
                new TraceRequest("syscalls:sys_enter_write", 2, byTid));
        try (CountingSession session = CountingSession.open(CATALOG, requests, SessionOptions.DEFAULT)) {
            assertEquals(3 * Runtime.getRuntime().availableProcessors(), session.probeCount());
            assertEquals(List.of(), session.rejectedFilters());
            session.enable();
            reader.start();
            reader.join();
            session.disable();
            assertArrayEquals(new long[] {12_345, 12_345, 0}, session.readCounts());
        }
    }

    @Test
    void countsExactlyThePidsReads() {
        Workload reader = Workload.prepare("st-countpid", 777, 8, -1);
        try (CountingSession session = CountingSession.open(CATALOG,
                List.of(new TraceRequest("syscalls:sys_enter_read", 0)), new SessionOptions(1, reader.tid(), true))) {
            session.enable();
            Workload.run("st-noise", 500, 8, -1);
            reader.start();
            reader.join();
            assertArrayEquals(new long[] {777}, session.readCounts());
        }
    }

    @Test
    void rejectedFilterCountsUnfiltered() {
        TraceRequest bad = new TraceRequest("syscalls:sys_enter_read", 0, "no_such_field == 1");
        try (CountingSession session = CountingSession.open(CATALOG, List.of(bad), SessionOptions.DEFAULT)) {
            assertEquals(List.of(bad), session.rejectedFilters());
            session.enable();
            Workload.run("st-unfilt", 1000, 8, -1);
            assertTrue(session.readCounts()[0] >= 1000);
        }
    }

    /**
     * Other threads of this JVM may close a file of their own meanwhile (a workload of an earlier test, the cleaner of
     * a collected stream), so the count is taken up to three times; a session that leaked would fail every time.
     */
    @Test
    void closeIsIdempotentAndReleasesEveryDescriptor() {
        String seen = "";
        for (int attempt = 0; attempt < 3; attempt++) {
            int before = ProcessFiles.openFiles();
            CountingSession session = CountingSession.open(CATALOG,
                    List.of(new TraceRequest("sched:sched_switch", 0)), SessionOptions.DEFAULT);
            int open = ProcessFiles.openFiles();
            session.close();
            session.close();
            int after = ProcessFiles.openFiles();
            assertThrows(IllegalStateException.class, session::readCounts);
            if (open == before + session.probeCount() && after == before) {
                return;
            }
            seen += " before " + before + ", open " + open + " (+" + session.probeCount() + " expected), after " + after + ";";
        }
        fail("the session's descriptors were not all released:" + seen);
    }
}
