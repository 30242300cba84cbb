package dev.safetap.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The merge without the kernel: hand-written records of two requests with different sample_types and of the
 * task tracker, taken from two CPUs' rings out of order, come out in time order, each decoded by its own
 * event's format, with COMM applied at its place; and the path from ring record to sink allocates nothing.
 */
class TimeOrderedMergeTest {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    private static final long TRACEPOINT = SampleContent.RAW.sampleType();
    private static final long PROFILE = SampleContent.of(SampleField.IP, SampleField.CALLCHAIN)
            .withUserRegisters(1L << 8).sampleType();
    /** Above any pid_max (at most 2^22), so that /proc never names it. */
    private static final int TID = 1 << 23;

    private final EventIdTable ids = new EventIdTable(4);
    private final CommTable comms = new CommTable();
    private final ProcessMappings mappings = new ProcessMappings();
    private final TimeOrderedMerge merge;

    TimeOrderedMergeTest() {
        ids.put(101, 0);
        ids.put(202, 1);
        merge = new TimeOrderedMerge(2, 1 << 16, ids, new int[] {7, 9},
                new SampleFormat[] {SampleFormat.of(TRACEPOINT, 0, 0), SampleFormat.of(PROFILE, 0, 1L << 8)},
                SampleFormat.of(SampleContent.ALWAYS, 0, 0), comms, mappings);
    }

    /** A tracepoint sample of event 101 whose 8-byte raw record holds {@code value}. */
    private static void tracepoint(PerfRecordWriter records, long time, int cpu, long value) {
        records.begin(PerfEvent.RECORD_SAMPLE).u64(101).u32s(TID, TID).u64(time).u32s(cpu, 0).u32(12).u32(0)
                .u64(value).end();
    }

    /** A sample of event 202 with IP, a two-entry callchain and the user IP register. */
    private static void profile(PerfRecordWriter records, long time, int cpu, long ip) {
        records.begin(PerfEvent.RECORD_SAMPLE).u64(202).u64(ip).u32s(TID, TID).u64(time).u32s(cpu, 0)
                .u64(2).u64(Sample.CONTEXT_USER).u64(ip).u64(Sample.REGS_ABI_64).u64(ip).end();
    }

    private static void comm(PerfRecordWriter records, long time, int cpu, String name) {
        records.begin(PerfEvent.RECORD_COMM).u32s(TID, TID);
        for (int i = 0; i < 8; i++) {
            records.bytes(1, i < name.length() ? name.charAt(i) : 0);
        }
        records.u32s(TID, TID).u64(time).u32s(cpu, 0).u64(1).end();
    }

    /** Hands every record written to {@code records} to the intake of {@code cpu}. */
    private void take(int cpu, PerfRecordWriter records) {
        RecordConsumer intake = merge.intake(cpu);
        for (int at = 0; at < records.at(); at += records.size(at)) {
            assertTrue(intake.accept(records.buffer, at, records.size(at)));
        }
    }

    private void takeAndDeliver(PerfRecordWriter records, EventSink sink) {
        take(0, records);
        assertEquals(200, merge.deliver(Long.MAX_VALUE, sink));
    }

    @Test
    void deliversBothCpusInTimeOrderEachDecodedByItsFormat() {
        PerfRecordWriter cpu0 = new PerfRecordWriter(1024);
        tracepoint(cpu0, 10, 0, 1000);
        comm(cpu0, 30, 0, "renamed");
        profile(cpu0, 25, 0, 0x401000);
        cpu0.begin(PerfEvent.RECORD_SAMPLE).u64(999).u32s(1, 1).u64(15).u32s(0, 0).u32(4).u32(0).end();
        cpu0.begin(PerfEvent.RECORD_LOST).u64(101).u64(3).u32s(0, 0).u64(31).u32s(0, 0).u64(101).end();
        PerfRecordWriter cpu1 = new PerfRecordWriter(1024);
        profile(cpu1, 20, 1, 0x402000);
        tracepoint(cpu1, 40, 1, 2000);
        take(0, cpu0);
        take(1, cpu1);

        List<String> seen = new ArrayList<>();
        EventSink sink = sample -> seen.add(sample.stream() + "@" + sample.timeNanos() + " cpu" + sample.cpu() + " "
                + (sample.stream() == 7 ? "raw " + sample.buffer().getLong(sample.rawOffset() + 4)
                : "ip " + Long.toHexString(sample.ip()) + " chain " + Long.toHexString(sample.callchain(1))
                + " reg " + Long.toHexString(sample.userRegister(0)))
                + " " + comms.name(sample.tid()));
        assertEquals(4, merge.deliver(Long.MAX_VALUE, sink));
        assertEquals(List.of("7@10 cpu0 raw 1000 ", "9@20 cpu1 ip 402000 chain 402000 reg 402000 ",
                "9@25 cpu0 ip 401000 chain 401000 reg 401000 ", "7@40 cpu1 raw 2000 renamed"), seen);
        assertEquals(3, merge.lost()[0]);
        assertEquals(0, merge.lost()[1]);
    }

    /** An MMAP2 record of process {@code pid}: a file mapped at {@code start}, the sample_id trailer after its name. */
    private static void mmap2(PerfRecordWriter records, long time, int pid, long start, String file) {
        records.begin(PerfEvent.RECORD_MMAP2).u32s(pid, pid).u64(start).u64(0x3000).u64(0x1000).u32s(8, 1).u64(4242)
                .u64(0).u32s(5, 2);
        int padded = (file.length() + 8) & ~7;
        for (int i = 0; i < padded; i++) {
            records.bytes(1, i < file.length() ? file.charAt(i) : 0);
        }
        records.u32s(pid, pid).u64(time).u32s(0, 0).u64(1).end();
    }

    @Test
    void mappingsAreKeptPerProcessInTheOrderTheyWereMade() {
        PerfRecordWriter cpu0 = new PerfRecordWriter(1024);
        mmap2(cpu0, 50, 77, 0x400000, "/usr/bin/app");
        mmap2(cpu0, 60, 77, 0x7f0000000000L, "/usr/lib/libc.so.6");
        mmap2(cpu0, 55, 88, 0x500000, "/tmp/other with space");
        take(0, cpu0);
        assertEquals(0, merge.deliver(Long.MAX_VALUE, sample -> { }));
        assertEquals(List.of(new ProcessMappings.Mapping(0x400000, 0x3000, 0x1000, 8, 1, 4242, 5, 2, "/usr/bin/app", 50),
                new ProcessMappings.Mapping(0x7f0000000000L, 0x3000, 0x1000, 8, 1, 4242, 5, 2, "/usr/lib/libc.so.6", 60)),
                mappings.of(77));
        assertEquals("/tmp/other with space", mappings.of(88).get(0).file());
        assertEquals(List.of(), mappings.of(99));
    }

    @Test
    void fromRingRecordToSinkNothingIsAllocated() {
        PerfRecordWriter records = new PerfRecordWriter(1 << 15);
        for (int i = 0; i < 100; i++) {
            tracepoint(records, 3 * i, 0, i);
            profile(records, 3 * i + 1, 0, 0x401000 + i);
            comm(records, 3 * i + 2, 0, "st-" + i % 10);
        }
        long[] sum = new long[1];
        EventSink sink = sample -> sum[0] += sample.stream() == 7
                ? sample.buffer().getLong(sample.rawOffset() + 4) : sample.userRegister(0) + sample.callchain(1);
        long tid = Thread.currentThread().getId();
        int passes = 0;
        for (; passes < 10_000; passes++) {
            takeAndDeliver(records, sink);
        }
        // as in vm's AllocationTest: a window may see a one-off allocation of the JVM (a deoptimization),
        // so up to three windows are measured and one must allocate nothing
        long allocated = -1;
        for (int window = 0; window < 3 && allocated != 0; window++) {
            long before = THREADS.getThreadAllocatedBytes(tid);
            for (int pass = 0; pass < 1000; pass++, passes++) {
                takeAndDeliver(records, sink);
            }
            allocated = THREADS.getThreadAllocatedBytes(tid) - before;
        }
        assertEquals(0, allocated, "bytes allocated by 1000 passes of 300 records taken and delivered, in each of "
                + "three windows");
        assertEquals(passes * (4950 + 2 * (100 * 0x401000L + 4950)), sum[0]);
        assertEquals("st-9", comms.name(TID));
    }
}
