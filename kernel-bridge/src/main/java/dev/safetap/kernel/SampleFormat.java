package dev.safetap.kernel;

import java.nio.ByteBuffer;

/**
 * Where each field of an event's records is, computed once from its sample_type (and read_format and
 * sample_regs_user, which size two of the fields), in the order of perf_event_open(2):
 *
 * <pre>
 * PERF_RECORD_SAMPLE: header, IDENTIFIER, IP, TID, TIME, ADDR, ID, STREAM_ID, CPU, PERIOD, READ,   fixed size
 *                     CALLCHAIN, RAW, BRANCH_STACK, REGS_USER, STACK_USER,                          variable size
 *                     WEIGHT|WEIGHT_STRUCT, DATA_SRC, TRANSACTION, REGS_INTR, PHYS_ADDR, CGROUP,
 *                     DATA_PAGE_SIZE, CODE_PAGE_SIZE, AUX
 * sample_id trailer of other records (with sample_id_all): TID, TIME, ID, STREAM_ID, CPU, IDENTIFIER
 * </pre>
 *
 * Everything up to READ sits at a fixed offset; each variable block (CALLCHAIN, RAW, REGS_USER, STACK_USER)
 * gives its own size and shifts what follows; after STACK_USER only fixed-size fields remain, so they are
 * checked by their total size. Every event the bridge opens samples IDENTIFIER, TID, TIME and CPU: IDENTIFIER,
 * right after the header, tells which event of a shared ring wrote a sample before anything else is decoded.
 * Refused, because their size depends on more than these attributes or nothing needs them: READ of a group,
 * BRANCH_STACK, REGS_INTR and AUX.
 */
final class SampleFormat {
    /** Offset of IDENTIFIER in every sample: right after the 8-byte header. */
    static final int IDENTIFIER_AT = 8;
    /** A tracepoint's sample (IDENTIFIER, TID, TIME, CPU, RAW): where its fields are. */
    private static final long TRACEPOINT = SampleContent.ALWAYS | SampleField.RAW.bit();
    private static final int TRACEPOINT_TID = 16;
    private static final int TRACEPOINT_TIME = 24;
    private static final int TRACEPOINT_CPU = 32;
    private static final int TRACEPOINT_RAW_SIZE = 40;

    private static final long FORMAT_TOTAL_TIME_ENABLED = 1L;
    private static final long FORMAT_TOTAL_TIME_RUNNING = 1L << 1;
    private static final long FORMAT_ID = 1L << 2;
    private static final long FORMAT_GROUP = 1L << 3;
    private static final long FORMAT_LOST = 1L << 4;
    private static final long KNOWN_READ_FORMAT = FORMAT_TOTAL_TIME_ENABLED | FORMAT_TOTAL_TIME_RUNNING | FORMAT_ID
            | FORMAT_GROUP | FORMAT_LOST;
    private static final long KNOWN_SAMPLE_TYPE = (SampleField.WEIGHT_STRUCT.bit() << 1) - 1;
    private static final SampleField[] TAIL = {SampleField.DATA_SRC, SampleField.TRANSACTION, SampleField.PHYS_ADDR,
        SampleField.CGROUP, SampleField.DATA_PAGE_SIZE, SampleField.CODE_PAGE_SIZE};

    private final long sampleType;
    private final int ipAt;
    private final int tidAt;
    private final int timeAt;
    private final int cpuAt;
    private final int periodAt;
    private final int variableAt;
    private final boolean callchain;
    private final boolean raw;
    private final boolean userRegs;
    private final int userRegsCount;
    private final long userRegisterMask;
    private final boolean userStack;
    private final int tailBytes;
    private final int trailerBytes;
    private final int trailerTimeAt;

    private SampleFormat(long sampleType, long readFormat, long userRegisterMask) {
        this.sampleType = sampleType;
        int at = IDENTIFIER_AT + 8;
        ipAt = has(SampleField.IP) ? at : -1;
        at += size(SampleField.IP);
        tidAt = at;
        at += 8;
        timeAt = at;
        at += 8 + size(SampleField.ADDR) + size(SampleField.ID) + size(SampleField.STREAM_ID);
        cpuAt = at;
        at += 8;
        periodAt = has(SampleField.PERIOD) ? at : -1;
        at += size(SampleField.PERIOD);
        if (has(SampleField.READ)) {
            at += 8 * (1 + Long.bitCount(readFormat & ~FORMAT_GROUP));
        }
        variableAt = at;
        callchain = has(SampleField.CALLCHAIN);
        raw = has(SampleField.RAW);
        userRegs = has(SampleField.REGS_USER);
        userRegsCount = userRegs ? Long.bitCount(userRegisterMask) : 0;
        this.userRegisterMask = userRegs ? userRegisterMask : 0;
        userStack = has(SampleField.STACK_USER);
        int tail = has(SampleField.WEIGHT) || has(SampleField.WEIGHT_STRUCT) ? 8 : 0;
        for (SampleField field : TAIL) {
            tail += size(field);
        }
        tailBytes = tail;
        trailerTimeAt = size(SampleField.TID);
        trailerBytes = size(SampleField.TID) + size(SampleField.TIME) + size(SampleField.ID)
                + size(SampleField.STREAM_ID) + size(SampleField.CPU) + size(SampleField.IDENTIFIER);
    }

    /**
     * The format of an event's records.
     *
     * @param readFormat       perf_event_attr.read_format, which sizes READ
     * @param userRegisterMask perf_event_attr.sample_regs_user, which sizes REGS_USER
     * @throws IllegalArgumentException for a sample_type this bridge cannot decode, saying why
     */
    static SampleFormat of(long sampleType, long readFormat, long userRegisterMask) {
        if ((sampleType & SampleContent.ALWAYS) != SampleContent.ALWAYS) {
            throw new IllegalArgumentException("sample_type " + SampleField.names(sampleType) + " lacks "
                    + SampleField.names(SampleContent.ALWAYS & ~sampleType) + ": the bridge samples IDENTIFIER, TID, "
                    + "TIME and CPU on every event, to tell the events of a ring apart and merge them in time order");
        }
        if ((sampleType & ~KNOWN_SAMPLE_TYPE) != 0) {
            throw new IllegalArgumentException("sample_type bits " + SampleField.names(sampleType & ~KNOWN_SAMPLE_TYPE)
                    + " are newer than this bridge, which knows " + SampleField.names(KNOWN_SAMPLE_TYPE));
        }
        if ((sampleType & SampleField.BRANCH_STACK.bit()) != 0) {
            throw refused(sampleType, SampleField.BRANCH_STACK,
                    "its layout depends on branch_sample_type and on the CPU's branch records");
        }
        if ((sampleType & SampleField.REGS_INTR.bit()) != 0) {
            throw refused(sampleType, SampleField.REGS_INTR, "sample a task's registers with REGS_USER");
        }
        if ((sampleType & SampleField.AUX.bit()) != 0) {
            throw refused(sampleType, SampleField.AUX, "it needs an AUX area mapped beside the ring");
        }
        if ((sampleType & SampleField.READ.bit()) != 0 && (readFormat & (FORMAT_GROUP | ~KNOWN_READ_FORMAT)) != 0) {
            throw new IllegalArgumentException("cannot decode READ with read_format 0x" + Long.toHexString(readFormat)
                    + ": a group's values (FORMAT_GROUP, a count per member) and read_format bits above LOST are not "
                    + "supported; read a group's counters with read(2) instead");
        }
        if ((sampleType & SampleField.REGS_USER.bit()) != 0 && userRegisterMask == 0) {
            throw new IllegalArgumentException("REGS_USER needs a nonzero register mask (sample_regs_user)");
        }
        return new SampleFormat(sampleType, readFormat, userRegisterMask);
    }

    long sampleType() {
        return sampleType;
    }

    /** TIME of the sample at {@code offset}. */
    long time(ByteBuffer record, int offset) {
        return record.getLong(offset + timeAt);
    }

    /** A sample view for the samples of this format, reporting {@code stream}: fields the format lacks read 0. */
    Sample newSample(int stream) {
        return new Sample(sampleType, stream);
    }

    /**
     * Decodes the sample of {@code size} bytes at {@code offset} into {@code sample}, a view made by
     * {@link #newSample} of this format (so the fields it lacks are never written). A tracepoint's sample, the
     * most frequent by far, is read at constant offsets by a method small enough to be compiled into the
     * delivering loop; the general walk gives the same result, at some cost per field.
     *
     * @throws KernelException if the record's sizes do not add up to {@code size}: it is not a sample of this format
     */
    void decode(ByteBuffer record, int offset, int size, Sample sample) {
        sample.buffer = record;
        sample.callchainLength = 0;
        sample.userRegsMask = userRegisterMask;
        sample.userRegsAbi = Sample.REGS_ABI_NONE;
        sample.userRegsCount = 0;
        sample.userStackSize = 0;
        sample.userStackDynSize = 0;
        if (sampleType == TRACEPOINT) {
            decodeTracepoint(record, offset, size, sample);
        } else {
            decodeAny(record, offset, size, sample);
        }
    }

    private void decodeTracepoint(ByteBuffer record, int offset, int size, Sample sample) {
        int length = size < TRACEPOINT_RAW_SIZE + 4 ? -1 : record.getInt(offset + TRACEPOINT_RAW_SIZE);
        if (length < 0 || length != size - TRACEPOINT_RAW_SIZE - 4) {
            throw corrupt(size);
        }
        sample.pid = record.getInt(offset + TRACEPOINT_TID);
        sample.tid = record.getInt(offset + TRACEPOINT_TID + 4);
        sample.time = record.getLong(offset + TRACEPOINT_TIME);
        sample.cpu = record.getInt(offset + TRACEPOINT_CPU);
        sample.rawOffset = offset + TRACEPOINT_RAW_SIZE + 4;
        sample.rawLength = length;
    }

    private void decodeAny(ByteBuffer record, int offset, int size, Sample sample) {
        if (size < variableAt) {
            throw corrupt(size);
        }
        sample.pid = record.getInt(offset + tidAt);
        sample.tid = record.getInt(offset + tidAt + 4);
        sample.time = record.getLong(offset + timeAt);
        sample.cpu = record.getInt(offset + cpuAt);
        if (ipAt >= 0) {
            sample.ip = record.getLong(offset + ipAt);
        }
        if (periodAt >= 0) {
            sample.period = record.getLong(offset + periodAt);
        }
        int end = offset + size;
        int at = offset + variableAt;
        if (callchain) {
            at = callchain(record, at, end, sample);
        }
        if (raw) {
            at = raw(record, at, end, sample);
        }
        if (userRegs) {
            at = userRegs(record, at, end, sample);
        }
        if (userStack) {
            at = userStack(record, at, end, sample);
        }
        if (at + tailBytes != end) {
            throw corrupt(size);
        }
    }

    /*
     * Each block decoder takes the block at `at` of a record ending at `end` and returns where the next block
     * starts, or a position past `end` if the block does not fit (decode then reports the record corrupt;
     * the following blocks see no room either and read nothing).
     */

    private static int callchain(ByteBuffer record, int at, int end, Sample sample) {
        long entries = end - at < 8 ? -1 : record.getLong(at);
        if (entries < 0 || entries > (end - at - 8) / 8) {
            return end + 1;
        }
        sample.callchainLength = (int) entries;
        sample.callchainOffset = at + 8;
        return at + 8 + 8 * (int) entries;
    }

    private static int raw(ByteBuffer record, int at, int end, Sample sample) {
        int length = end - at < 4 ? -1 : record.getInt(at);
        if (length < 0 || length > end - at - 4) {
            return end + 1;
        }
        sample.rawOffset = at + 4;
        sample.rawLength = length;
        return at + 4 + length;
    }

    private int userRegs(ByteBuffer record, int at, int end, Sample sample) {
        long abi = end - at < 8 ? -1 : record.getLong(at);
        int count = abi == Sample.REGS_ABI_NONE ? 0 : userRegsCount;
        if (abi < 0 || count > (end - at - 8) / 8) {
            return end + 1;
        }
        sample.userRegsAbi = abi;
        sample.userRegsCount = count;
        sample.userRegsOffset = at + 8;
        return at + 8 + 8 * count;
    }

    private static int userStack(ByteBuffer record, int at, int end, Sample sample) {
        long bytes = end - at < 8 ? -1 : record.getLong(at);
        if (bytes < 0 || bytes != 0 && bytes > end - at - 16) {
            return end + 1;
        }
        sample.userStackSize = (int) bytes;
        sample.userStackOffset = at + 8;
        sample.userStackDynSize = bytes == 0 ? 0 : record.getLong(at + 8 + (int) bytes);
        return bytes == 0 ? at + 8 : at + 16 + (int) bytes;
    }

    /** Bytes of the sample_id trailer that ends every non-sample record of this event. */
    int trailerBytes() {
        return trailerBytes;
    }

    /** TIME in the sample_id trailer of the non-sample record of {@code size} bytes at {@code offset}. */
    long trailerTime(ByteBuffer record, int offset, int size) {
        return record.getLong(offset + size - trailerBytes + trailerTimeAt);
    }

    private boolean has(SampleField field) {
        return (sampleType & field.bit()) != 0;
    }

    /** Bytes of a fixed-size field: 8 if sampled (u64, or two u32), else 0. */
    private int size(SampleField field) {
        return has(field) ? 8 : 0;
    }

    private static IllegalArgumentException refused(long sampleType, SampleField field, String reason) {
        return new IllegalArgumentException("cannot decode samples of sample_type " + SampleField.names(sampleType)
                + ": " + field.name() + " is not supported (" + reason + ")");
    }

    private KernelException corrupt(int size) {
        return new KernelException("a " + size + "-byte perf sample does not add up to its sample_type "
                + SampleField.names(sampleType) + "; please report this with the kernel version (uname -r)");
    }
}
