package dev.safetap.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Decoding of PERF_RECORD_SAMPLE records written by hand in the order of perf_event_open(2), for several
 * sample_types: each expected offset is counted out in the test's comment. Every record starts at byte 24 of
 * its buffer, as records do inside a queue.
 */
class SampleFormatTest {
    private static final long ALWAYS = SampleContent.ALWAYS;
    private static final long IP = SampleField.IP.bit();
    private static final long ADDR = SampleField.ADDR.bit();
    private static final long READ = SampleField.READ.bit();
    private static final long CALLCHAIN = SampleField.CALLCHAIN.bit();
    private static final long ID = SampleField.ID.bit();
    private static final long PERIOD = SampleField.PERIOD.bit();
    private static final long STREAM_ID = SampleField.STREAM_ID.bit();
    private static final long RAW = SampleField.RAW.bit();
    private static final long REGS_USER = SampleField.REGS_USER.bit();
    private static final long STACK_USER = SampleField.STACK_USER.bit();
    private static final long WEIGHT = SampleField.WEIGHT.bit();
    private static final long DATA_SRC = SampleField.DATA_SRC.bit();
    private static final long PHYS_ADDR = SampleField.PHYS_ADDR.bit();
    private static final long CGROUP = SampleField.CGROUP.bit();
    private static final long KERNEL_IP = 0xffffffff81001234L;
    private static final int AT = 24;

    private static Sample decode(SampleFormat format, PerfRecordWriter records, int offset, int stream) {
        Sample sample = format.newSample(stream);
        format.decode(records.buffer, offset, records.size(offset), sample);
        return sample;
    }

    @Test
    void tracepointSampleHasItsRawRecordAtByte44() {
        SampleFormat format = SampleFormat.of(ALWAYS | RAW, 0, 0);
        // header 0, IDENTIFIER 8, pid/tid 16, TIME 24, cpu 32, raw size 40, raw 44..56
        PerfRecordWriter records = new PerfRecordWriter(128).skip(AT);
        int offset = records.begin(PerfEvent.RECORD_SAMPLE).u64(77).u32s(100, 101).u64(5_000).u32s(1, 0)
                .u32(12).bytes(12, 0xab).end();
        Sample sample = decode(format, records, offset, 3);
        assertEquals(56, records.size(offset));
        assertEquals(3, sample.stream());
        assertEquals(100, sample.pid());
        assertEquals(101, sample.tid());
        assertEquals(5_000, sample.timeNanos());
        assertEquals(5_000, format.time(records.buffer, offset));
        assertEquals(1, sample.cpu());
        assertEquals(AT + 44, sample.rawOffset());
        assertEquals(12, sample.rawLength());
        assertEquals((byte) 0xab, sample.buffer().get(sample.rawOffset() + 11));
        assertTrue(sample.has(SampleField.RAW));
        assertFalse(sample.has(SampleField.IP));
        assertEquals(0, sample.ip());
        assertEquals(0, sample.period());
        assertEquals(0, sample.callchainLength());
        assertEquals(0, sample.userRegsCount());
        assertEquals(0, sample.userStackSize());
    }

    @Test
    void callchainShiftsTheRawRecord() {
        SampleFormat format = SampleFormat.of(ALWAYS | IP | PERIOD | CALLCHAIN | RAW, 0, 0);
        // header 0, IDENTIFIER 8, IP 16, pid/tid 24, TIME 32, cpu 40, PERIOD 48, nr 56, ips 64 72 80,
        // raw size 88, raw 92..96
        PerfRecordWriter records = new PerfRecordWriter(128).skip(AT);
        int offset = records.begin(PerfEvent.RECORD_SAMPLE).u64(77).u64(KERNEL_IP).u32s(200, 201).u64(6_000)
                .u32s(0, 0).u64(1).u64(3).u64(Sample.CONTEXT_KERNEL).u64(KERNEL_IP).u64(KERNEL_IP + 16)
                .u32(4).bytes(4, 0xcd).end();
        Sample sample = decode(format, records, offset, 0);
        assertEquals(96, records.size(offset));
        assertEquals(KERNEL_IP, sample.ip());
        assertEquals(200, sample.pid());
        assertEquals(201, sample.tid());
        assertEquals(6_000, sample.timeNanos());
        assertEquals(1, sample.period());
        assertEquals(3, sample.callchainLength());
        assertEquals(AT + 64, sample.callchainOffset());
        assertEquals(Sample.CONTEXT_KERNEL, sample.callchain(0));
        assertEquals(KERNEL_IP + 16, sample.callchain(2));
        assertThrows(IndexOutOfBoundsException.class, () -> sample.callchain(3));
        assertEquals(AT + 92, sample.rawOffset());
        assertEquals(4, sample.rawLength());
    }

    @Test
    void userRegistersAndStackFollowTheRawRecordAndShiftTheTail() {
        long mask = (1L << 7) | (1L << 8) | (1L << 16);
        long type = ALWAYS | CALLCHAIN | RAW | REGS_USER | STACK_USER | WEIGHT | DATA_SRC | PHYS_ADDR | CGROUP;
        SampleFormat format = SampleFormat.of(type, 0, mask);
        // header 0, IDENTIFIER 8, pid/tid 16, TIME 24, cpu 32, nr 40, ips 48 56, raw size 64, raw 68..88,
        // abi 88, regs 96 104 112, stack size 120, stack 128..144, dyn_size 144,
        // WEIGHT 152, DATA_SRC 160, PHYS_ADDR 168, CGROUP 176, end 184
        PerfRecordWriter records = new PerfRecordWriter(256).skip(AT);
        int offset = records.begin(PerfEvent.RECORD_SAMPLE).u64(77).u32s(300, 301).u64(7_000).u32s(1, 0)
                .u64(2).u64(Sample.CONTEXT_USER).u64(0x401000)
                .u32(20).bytes(20, 0x11)
                .u64(Sample.REGS_ABI_64).u64(0x7ffd0000L).u64(0x401000).u64(8)
                .u64(16).bytes(16, 0x22).u64(8)
                .u64(40).u64(0x1234).u64(0x5000).u64(9)
                .end();
        Sample sample = decode(format, records, offset, 5);
        assertEquals(184, records.size(offset));
        assertEquals(300, sample.pid());
        assertEquals(7_000, sample.timeNanos());
        assertEquals(1, sample.cpu());
        assertEquals(2, sample.callchainLength());
        assertEquals(0x401000, sample.callchain(1));
        assertEquals(AT + 68, sample.rawOffset());
        assertEquals(20, sample.rawLength());
        assertEquals(Sample.REGS_ABI_64, sample.userRegsAbi());
        assertEquals(3, sample.userRegsCount());
        assertEquals(AT + 96, sample.userRegsOffset());
        assertEquals(0x7ffd0000L, sample.userRegister(0));
        assertEquals(0x401000, sample.userRegister(1));
        assertEquals(8, sample.userRegister(2));
        assertEquals(16, sample.userStackSize());
        assertEquals(AT + 128, sample.userStackOffset());
        assertEquals((byte) 0x22, sample.buffer().get(sample.userStackOffset() + 15));
        assertEquals(8, sample.userStackDynSize());

        KernelException e = assertThrows(KernelException.class,
                () -> format.decode(records.buffer, offset, 176, format.newSample(5)));
        assertEquals("a 176-byte perf sample does not add up to its sample_type "
                + "TID|TIME|CALLCHAIN|CPU|RAW|REGS_USER|STACK_USER|WEIGHT|DATA_SRC|IDENTIFIER|PHYS_ADDR|CGROUP; "
                + "please report this with the kernel version (uname -r)", e.getMessage());
    }

    @Test
    void kernelThreadHasNoUserRegistersAndAnEmptyStack() {
        SampleFormat format = SampleFormat.of(ALWAYS | RAW | REGS_USER | STACK_USER, 0, 0xff);
        // header 0, IDENTIFIER 8, pid/tid 16, TIME 24, cpu 32, raw size 40, raw 44..48, abi 48 (NONE: no regs),
        // stack size 56 (0: no data, no dyn_size), end 64
        PerfRecordWriter records = new PerfRecordWriter(128).skip(AT);
        int offset = records.begin(PerfEvent.RECORD_SAMPLE).u64(77).u32s(0, 0).u64(8_000).u32s(1, 0)
                .u32(4).bytes(4, 0).u64(Sample.REGS_ABI_NONE).u64(0).end();
        Sample sample = decode(format, records, offset, 0);
        assertEquals(64, records.size(offset));
        assertTrue(sample.has(SampleField.REGS_USER));
        assertEquals(Sample.REGS_ABI_NONE, sample.userRegsAbi());
        assertEquals(0, sample.userRegsCount());
        assertEquals(0, sample.userStackSize());
        assertEquals(0, sample.userStackDynSize());
        assertEquals(AT + 44, sample.rawOffset());
    }

    @Test
    void addressIdsAndReadValuesShiftCpuAndRaw() {
        long readFormat = 1 | 4 | 16;
        SampleFormat format = SampleFormat.of(ALWAYS | ADDR | ID | STREAM_ID | READ | RAW, readFormat, 0);
        // header 0, IDENTIFIER 8, pid/tid 16, TIME 24, ADDR 32, ID 40, STREAM_ID 48, cpu 56,
        // READ 64 (value, time_enabled, id, lost) ..96, raw size 96, raw 100..104
        PerfRecordWriter records = new PerfRecordWriter(128).skip(AT);
        int offset = records.begin(PerfEvent.RECORD_SAMPLE).u64(77).u32s(400, 401).u64(9_000).u64(0xdead)
                .u64(77).u64(78).u32s(1, 0).u64(5).u64(6).u64(77).u64(0).u32(4).bytes(4, 0).end();
        Sample sample = decode(format, records, offset, 0);
        assertEquals(104, records.size(offset));
        assertEquals(401, sample.tid());
        assertEquals(9_000, sample.timeNanos());
        assertEquals(1, sample.cpu());
        assertEquals(AT + 100, sample.rawOffset());
        assertEquals(4, sample.rawLength());
    }

    @Test
    void sizesBeyondTheRecordAreRefused() {
        SampleFormat format = SampleFormat.of(ALWAYS | CALLCHAIN | RAW, 0, 0);
        PerfRecordWriter records = new PerfRecordWriter(256).skip(AT);
        int hugeCallchain = records.begin(PerfEvent.RECORD_SAMPLE).u64(77).u32s(1, 1).u64(1).u32s(0, 0)
                .u64(1L << 40).u32(4).bytes(4, 0).end();
        int hugeRaw = records.begin(PerfEvent.RECORD_SAMPLE).u64(77).u32s(1, 1).u64(1).u32s(0, 0)
                .u64(0).u32(1000).bytes(4, 0).end();
        for (int offset : new int[] {hugeCallchain, hugeRaw}) {
            KernelException e = assertThrows(KernelException.class, () -> decode(format, records, offset, 0));
            assertEquals("a 56-byte perf sample does not add up to its sample_type TID|TIME|CALLCHAIN|CPU|RAW|IDENTIFIER; "
                    + "please report this with the kernel version (uname -r)", e.getMessage());
        }
    }

    @Test
    void aTracepointSampleWhoseRawSizeIsNotTheRestIsRefused() {
        SampleFormat format = SampleFormat.of(ALWAYS | RAW, 0, 0);
        PerfRecordWriter records = new PerfRecordWriter(128).skip(AT);
        int offset = records.begin(PerfEvent.RECORD_SAMPLE).u64(77).u32s(1, 1).u64(1).u32s(0, 0)
                .u32(4).bytes(12, 0).end();
        KernelException e = assertThrows(KernelException.class, () -> decode(format, records, offset, 0));
        assertEquals("a 56-byte perf sample does not add up to its sample_type TID|TIME|CPU|RAW|IDENTIFIER; "
                + "please report this with the kernel version (uname -r)", e.getMessage());
    }

    @Test
    void sideBandRecordsTakeTheirTimeFromTheTrailer() {
        SampleFormat tracker = SampleFormat.of(ALWAYS, 0, 0);
        SampleFormat withIds = SampleFormat.of(ALWAYS | ID | STREAM_ID, 0, 0);
        // COMM: header 0, pid/tid 8, comm 16..24, trailer: pid/tid, TIME, [ID, STREAM_ID,] cpu, IDENTIFIER
        PerfRecordWriter records = new PerfRecordWriter(256).skip(AT);
        int comm = records.begin(PerfEvent.RECORD_COMM).u32s(10, 11).bytes(8, 'x')
                .u32s(10, 11).u64(777).u32s(1, 0).u64(5).end();
        int commWithIds = records.begin(PerfEvent.RECORD_COMM).u32s(10, 11).bytes(8, 'x')
                .u32s(10, 11).u64(888).u64(5).u64(6).u32s(1, 0).u64(5).end();
        assertEquals(32, tracker.trailerBytes());
        assertEquals(777, tracker.trailerTime(records.buffer, comm, records.size(comm)));
        assertEquals(48, withIds.trailerBytes());
        assertEquals(888, withIds.trailerTime(records.buffer, commWithIds, records.size(commWithIds)));
    }

    @Test
    void unsupportedFieldsAreRefusedSayingWhy() {
        assertEquals("cannot decode samples of sample_type TID|TIME|CPU|RAW|BRANCH_STACK|IDENTIFIER: BRANCH_STACK is "
                        + "not supported (its layout depends on branch_sample_type and on the CPU's branch records)",
                refusal(ALWAYS | RAW | SampleField.BRANCH_STACK.bit(), 0, 0));
        assertEquals("cannot decode samples of sample_type TID|TIME|CPU|IDENTIFIER|REGS_INTR: REGS_INTR is not "
                + "supported (sample a task's registers with REGS_USER)", refusal(ALWAYS | SampleField.REGS_INTR.bit(), 0, 0));
        assertEquals("cannot decode samples of sample_type TID|TIME|CPU|IDENTIFIER|AUX: AUX is not supported "
                + "(it needs an AUX area mapped beside the ring)", refusal(ALWAYS | SampleField.AUX.bit(), 0, 0));
        assertEquals("cannot decode READ with read_format 0x9: a group's values (FORMAT_GROUP, a count per member) and "
                + "read_format bits above LOST are not supported; read a group's counters with read(2) instead",
                refusal(ALWAYS | READ, 8 | 1, 0));
        assertEquals("sample_type bits 0x2000000 are newer than this bridge, which knows IP|TID|TIME|ADDR|READ|"
                + "CALLCHAIN|ID|CPU|PERIOD|STREAM_ID|RAW|BRANCH_STACK|REGS_USER|STACK_USER|WEIGHT|DATA_SRC|IDENTIFIER|"
                + "TRANSACTION|REGS_INTR|PHYS_ADDR|AUX|CGROUP|DATA_PAGE_SIZE|CODE_PAGE_SIZE|WEIGHT_STRUCT",
                refusal(ALWAYS | 1L << 25, 0, 0));
        assertEquals("sample_type TID|TIME|RAW lacks CPU|IDENTIFIER: the bridge samples IDENTIFIER, TID, TIME and CPU "
                + "on every event, to tell the events of a ring apart and merge them in time order",
                refusal(SampleField.TID.bit() | SampleField.TIME.bit() | RAW, 0, 0));
        assertEquals("REGS_USER needs a nonzero register mask (sample_regs_user)", refusal(ALWAYS | REGS_USER, 0, 0));
    }

    private static String refusal(long sampleType, long readFormat, long userRegisterMask) {
        return assertThrows(IllegalArgumentException.class,
                () -> SampleFormat.of(sampleType, readFormat, userRegisterMask)).getMessage();
    }
}
