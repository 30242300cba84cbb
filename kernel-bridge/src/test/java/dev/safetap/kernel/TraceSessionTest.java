package dev.safetap.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import dev.safetap.kernel.workload.Workload;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TraceSessionTest {
    private static final TracepointCatalog CATALOG = TracepointCatalog.live();
    private static final int COUNT_OFFSET =
            CATALOG.format("syscalls:sys_enter_read").orElseThrow().field("count").orElseThrow().offset();

    /** Counts, per tid, the sys_enter_read samples and those whose count field differs from the expected size. */
    private static final class ReadTally implements EventSink {
        final Map<Integer, Integer> samples = new HashMap<>();
        final Map<Integer, Integer> wrongSize = new HashMap<>();
        final Map<Integer, Integer> cpusSeen = new HashMap<>();
        final TraceSession session;
        final long expectedSize;
        final byte[] comm = new byte[16];
        final Map<Integer, List<String>> comms = new HashMap<>();
        long lastTime = Long.MIN_VALUE;
        int outOfOrder;
        int total;

        ReadTally(TraceSession session, long expectedSize) {
            this.session = session;
            this.expectedSize = expectedSize;
        }

        @Override
        public void onSample(Sample sample) {
            assertEquals(7, sample.stream());
            int tid = sample.tid();
            total++;
            if (sample.timeNanos() < lastTime) {
                outOfOrder++;
            }
            lastTime = sample.timeNanos();
            samples.merge(tid, 1, Integer::sum);
            cpusSeen.merge(tid, 1 << sample.cpu(), (a, b) -> a | b);
            if (sample.buffer().getLong(sample.rawOffset() + COUNT_OFFSET) != expectedSize) {
                wrongSize.merge(tid, 1, Integer::sum);
            }
            List<String> names = comms.computeIfAbsent(tid, t -> new ArrayList<>());
            String name = new String(comm, 0, session.comms().comm(tid, comm), StandardCharsets.UTF_8);
            if (names.isEmpty() || !names.get(names.size() - 1).equals(name)) {
                names.add(name);
            }
        }
    }

    private static TraceSession openReads(SessionOptions options, String filter) {
        return TraceSession.open(CATALOG, List.of(new TraceRequest("syscalls:sys_enter_read", 7, filter)), options);
    }

    private static void pollUntilDone(TraceSession session, EventSink sink, Workload... workloads) {
        for (Workload workload : workloads) {
            while (!workload.isDone()) {
                session.poll(sink, 20);
            }
            workload.join();
        }
        session.finish(sink);
    }

    @Test
    void deliversExactlyTheWorkloadsReadsWithTheirFields() {
        int n = 20_000;
        int size = 123;
        // 4 MiB per CPU hold all 20,000 samples even if this thread reads none before the end: under load,
        // exactness must not depend on how fast the test polls.
        try (TraceSession session = openReads(new SessionOptions(1024, -1, true), null)) {
            assertEquals(Runtime.getRuntime().availableProcessors(), session.probeCount());
            ReadTally tally = new ReadTally(session, size);
            session.enable();
            Workload workload = Workload.prepare("st-reader", n, size, -1);
            workload.start();
            pollUntilDone(session, tally, workload);
            assertEquals(0, session.lost());
            assertEquals(n, tally.samples.get(workload.tid()));
            assertEquals(null, tally.wrongSize.get(workload.tid()));
            assertEquals(List.of("st-reader"), tally.comms.get(workload.tid()));
            assertEquals("st-reader", session.comms().name(workload.tid()));
            assertEquals(0, tally.outOfOrder);
        }
    }

    @Test
    void mergesBothCpusInTimeOrder() {
        int n = 20_000;
        try (TraceSession session = openReads(new SessionOptions(1024, -1, true), null)) {
            ReadTally tally = new ReadTally(session, 64);
            session.enable();
            Workload first = Workload.prepare("st-cpu0", n, 64, 0);
            Workload second = Workload.prepare("st-cpu1", n, 64, 1);
            first.start();
            second.start();
            pollUntilDone(session, tally, first, second);
            assertEquals(0, session.lost());
            assertEquals(n, tally.samples.get(first.tid()));
            assertEquals(n, tally.samples.get(second.tid()));
            assertEquals(1, tally.cpusSeen.get(first.tid()));
            assertEquals(2, tally.cpusSeen.get(second.tid()));
            assertEquals(0, tally.outOfOrder);
        }
    }

    @Test
    void namesAProcessByItsCommAtEachSample() {
        try (TraceSession session = openReads(SessionOptions.DEFAULT, null)) {
            ReadTally tally = new ReadTally(session, -1);
            session.enable();
            HeldCommand command = HeldCommand.start(List.of("head", "-c", "1", "/dev/zero"));
            command.release();
            assertEquals(0, command.waitFor());
            session.finish(tally);
            List<String> names = tally.comms.get(command.pid());
            assertTrue(names.size() >= 2, "comm of pid " + command.pid() + " at its reads: " + names);
            assertEquals(List.of("sh", "head"), names.subList(names.size() - 2, names.size()),
                    "comm of pid " + command.pid() + " at its reads: " + names);
            assertTrue(List.of("jspawnhelper", "sh").contains(names.get(0)), names.toString());
        }
    }

    @Test
    void tinyRingReportsLostRecords() {
        int n = 20_000;
        try (TraceSession session = openReads(new SessionOptions(1, -1, true), null)) {
            ReadTally tally = new ReadTally(session, 32);
            session.enable();
            int tid = Workload.run("st-flood", n, 32, -1);
            for (int attempt = 0; attempt < 100 && session.lost() == 0; attempt++) {
                session.poll(tally, 0);
                Workload.run("st-nudge", 1, 8, -1);
            }
            session.finish(tally);
            assertTrue(session.lost() > 0, "no lost records reported");
            long perCpu = 0;
            for (long lost : session.lostPerCpu()) {
                perCpu += lost;
            }
            assertEquals(session.lost(), perCpu);
            int delivered = tally.samples.getOrDefault(tid, 0);
            assertTrue(delivered < n, "delivered " + delivered);
            assertTrue(delivered + session.lost() >= n, "delivered " + delivered + " lost " + session.lost());
        }
    }

    @Test
    void kernelFilterKeepsOnlyMatchingRecords() {
        try (TraceSession session = openReads(SessionOptions.DEFAULT, "count == 77")) {
            assertEquals(List.of(), session.rejectedFilters());
            ReadTally tally = new ReadTally(session, 77);
            session.enable();
            int matching = Workload.run("st-match", 300, 77, -1);
            int other = Workload.run("st-other", 300, 78, -1);
            session.finish(tally);
            assertEquals(300, tally.samples.get(matching));
            assertEquals(null, tally.samples.get(other));
            assertEquals(Map.of(), tally.wrongSize);
        }
    }

    @Test
    void rejectedFilterFallsBackToNoFilter() {
        TraceRequest request = new TraceRequest("syscalls:sys_enter_read", 7, "no_such_field == 1");
        try (TraceSession session = TraceSession.open(CATALOG, List.of(request), SessionOptions.DEFAULT)) {
            assertEquals(List.of(request), session.rejectedFilters());
            ReadTally tally = new ReadTally(session, 9);
            session.enable();
            int tid = Workload.run("st-unfilter", 250, 9, -1);
            session.finish(tally);
            assertEquals(250, tally.samples.get(tid));
        }
    }

    @Test
    void pidOptionTracesOnlyThatTask() {
        Workload target = Workload.prepare("st-target", 400, 16, -1);
        try (TraceSession session = openReads(new SessionOptions(64, target.tid(), true), null)) {
            ReadTally tally = new ReadTally(session, 16);
            session.enable();
            target.start();
            int other = Workload.run("st-bystander", 400, 16, -1);
            pollUntilDone(session, tally, target);
            assertEquals(Map.of(target.tid(), 400), tally.samples);
            assertEquals(null, tally.samples.get(other));
        }
    }

    /** Where the user addresses of the sample's callchain start (after its CONTEXT_USER marker); -1 if none. */
    private static int userPart(Sample sample) {
        for (int i = 0; i + 1 < sample.callchainLength(); i++) {
            if (sample.callchain(i) == Sample.CONTEXT_USER) {
                return i + 1;
            }
        }
        return -1;
    }

    /**
     * Callchain, user registers and user stack on a tracepoint: every read of the workload arrives with its
     * raw record intact behind the callchain, a callchain with user addresses (a system call's stacks come through
     * the record copy, whose chain also has the kernel's part first), a user IP register equal to the callchain's
     * first user entry (the kernel takes both from the same registers) and the requested stack bytes, so each
     * variable-size block was found where the previous one ends. The ring holds every sample of the run.
     */
    @Test
    void samplesCarryCallchainUserRegistersAndStackDecodedInPlace() {
        int n = 3_000;
        int size = 99;
        long sp = 1L << 7;
        long ip = 1L << 8;
        SampleContent content = SampleContent.of(SampleField.CALLCHAIN, SampleField.RAW)
                .withUserRegisters(sp | ip).withUserStack(512);
        TraceRequest request = new TraceRequest(EventSource.Tracepoint.parse("syscalls:sys_enter_read"), content, 7,
                null);
        Workload workload = Workload.prepare("st-stacks", n, size, -1);
        try (TraceSession session = TraceSession.open(CATALOG, List.of(request),
                new SessionOptions(1024, workload.tid(), true))) {
            int[] counts = new int[2];
            List<String> wrong = new ArrayList<>();
            EventSink sink = sample -> {
                counts[0]++;
                String problem = sample.tid() != workload.tid() ? "tid " + sample.tid()
                        : sample.buffer().getLong(sample.rawOffset() + COUNT_OFFSET) != size ? "count field"
                        : userPart(sample) < 0 ? "callchain of " + sample.callchainLength() + " without a user part"
                        : sample.userRegsAbi() != Sample.REGS_ABI_64 || sample.userRegsCount() != 2 ? "registers"
                        : sample.userRegister(1) != sample.callchain(userPart(sample)) ? "user IP differs from the callchain"
                        : sample.userRegister(0) == 0 ? "no user SP"
                        : sample.userStackSize() != 512 ? "stack size " + sample.userStackSize()
                        : sample.userStackDynSize() <= 0 || sample.userStackDynSize() > 512 ? "stack dyn size"
                        : null;
                if (problem != null && wrong.size() < 5) {
                    wrong.add(problem);
                }
                counts[1] += problem == null ? 1 : 0;
            };
            session.enable();
            workload.start();
            pollUntilDone(session, sink, workload);
            assertEquals(0, session.lost());
            assertEquals(List.of(), wrong);
            assertEquals(n, counts[0]);
            assertEquals(n, counts[1]);
        }
    }

    @Test
    void registerTheArchitectureDoesNotSampleIsAClearError() {
        long ds = 1L << 12;
        TraceRequest request = new TraceRequest(EventSource.Tracepoint.parse("syscalls:sys_enter_read"),
                SampleContent.RAW.withUserRegisters(ds), 0, null);
        KernelException e = assertThrows(KernelException.class,
                () -> TraceSession.open(CATALOG, List.of(request), SessionOptions.DEFAULT));
        assertTrue(e.getMessage().endsWith(" failed (EINVAL: Invalid argument): the kernel cannot sample REGS_USER "
                + "(user register mask 0x1000: every bit must name a register of this architecture's asm/perf_regs.h) "
                + "for this event; sample fewer fields, or report this with the kernel version (uname -r)"),
                e.getMessage());
    }

    @Test
    void closeReleasesEveryDescriptorAndMapping() throws Exception {
        int fdsBefore = ProcessFiles.openFiles();
        int mapsBefore = ProcessFiles.perfMappings();
        TraceSession session = TraceSession.open(CATALOG, List.of(new TraceRequest("syscalls:sys_enter_read", 1),
                new TraceRequest("syscalls:sys_exit_read", 2)), SessionOptions.DEFAULT);
        int cpus = session.cpus().length;
        assertEquals(2 * cpus, session.probeCount());
        assertEquals(fdsBefore + 3 * cpus, ProcessFiles.openFiles());
        assertEquals(mapsBefore + cpus, ProcessFiles.perfMappings());
        session.enable();
        session.poll(sample -> { }, 10);
        session.close();
        session.close();
        assertEquals(fdsBefore, ProcessFiles.openFiles());
        assertEquals(mapsBefore, ProcessFiles.perfMappings());
        assertThrows(IllegalStateException.class, () -> session.poll(sample -> { }, 0));
    }

    @Test
    void unknownTracepointIsAClearError() {
        KernelException e = assertThrows(KernelException.class,
                () -> TraceSession.open(CATALOG, List.of(new TraceRequest("syscalls:sys_enter_nope", 1)),
                        SessionOptions.DEFAULT));
        assertTrue(e.getMessage().contains("tracepoint syscalls:sys_enter_nope not found"), e.getMessage());
    }

    @Test
    void eventPerfCannotAttachToIsNotFound() {
        KernelException e = assertThrows(KernelException.class,
                () -> TraceSession.open(CATALOG, List.of(new TraceRequest("ftrace:function", 1)),
                        SessionOptions.DEFAULT));
        assertTrue(e.getMessage().contains("tracepoint ftrace:function not found"), e.getMessage());
    }

    @Test
    void tooFewFileDescriptorsIsAClearErrorAndLeaksNothing() {
        List<TraceRequest> requests = new ArrayList<>();
        for (int stream = 0; stream < 8; stream++) {
            requests.add(new TraceRequest("syscalls:sys_enter_read", stream));
        }
        try (TraceSession warmUp = TraceSession.open(CATALOG, requests.subList(0, 1), SessionOptions.DEFAULT)) {
            assertTrue(Errno.describe(Errno.EMFILE).startsWith("EMFILE: "), "loads the classes of the error path");
        }
        int fdsBefore = ProcessFiles.openFiles();
        int mapsBefore = ProcessFiles.perfMappings();
        Memory limit = new Memory(16);
        assertEquals(0, LibC.getrlimit(LibC.RLIMIT_NOFILE, limit));
        long soft = limit.getLong(0);
        KernelException e;
        try {
            limit.setLong(0, fdsBefore + 3);
            assertEquals(0, LibC.setrlimit(LibC.RLIMIT_NOFILE, limit));
            e = assertThrows(KernelException.class,
                    () -> TraceSession.open(CATALOG, requests, SessionOptions.DEFAULT));
        } finally {
            limit.setLong(0, soft);
            assertEquals(0, LibC.setrlimit(LibC.RLIMIT_NOFILE, limit));
        }
        assertTrue(e.getMessage().contains("EMFILE"), e.getMessage());
        assertTrue(e.getMessage().contains("too many open files: raise `ulimit -n` to at least "), e.getMessage());
        assertEquals(fdsBefore, ProcessFiles.openFiles());
        assertEquals(mapsBefore, ProcessFiles.perfMappings());
    }
}
