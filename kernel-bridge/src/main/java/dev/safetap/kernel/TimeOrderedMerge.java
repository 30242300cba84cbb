package dev.safetap.kernel;

import java.nio.ByteBuffer;

/**
 * Takes the records of every CPU's ring into per-CPU {@link CpuQueue}s and delivers them in one timestamp
 * order: a k-way merge over the queue heads, up to a watermark the caller proves safe. COMM, FORK and EXIT
 * records are applied to the {@link CommTable} at their place in that order.
 *
 * <p>Taking a record reads only what the merge needs: for a sample its IDENTIFIER (which request's event wrote
 * it) and its TIME, at offsets that {@link SampleFormat} fixes for every event; for COMM, FORK and EXIT the
 * TIME of the sample_id trailer, laid out by the task tracker's sample_type. A sample is decoded when it is
 * delivered, into its request's one reused {@link Sample}. THROTTLE records are counted per CPU and request.
 */
final class TimeOrderedMerge {
    /** COMM: header, u32 pid, u32 tid, comm (NUL-padded to 8 bytes), sample_id trailer. */
    private static final int COMM_TID = 12;
    private static final int COMM_NAME = 16;
    /** FORK and EXIT: header, u32 pid, ppid, tid, ptid, u64 time, sample_id trailer. */
    private static final int TASK_TID = 16;
    private static final int TASK_PARENT_TID = 20;
    /** LOST: header, u64 id, u64 lost, sample_id trailer. */
    private static final int LOST_COUNT = 16;
    /** The smallest record a queue takes: a sample of the header and the four fields every sample has. */
    private static final int SMALLEST_QUEUED = 40;
    /** Most record bytes a CPU's queue holds, however large its ring. */
    private static final int MOST_QUEUED = 4 << 20;

    private final CpuQueue[] queues;
    private final Intake[] intakes;
    private final EventIdTable ids;
    private final SampleFormat[] formats;
    private final Sample[] samples;
    private final SampleFormat sideBand;
    private final CommTable comms;
    private final ProcessMappings mappings;
    private final long[] lost;
    /** Samples taken into the queues, per CPU and request ({@code cpu * requests + request}). */
    private final long[] taken;
    /** THROTTLE records taken, per CPU and request. */
    private final long[] throttled;

    /**
     * @param ids      the request index of each sampling event
     * @param streams  the stream of each request
     * @param formats  the sample format of each request's events
     * @param sideBand the format of the task tracker, which writes COMM, FORK and EXIT (and MMAP2 when asked)
     * @param mappings where the MMAP2 records go
     */
    TimeOrderedMerge(int cpuCount, int ringBytes, EventIdTable ids, int[] streams, SampleFormat[] formats,
                     SampleFormat sideBand, CommTable comms, ProcessMappings mappings) {
        this.ids = ids;
        this.formats = formats.clone();
        this.samples = new Sample[formats.length];
        for (int r = 0; r < formats.length; r++) {
            samples[r] = formats[r].newSample(streams[r]);
        }
        this.sideBand = sideBand;
        this.comms = comms;
        this.mappings = mappings;
        this.lost = new long[cpuCount];
        this.taken = new long[cpuCount * formats.length];
        this.throttled = new long[cpuCount * formats.length];
        this.queues = new CpuQueue[cpuCount];
        this.intakes = new Intake[cpuCount];
        int byteCapacity = queueBytes(ringBytes);
        for (int i = 0; i < cpuCount; i++) {
            queues[i] = new CpuQueue(byteCapacity, byteCapacity / SMALLEST_QUEUED);
            intakes[i] = new Intake(i);
        }
    }

    /**
     * Bytes of records one CPU's queue holds: as much as its ring, at most {@value #MOST_QUEUED} bytes, plus room
     * for one record of the largest size. A smaller queue than the ring is enough: when a pass cannot empty a ring
     * into its queue, the watermark stops at the newest queued record, so the whole queue is delivered and the
     * next pass takes the rest of the ring.
     */
    static int queueBytes(int ringBytes) {
        return Math.min(ringBytes, MOST_QUEUED) + (1 << 16);
    }

    /** The heap the queues of {@code cpuCount} rings of {@code ringBytes} take: their records and index. */
    static long heapBytes(int cpuCount, int ringBytes) {
        long records = queueBytes(ringBytes);
        return cpuCount * (records + records / SMALLEST_QUEUED * CpuQueue.INDEX_BYTES);
    }

    /** The consumer that takes ring {@code index}'s records into its queue. */
    RecordConsumer intake(int index) {
        return intakes[index];
    }

    CpuQueue queue(int index) {
        return queues[index];
    }

    long[] lost() {
        return lost;
    }

    long[] taken() {
        return taken;
    }

    long[] throttled() {
        return throttled;
    }

    /** True if some record is waiting for the watermark to pass it. */
    boolean holding() {
        for (CpuQueue queue : queues) {
            if (!queue.isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** Time of the oldest waiting record, or Long.MAX_VALUE if none. */
    long oldestHeld() {
        long oldest = Long.MAX_VALUE;
        for (CpuQueue queue : queues) {
            if (!queue.isEmpty()) {
                oldest = Math.min(oldest, queue.oldestTime());
            }
        }
        return oldest;
    }

    /**
     * Delivers, oldest first, every waiting record stamped at or before {@code watermark}; returns the samples.
     * Records go out in runs: the queue holding the oldest record delivers until its head passes the oldest
     * record of any other queue, so when one CPU has all the data the queues are scanned once per run, not
     * once per record.
     */
    int deliver(long watermark, EventSink sink) {
        int samples = 0;
        while (true) {
            CpuQueue next = null;
            long nextTime = Long.MAX_VALUE;
            long otherTime = Long.MAX_VALUE;
            for (CpuQueue queue : queues) {
                if (queue.isEmpty()) {
                    continue;
                }
                long time = queue.oldestTime();
                if (time < nextTime) {
                    otherTime = nextTime;
                    next = queue;
                    nextTime = time;
                } else if (time < otherTime) {
                    otherTime = time;
                }
            }
            if (next == null || nextTime > watermark) {
                return samples;
            }
            long runEnd = Math.min(watermark, otherTime);
            do {
                samples += deliverHead(next, sink);
                next.pop();
            } while (!next.isEmpty() && next.oldestTime() <= runEnd);
        }
    }

    /** Hands the oldest record of {@code queue} to the sink, the comm table or the mappings; 1 if it was a sample. */
    private int deliverHead(CpuQueue queue, EventSink sink) {
        int kind = queue.kind();
        ByteBuffer buffer = queue.buffer;
        int offset = queue.offset();
        int length = queue.length();
        if (kind >= 0) {
            Sample sample = samples[kind];
            formats[kind].decode(buffer, offset, length, sample);
            sink.onSample(sample);
            return 1;
        }
        if (kind == CpuQueue.COMM) {
            comms.rename(buffer.getInt(offset + COMM_TID), queue.oldestTime(), buffer, offset + COMM_NAME,
                    length - COMM_NAME - sideBand.trailerBytes());
        } else if (kind == CpuQueue.MMAP) {
            mappings.addRecord(buffer, offset, length, sideBand.trailerBytes(), queue.oldestTime());
        } else if (kind == CpuQueue.FORK) {
            comms.fork(buffer.getInt(offset + TASK_PARENT_TID), buffer.getInt(offset + TASK_TID));
        } else {
            comms.exit(buffer.getInt(offset + TASK_TID));
        }
        return 0;
    }

    private final class Intake implements RecordConsumer {
        private final int index;

        Intake(int index) {
            this.index = index;
        }

        @Override
        public boolean accept(ByteBuffer record, int offset, int size) {
            int type = record.getInt(offset);
            CpuQueue queue = queues[index];
            switch (type) {
                case PerfEvent.RECORD_SAMPLE -> {
                    int request = ids.request(record.getLong(offset + SampleFormat.IDENTIFIER_AT));
                    if (request < 0) {
                        return true;
                    }
                    if (!queue.add(formats[request].time(record, offset), request, record, offset, size)) {
                        return false;
                    }
                    taken[index * formats.length + request]++;
                    return true;
                }
                case PerfEvent.RECORD_COMM -> {
                    return queue.add(sideBand.trailerTime(record, offset, size), CpuQueue.COMM, record, offset, size);
                }
                case PerfEvent.RECORD_FORK -> {
                    return queue.add(sideBand.trailerTime(record, offset, size), CpuQueue.FORK, record, offset, size);
                }
                case PerfEvent.RECORD_EXIT -> {
                    return queue.add(sideBand.trailerTime(record, offset, size), CpuQueue.EXIT, record, offset, size);
                }
                case PerfEvent.RECORD_MMAP2 -> {
                    return queue.add(sideBand.trailerTime(record, offset, size), CpuQueue.MMAP, record, offset, size);
                }
                case PerfEvent.RECORD_LOST -> {
                    lost[index] += record.getLong(offset + LOST_COUNT);
                    return true;
                }
                case PerfEvent.RECORD_THROTTLE -> {
                    int request = ids.request(record.getLong(offset + PerfEvent.THROTTLE_ID));
                    if (request >= 0) {
                        throttled[index * formats.length + request]++;
                    }
                    return true;
                }
                default -> {
                    return true;
                }
            }
        }
    }
}
