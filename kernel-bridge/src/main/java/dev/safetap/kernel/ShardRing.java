package dev.safetap.kernel;

import java.nio.ByteBuffer;

/**
 * One CPU's second ring: the samples of the requests whose caller takes them in any order
 * ({@link TraceRequest#anyOrder()}), read in place and handed to a sink without copying or merging, by one worker
 * thread. A sample is delivered only once the session has applied every COMM, FORK and EXIT record up to its time
 * (the watermark given to {@link #deliver}), so its thread has the name it had when it fired; later ones stay in
 * the ring for the next pass.
 *
 * <p>One thread delivers; another may read the counts. They are plain fields, written before the ring's tail is
 * released, and read by {@link #counts} after the tail is acquired: a count read after an empty ring includes every
 * record the ring held.
 */
public final class ShardRing {
    /** LOST: header, u64 id, u64 lost, sample_id trailer. */
    private static final int LOST_COUNT = 16;

    private final int index;
    private final RingBuffer ring;
    private final int fd;
    private final EventIdTable ids;
    private final SampleFormat[] formats;
    private final Sample[] samples;
    /** Per request: samples delivered, and THROTTLE records. */
    private final long[] taken;
    private final long[] throttled;
    private long lost;
    private final Delivery delivery = new Delivery();

    ShardRing(int index, RingBuffer ring, int fd, EventIdTable ids, int[] streams, SampleFormat[] formats) {
        this.index = index;
        this.ring = ring;
        this.fd = fd;
        this.ids = ids;
        this.formats = formats.clone();
        this.samples = new Sample[formats.length];
        for (int r = 0; r < formats.length; r++) {
            samples[r] = formats[r].newSample(streams[r]);
        }
        this.taken = new long[formats.length];
        this.throttled = new long[formats.length];
    }

    /** The ring index (the position of its CPU in {@link TraceSession#cpus()}). */
    public int index() {
        return index;
    }

    /** The perf event fd whose ring this is: poll(2) it for POLLIN to wait for records. */
    public int pollFd() {
        return fd;
    }

    /**
     * Hands the samples stamped at or before {@code watermark} to {@code sink}, in ring order, reading each in place,
     * at most {@code most} of them; returns how many. The first later sample stops the pass.
     */
    public int deliver(long watermark, EventSink sink, int most) {
        delivery.watermark = watermark;
        delivery.sink = sink;
        delivery.delivered = 0;
        delivery.most = most;
        ring.drain(delivery);
        delivery.sink = null;
        return delivery.delivered;
    }

    /** True if the ring holds records not yet delivered. */
    public boolean hasData() {
        return ring.hasData();
    }

    /**
     * Adds this ring's counts to {@code taken} and {@code throttled} (per CPU and request, {@code cpu * requests +
     * request}) and {@code ringLost} (per CPU); returns whether records were still waiting in the ring.
     */
    boolean counts(long[] taken, long[] throttled, long[] ringLost) {
        boolean backlog = ring.hasData();
        int requests = this.taken.length;
        for (int r = 0; r < requests; r++) {
            taken[index * requests + r] += this.taken[r];
            throttled[index * requests + r] += this.throttled[r];
        }
        ringLost[index] += lost;
        return backlog;
    }

    void unmap() {
        ring.unmap();
    }

    private final class Delivery implements RecordConsumer {
        long watermark;
        EventSink sink;
        int delivered;
        int most;

        @Override
        public boolean accept(ByteBuffer record, int offset, int size) {
            int type = record.getInt(offset);
            if (type == PerfEvent.RECORD_LOST) {
                lost += record.getLong(offset + LOST_COUNT);
                return true;
            }
            if (type == PerfEvent.RECORD_THROTTLE) {
                int request = ids.request(record.getLong(offset + PerfEvent.THROTTLE_ID));
                if (request >= 0) {
                    throttled[request]++;
                }
                return true;
            }
            if (type != PerfEvent.RECORD_SAMPLE) {
                return true;
            }
            int request = ids.request(record.getLong(offset + SampleFormat.IDENTIFIER_AT));
            if (request < 0) {
                return true;
            }
            if (delivered == most || formats[request].time(record, offset) > watermark) {
                return false;
            }
            Sample sample = samples[request];
            formats[request].decode(record, offset, size, sample);
            sink.onSample(sample);
            taken[request]++;
            delivered++;
            return true;
        }
    }
}
