package dev.safetap.kernel;

import java.nio.ByteBuffer;

/**
 * Decodes the records of every CPU's ring into per-CPU {@link CpuQueue}s and delivers them in one
 * timestamp order: a k-way merge over the queue heads, up to a watermark the caller proves safe.
 * COMM, FORK and EXIT records are applied to the {@link CommTable} at their place in that order.
 *
 * <p>Record layouts follow {@link PerfEvent#SAMPLE_TYPE}: a sample is header, identifier, pid/tid, time,
 * cpu/reserved, raw size and raw data; other records end with the same fields in the sample_id trailer
 * (pid/tid, time, cpu/reserved, identifier).
 */
final class TimeOrderedMerge {
    private final CpuQueue[] queues;
    private final Decoder[] decoders;
    private final EventIdTable ids;
    private final CommTable comms;
    private final long[] lost;

    TimeOrderedMerge(int cpuCount, int ringBytes, EventIdTable ids, CommTable comms) {
        this.ids = ids;
        this.comms = comms;
        this.lost = new long[cpuCount];
        this.queues = new CpuQueue[cpuCount];
        this.decoders = new Decoder[cpuCount];
        int byteCapacity = 2 * ringBytes + (1 << 16);
        for (int i = 0; i < cpuCount; i++) {
            queues[i] = new CpuQueue(byteCapacity, byteCapacity / 48);
            decoders[i] = new Decoder(i);
        }
    }

    /** The consumer that decodes ring {@code index}'s records into its queue. */
    RecordConsumer decoder(int index) {
        return decoders[index];
    }

    CpuQueue queue(int index) {
        return queues[index];
    }

    long[] lost() {
        return lost;
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

    /** Hands the oldest record of {@code queue} to the sink or the comm table; 1 if it was a sample. */
    private int deliverHead(CpuQueue queue, EventSink sink) {
        int stream = queue.stream();
        if (stream >= 0) {
            sink.onSample(stream, queue.cpu(), queue.pid(), queue.tid(), queue.oldestTime(), queue.buffer,
                    queue.offset(), queue.length());
            return 1;
        }
        if (stream == CpuQueue.COMM) {
            comms.rename(queue.tid(), queue.buffer, queue.offset(), queue.length());
        } else if (stream == CpuQueue.FORK) {
            comms.fork(queue.pid(), queue.tid());
        } else {
            comms.exit(queue.tid());
        }
        return 0;
    }

    private final class Decoder implements RecordConsumer {
        private final int index;

        Decoder(int index) {
            this.index = index;
        }

        @Override
        public boolean accept(ByteBuffer record, int offset, int size) {
            int type = record.getInt(offset);
            CpuQueue queue = queues[index];
            switch (type) {
                case PerfEvent.RECORD_SAMPLE -> {
                    int stream = ids.stream(record.getLong(offset + 8));
                    if (stream < 0) {
                        return true;
                    }
                    int rawSize = record.getInt(offset + 40);
                    return queue.add(record.getLong(offset + 24), stream, record.getInt(offset + 32),
                            record.getInt(offset + 16), record.getInt(offset + 20), record, offset + 44, rawSize);
                }
                case PerfEvent.RECORD_COMM -> {
                    return queue.add(trailerTime(record, offset, size), CpuQueue.COMM, trailerCpu(record, offset, size),
                            record.getInt(offset + 8), record.getInt(offset + 12), record, offset + 16, size - 48);
                }
                case PerfEvent.RECORD_FORK -> {
                    return queue.add(record.getLong(offset + 24), CpuQueue.FORK, trailerCpu(record, offset, size),
                            record.getInt(offset + 20), record.getInt(offset + 16), record, offset, 0);
                }
                case PerfEvent.RECORD_EXIT -> {
                    return queue.add(record.getLong(offset + 24), CpuQueue.EXIT, trailerCpu(record, offset, size),
                            record.getInt(offset + 8), record.getInt(offset + 16), record, offset, 0);
                }
                case PerfEvent.RECORD_LOST -> {
                    lost[index] += record.getLong(offset + 16);
                    return true;
                }
                default -> {
                    return true;
                }
            }
        }

        private long trailerTime(ByteBuffer record, int offset, int size) {
            return record.getLong(offset + size - 24);
        }

        private int trailerCpu(ByteBuffer record, int offset, int size) {
            return record.getInt(offset + size - 16);
        }
    }
}
