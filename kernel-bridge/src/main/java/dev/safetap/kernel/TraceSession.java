package dev.safetap.kernel;

import com.sun.jna.Memory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Live tracing of event sources on every online CPU. Per CPU: one sampling perf event per request, plus a
 * task-tracking event that writes COMM/FORK/EXIT records; all of a CPU's events share one ring buffer.
 * Samples are decoded from each event's sample_type and delivered to an {@link EventSink} in timestamp order
 * across CPUs.
 *
 * <p><b>Merge bound.</b> A poll pass notes the time {@code T} (CLOCK_MONOTONIC, the clock the events stamp
 * with), then reads every ring up to its head. A record that reaches a ring after that read was committed
 * after {@code T}; the kernel stamps a record just before it commits it, so such a record is stamped later
 * than {@code T - HOLDBACK_NANOS} unless the kernel spent more than {@value #HOLDBACK_NANOS} ns between the
 * two. A pass therefore delivers exactly the records stamped at or before {@code T - HOLDBACK_NANOS}, merged
 * across CPUs; if a CPU's queue was full and records were left in its ring, the watermark is further capped
 * at the newest record taken from that CPU. Later records are held for the next pass; {@link #finish}
 * delivers everything left.
 *
 * <p>Not thread-safe: open, poll and close from one thread.
 */
public final class TraceSession implements AutoCloseable {
    /** How long a record is held back before it can be delivered; see the merge bound above. */
    public static final long HOLDBACK_NANOS = 5_000_000L;
    private static final int IDLE_WAIT_MILLIS = 50;
    /**
     * Least time between two delivering passes. A pass costs a few hundred nanoseconds whatever it delivers;
     * spinning on a busy stream would pay that for every one or two records. Waiting this long (or less, when
     * a ring reaches its wakeup watermark) lets a batch accumulate: under 0.1% of a ring's worth of delay.
     */
    private static final long BATCH_NANOS = 1_000_000L;

    private final int[] cpus;
    private final int[] trackerFds;
    private final int[] probeFds;
    private final RingBuffer[] rings;
    private final TimeOrderedMerge merge;
    private final CommTable comms;
    private final List<TraceRequest> rejectedFilters;
    private final Memory pollFds;
    private final Memory countValues = new Memory(16);
    private long lastDelivery = Long.MIN_VALUE;
    private boolean closed;

    private TraceSession(int[] cpus, int[] trackerFds, int[] probeFds, RingBuffer[] rings, TimeOrderedMerge merge,
                         CommTable comms, List<TraceRequest> rejectedFilters) {
        this.cpus = cpus;
        this.trackerFds = trackerFds;
        this.probeFds = probeFds;
        this.rings = rings;
        this.merge = merge;
        this.comms = comms;
        this.rejectedFilters = List.copyOf(rejectedFilters);
        this.pollFds = new Memory(8L * trackerFds.length);
        for (int i = 0; i < trackerFds.length; i++) {
            pollFds.setInt(8L * i, trackerFds[i]);
            pollFds.setShort(8L * i + 4, (short) LibC.POLLIN);
            pollFds.setShort(8L * i + 6, (short) 0);
        }
    }

    /** Opens (disabled) every perf event and maps every ring; nothing is traced until {@link #enable()}. */
    public static TraceSession open(TracepointCatalog catalog, List<TraceRequest> requests, SessionOptions options) {
        int[] cpus = OnlineCpus.list();
        int ringBytes = options.ringPages() * LibC.getpagesize();
        long heap = TimeOrderedMerge.heapBytes(cpus.length, ringBytes);
        if (heap > Runtime.getRuntime().maxMemory()) {
            throw new KernelException("rings of " + options.ringPages() + " pages on " + cpus.length + " CPUs need "
                    + (heap >> 20) + " MiB of heap to merge their records, more than the JVM's maximum heap ("
                    + (Runtime.getRuntime().maxMemory() >> 20) + " MiB): use fewer ring pages, or a larger heap (-Xmx)");
        }
        int wakeupBytes = Math.max(64, ringBytes / 4);
        // One attr per request, for every CPU: the records' layout is read off it once the events are open.
        Memory[] samplers = new Memory[requests.size()];
        int[] streams = new int[requests.size()];
        SampleFormat[] formats = new SampleFormat[requests.size()];
        for (int r = 0; r < samplers.length; r++) {
            TraceRequest request = requests.get(r);
            samplers[r] = PerfEvent.sampler(PerfTarget.of(catalog, request.source()), request.samples(), wakeupBytes,
                    request.process() > 0);
            streams[r] = request.stream();
        }
        Memory tracker = PerfEvent.taskTracker(wakeupBytes);
        int[] trackerFds = filled(cpus.length);
        int[] probeFds = filled(cpus.length * requests.size());
        RingBuffer[] rings = new RingBuffer[cpus.length];
        EventIdTable table = new EventIdTable(probeFds.length);
        List<TraceRequest> rejected = new ArrayList<>();
        boolean[] filtered = new boolean[requests.size()];
        int remaining = trackerFds.length + probeFds.length;
        try {
            for (int c = 0; c < cpus.length; c++) {
                trackerFds[c] = PerfEvent.open(tracker, -1, cpus[c], "task tracking on cpu " + cpus[c], remaining--);
                rings[c] = RingBuffer.map(trackerFds[c], options.ringPages(), "cpu " + cpus[c]);
                for (int r = 0; r < samplers.length; r++) {
                    TraceRequest request = requests.get(r);
                    String what = request.source().name() + " on cpu " + cpus[c];
                    int fd = PerfEvent.open(samplers[r], request.task(options.pid()), cpus[c], what, remaining--);
                    probeFds[c * samplers.length + r] = fd;
                    PerfEvent.redirect(fd, trackerFds[c]);
                    table.put(PerfEvent.id(fd), r);
                    if (request.filter() != null && options.kernelFilters()) {
                        installFilter(fd, request, c == 0, filtered, r, rejected, what);
                    }
                }
            }
            for (int r = 0; r < samplers.length; r++) {
                formats[r] = PerfEvent.sampleFormat(samplers[r]);
            }
        } catch (RuntimeException e) {
            release(trackerFds, probeFds, rings);
            throw e;
        }
        CommTable comms = CommTable.scan();
        TimeOrderedMerge merge = new TimeOrderedMerge(cpus.length, ringBytes, table, streams, formats,
                PerfEvent.sampleFormat(tracker), comms);
        return new TraceSession(cpus, trackerFds, probeFds, rings, merge, comms, rejected);
    }

    /**
     * Memory a session with rings of {@code ringPages} pages takes on this machine: per online CPU, its ring buffer
     * (its pages and the control page, mapped and locked) and its queue on the heap.
     */
    public static long memoryFor(int ringPages) {
        long page = LibC.getpagesize();
        long ringBytes = (long) ringPages * page;
        long perCpu = ringBytes + page + TimeOrderedMerge.heapBytes(1, (int) Math.min(ringBytes, Integer.MAX_VALUE));
        return OnlineCpus.list().length * perCpu;
    }

    /** Number of sampling perf events opened: requests times online CPUs. */
    public int probeCount() {
        return probeFds.length;
    }

    /** The online CPUs traced, in ring order. */
    public int[] cpus() {
        return cpus.clone();
    }

    /** Requests whose filter the kernel rejected: they are traced unfiltered, the caller must filter. */
    public List<TraceRequest> rejectedFilters() {
        return rejectedFilters;
    }

    /** Starts tracing: task tracking first, so that every sample's thread is named. */
    public void enable() {
        checkOpen();
        for (int fd : trackerFds) {
            PerfEvent.enable(fd);
        }
        for (int fd : probeFds) {
            PerfEvent.enable(fd);
        }
    }

    /** Stops every probe; records already written can still be polled or finished. */
    public void disable() {
        checkOpen();
        for (int fd : probeFds) {
            PerfEvent.disable(fd);
        }
        for (int fd : trackerFds) {
            PerfEvent.disable(fd);
        }
    }

    /**
     * Delivers samples in time order, waiting up to {@code timeoutMillis} for some to become deliverable.
     *
     * @return true if at least one sample was delivered
     */
    public boolean poll(EventSink sink, long timeoutMillis) {
        checkOpen();
        long deadline = System.nanoTime() + Math.max(0, timeoutMillis) * 1_000_000L;
        while (true) {
            long passStart = System.nanoTime();
            if (passStart - lastDelivery < BATCH_NANOS && passStart < deadline) {
                LibC.poll(pollFds, trackerFds.length, 1);
                passStart = System.nanoTime();
            }
            long watermark = drain(passStart - HOLDBACK_NANOS);
            if (merge.deliver(watermark, sink) > 0) {
                lastDelivery = passStart;
                return true;
            }
            long now = System.nanoTime();
            if (now >= deadline) {
                return false;
            }
            long waitNanos = Math.min(deadline - now, IDLE_WAIT_MILLIS * 1_000_000L);
            if (merge.holding()) {
                waitNanos = Math.min(waitNanos, merge.oldestHeld() + HOLDBACK_NANOS - now);
            }
            LibC.poll(pollFds, trackerFds.length, (int) Math.max(1, (waitNanos + 999_999) / 1_000_000));
        }
    }

    /** Disables every probe, then delivers all records still in the rings or held back, in time order. */
    public void finish(EventSink sink) {
        disable();
        do {
            merge.deliver(drain(Long.MAX_VALUE), sink);
        } while (anyRingHasData() || merge.holding());
        countLostSamples();
    }

    /**
     * Completes the lost counts from each event's own count: the kernel reports a loss in the ring only
     * when it next writes there, so losses just before the end would otherwise go unreported.
     */
    private void countLostSamples() {
        long[] lost = merge.lost();
        int requests = probeFds.length / cpus.length;
        for (int c = 0; c < cpus.length; c++) {
            long sum = 0;
            for (int r = 0; r < requests && sum >= 0; r++) {
                long n = PerfEvent.lostSamples(probeFds[c * requests + r]);
                sum = n < 0 ? -1 : sum + n;
            }
            lost[c] = Math.max(lost[c], sum);
        }
    }

    /**
     * The kernel's count, lost samples and the samples taken of every sampling event, read in that order: counts
     * first, then every ring drained into its queue (delivery stays with {@link #poll} and {@link #finish}). After
     * {@link #finish} the counts are final and every sample is taken, so they add up exactly unless the kernel
     * counted a firing it never wrote.
     */
    public DeliveryCounts deliveryCounts() {
        checkOpen();
        long[] counted = new long[probeFds.length];
        long[] lost = new long[probeFds.length];
        for (int i = 0; i < probeFds.length; i++) {
            long bytes = LibC.read(probeFds[i], countValues, 16);
            if (bytes < 8) {
                int errno = Errno.last();
                throw new KernelException("cannot read the count of a perf event (" + Errno.describe(errno)
                        + "); please report this with the kernel version (uname -r)");
            }
            counted[i] = countValues.getLong(0);
            lost[i] = bytes == 16 ? countValues.getLong(8) : -1;
        }
        boolean[] backlog = new boolean[rings.length];
        for (int c = 0; c < rings.length; c++) {
            rings[c].drain(merge.intake(c));
            backlog[c] = rings[c].hasData();
        }
        return new DeliveryCounts(cpus, probeFds.length / cpus.length, counted, lost, merge.taken(), backlog,
                merge.lost());
    }

    /** Records the kernel dropped because a ring was full, over all CPUs. */
    public long lost() {
        long total = 0;
        for (long count : merge.lost()) {
            total += count;
        }
        return total;
    }

    /** Records dropped per CPU, in the order of {@link #cpus()}. */
    public long[] lostPerCpu() {
        return merge.lost().clone();
    }

    /** Names of threads, current as of the last delivered sample. */
    public CommTable comms() {
        return comms;
    }

    /** Closes every perf event and unmaps every ring; safe to call twice. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            release(trackerFds, probeFds, rings);
        }
    }

    /** Reads every ring into its queue; returns {@code watermark} lowered for rings that could not be emptied. */
    private long drain(long watermark) {
        long safe = watermark;
        for (int c = 0; c < rings.length; c++) {
            rings[c].drain(merge.intake(c));
            CpuQueue queue = merge.queue(c);
            if (rings[c].hasData() && !queue.isEmpty()) {
                safe = Math.min(safe, queue.newestTime());
            }
        }
        return safe;
    }

    private boolean anyRingHasData() {
        for (RingBuffer ring : rings) {
            if (ring.hasData()) {
                return true;
            }
        }
        return false;
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the trace session is closed");
        }
    }

    private static void installFilter(int fd, TraceRequest request, boolean firstCpu, boolean[] filtered, int r,
                                      List<TraceRequest> rejected, String what) {
        if (firstCpu) {
            filtered[r] = PerfEvent.filter(fd, request.filter());
            if (!filtered[r]) {
                rejected.add(request);
            }
        } else if (filtered[r] && !PerfEvent.filter(fd, request.filter())) {
            throw new KernelException("the kernel accepted filter '" + request.filter() + "' on one cpu but not for "
                    + what + "; run without kernel filters");
        }
    }

    private static int[] filled(int length) {
        int[] fds = new int[length];
        Arrays.fill(fds, -1);
        return fds;
    }

    /**
     * Disables every event (from here on they cost the traced system nothing), unmaps the rings, and hands the
     * fds to {@link DeferredRelease} so the kernel's slow tracepoint unregistration does not delay the caller.
     */
    private static void release(int[] trackerFds, int[] probeFds, RingBuffer[] rings) {
        PerfEvent.stopAll(probeFds);
        PerfEvent.stopAll(trackerFds);
        for (RingBuffer ring : rings) {
            if (ring != null) {
                ring.unmap();
            }
        }
        DeferredRelease.close(probeFds, trackerFds);
    }
}
