package dev.safetap.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.kernel.workload.Workload;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Software and hardware perf events on the live kernel: sampled on every CPU, or per thread, and accounted for. */
class SamplingEventTest {
    private static final TracepointCatalog CATALOG = TracepointCatalog.live();

    /** Samples per CPU and stream, and the samples of the idle tasks whose pid was not 0. */
    private static final class Tally implements EventSink {
        final long[][] perCpu;
        final List<String> wrongIdle = new ArrayList<>();
        final List<Integer> tids = new ArrayList<>();

        /** @param cpus the online CPUs, by number */
        Tally(int[] cpus, int streams) {
            perCpu = new long[streams][Arrays.stream(cpus).max().orElse(0) + 1];
        }

        @Override
        public void onSample(Sample sample) {
            perCpu[sample.stream()][sample.cpu()]++;
            if (sample.tid() == 0 && sample.pid() != 0 && wrongIdle.size() < 5) {
                wrongIdle.add("tid 0 pid " + sample.pid() + " on cpu " + sample.cpu());
            }
            if (tids.size() < 100_000) {
                tids.add(sample.tid());
            }
        }
    }

    private static TraceRequest request(EventSource source, int stream) {
        return new TraceRequest(source, SampleContent.of(), stream, null);
    }

    /** The session's accounting: for every CPU and request, counted = taken + lost, once the session is finished. */
    private static void assertAccountedFor(TraceSession session) {
        DeliveryCounts counts = session.deliveryCounts();
        for (int c = 0; c < counts.cpuCount(); c++) {
            for (int r = 0; r < counts.requestCount(); r++) {
                assertEquals(counts.counted(c, r), counts.taken(c, r) + Math.max(0, counts.lost(c, r)),
                        "request " + r + " on cpu " + counts.cpu(c));
            }
        }
    }

    /** cpu-clock at 997 Hz is a timer on each CPU: it samples every CPU, whatever runs there (the idle task is pid 0). */
    @Test
    void theCpuClockSamplesEveryCpu() {
        try (TraceSession session = TraceSession.open(CATALOG, List.of(request(new EventSource.Software("cpu-clock",
                1_000_000_000L / 997), 0)), SessionOptions.DEFAULT)) {
            Tally tally = new Tally(session.cpus(), 1);
            session.enable();
            long end = System.nanoTime() + 500_000_000L;
            while (System.nanoTime() < end) {
                session.poll(tally, 50);
            }
            session.finish(tally);
            for (int cpu : session.cpus()) {
                assertTrue(tally.perCpu[0][cpu] > 0, "no sample on cpu " + cpu);
            }
            assertEquals(List.of(), tally.wrongIdle);
            assertEquals(0, session.lost());
            assertAccountedFor(session);
        }
    }

    /**
     * A page-fault event writes a sample at every Pth fault it counts, so each CPU's count tells its samples exactly,
     * floor(count / P): the session's accounting finds every one of them taken.
     */
    @Test
    void pageFaultsAreSampledAtEveryPthFaultExactly() {
        for (long period : new long[] {1, 100}) {
            try (TraceSession session = TraceSession.open(CATALOG, List.of(
                    request(new EventSource.Software("page-faults", period), 0)), new SessionOptions(1024, -1, true))) {
                Tally tally = new Tally(session.cpus(), 1);
                session.enable();
                touchFreshPages(4 * 2048, session, tally);
                session.finish(tally);
                assertEquals(0, session.lost());
                assertAccountedFor(session);
                long samples = Arrays.stream(tally.perCpu[0]).sum();
                assertTrue(samples >= 4 * 2048 / period, "at least the 8192 pages touched: " + samples + " every " + period);
            }
        }
    }

    /** Events of different software kinds each fill their own sample: in one ring, each sample is its event's. */
    @Test
    void softwareEventsOfDifferentKindsAreToldApart() {
        try (TraceSession session = TraceSession.open(CATALOG, List.of(
                request(new EventSource.Software("page-faults", 1), 0),
                request(new EventSource.Software("minor-faults", 1), 1),
                request(new EventSource.Software("major-faults", 1), 2)), new SessionOptions(1024, -1, true))) {
            Tally tally = new Tally(session.cpus(), 3);
            session.enable();
            touchFreshPages(2048, session, tally);
            session.finish(tally);
            assertAccountedFor(session);
            assertTrue(Arrays.stream(tally.perCpu[0]).sum() >= 2048, "page faults");
            assertTrue(Arrays.stream(tally.perCpu[1]).sum() >= 2048, "minor faults");
        }
    }

    /** Two events of one software kind would write samples with one event's id: a session refuses to open both. */
    @Test
    void twoRequestsOfOneSoftwareKindAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TraceSession.open(CATALOG,
                List.of(request(new EventSource.Software("page-faults", 1), 0),
                        request(new EventSource.Software("page-faults", 100), 1)), SessionOptions.DEFAULT));
        assertEquals("requests 0 and 1 both sample software:page-faults: the kernel writes the samples of two such events"
                + " with one event's id, so they cannot be told apart; ask once and give each sample to every taker",
                e.getMessage());
        try (TraceSession clocks = TraceSession.open(CATALOG, List.of(
                request(new EventSource.Software("cpu-clock", 1_000_000), 0),
                request(new EventSource.Software("cpu-clock", 2_000_000), 1)), SessionOptions.DEFAULT)) {
            assertEquals(2 * clocks.cpus().length, clocks.probeCount(), "each clock samples from its own timer");
        }
    }

    /** Touches {@code pages} pages never touched before, in rounds of 2048, polling the session between them. */
    private static void touchFreshPages(int pages, TraceSession session, EventSink sink) {
        for (int round = 0; round < pages / 2048; round++) {
            ByteBuffer fresh = ByteBuffer.allocateDirect(2048 * 4096);
            for (int page = 0; page < fresh.capacity(); page += 4096) {
                fresh.put(page, (byte) 1);
            }
            session.poll(sink, 10);
        }
    }

    /** With -p, an event of the task is opened on each thread of the process: no other task's samples arrive. */
    @Test
    void anEventOfTheTaskIsOpenedOnTheThreadsOfTheProcessAlone() {
        Workload target = Workload.prepare("st-clocked", 200_000, 16, -1);
        try (TraceSession session = TraceSession.open(CATALOG, List.of(request(new EventSource.Software("task-clock",
                100_000), 0)), new SessionOptions(64, target.tid(), true))) {
            Tally tally = new Tally(session.cpus(), 1);
            session.enable();
            target.start();
            Workload.run("st-bystander", 200_000, 16, -1);
            while (!target.isDone()) {
                session.poll(tally, 20);
            }
            target.join();
            session.finish(tally);
            assertTrue(tally.tids.size() > 0, "the workload's 200,000 reads take more than 100 us");
            assertEquals(List.of(target.tid()), tally.tids.stream().distinct().toList());
            assertAccountedFor(session);
        }
    }

    /**
     * A hardware event needs the CPU's PMU: where the machine has one its events are sampled; where it has none (most
     * virtual machines, this test's CI) opening says so, naming the event.
     */
    @Test
    void aHardwareEventIsSampledWhereThereIsAPmuAndOtherwiseSaysThereIsNone() {
        List<TraceRequest> requests = List.of(request(new EventSource.Hardware("cpu-cycles", 1_000_000), 0));
        if (Files.exists(Path.of("/sys/bus/event_source/devices/cpu"))) {
            try (TraceSession session = TraceSession.open(CATALOG, requests, SessionOptions.DEFAULT)) {
                Tally tally = new Tally(session.cpus(), 1);
                session.enable();
                Workload.run("st-cycles", 100_000, 16, -1);
                session.finish(tally);
                assertTrue(tally.tids.size() > 0, "100,000 reads take more than a million cycles");
            }
            return;
        }
        KernelException e = assertThrows(KernelException.class,
                () -> TraceSession.open(CATALOG, requests, SessionOptions.DEFAULT));
        assertTrue(e.getMessage().startsWith("perf_event_open for hardware:cpu-cycles on cpu " + OnlineCpus.list()[0]
                + " failed (ENOENT: No such file or directory): this machine has no hardware PMU that could count cpu-cycles"
                + " (there is no `cpu` in /sys/bus/event_source/devices"), e.getMessage());
    }
}
