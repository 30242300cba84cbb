package dev.safetap.kernel;

import com.sun.jna.Memory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Live tracing of event sources on every online CPU. Per CPU: one sampling perf event per request, plus a
 * task-tracking event that writes COMM/FORK/EXIT records; all of a CPU's events share one ring buffer.
 * Samples are decoded from each event's sample_type and delivered to an {@link EventSink} in timestamp order
 * across CPUs. Two requests may not sample the same software event that counts occurrences: the kernel labels the
 * samples of such events with one event's id ({@link PerfTarget#sharesSampleData}).
 *
 * <p><b>Record copy.</b> A system-wide request for the records of a tracepoint outside {@code syscalls} may fire in
 * interrupt context, where some kernels count the firing and write no sample (docs/irq-samples.md). Where BPF is
 * available such a request is served by a {@link RecordCopy} program instead: a perf event on the tracepoint (never
 * enabled) is its attach point, a BPF-output event per CPU in the CPU's ring receives the copied records, and the
 * program's own count of its runs on each CPU is the count the accounting checks: perf's counting events on such
 * tracepoints both miss and add firings on some kernels (docs/irq-samples.md). Its filter is not installed (the
 * caller evaluates the whole action anyway).
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
 * <p><b>Any-order samples.</b> The samples of requests whose caller takes them in any order
 * ({@link TraceRequest#anyOrder()}) go to a second ring per CPU, each read in place by one worker thread through its
 * {@link ShardRing}, never merged: a worker delivers a sample once {@link #appliedUpTo()} has passed its time, so its
 * thread's name is the one it had then. They are accounted for with the others ({@link #deliveryCounts()}).
 *
 * <p>Not thread-safe but for the shard rings: open, poll and close from one thread; each shard ring is delivered from
 * one thread at a time, while the session is open.
 */
public final class TraceSession implements AutoCloseable {
    /** How long a record is held back before it can be delivered; see the merge bound above. */
    public static final long HOLDBACK_NANOS = 5_000_000L;
    private static final int IDLE_WAIT_MILLIS = 50;
    /**
     * Longest wait of a poll while a shard ring holds samples: the workers deliver only up to the time the side-band
     * records are applied, so the rings must not hold more than a few milliseconds of samples waiting for it.
     */
    private static final int SHARDED_WAIT_MILLIS = 2;
    /**
     * Least time between two delivering passes. A pass costs a few hundred nanoseconds whatever it delivers;
     * spinning on a busy stream would pay that for every one or two records. Waiting this long (or less, when
     * a ring reaches its wakeup watermark) lets a batch accumulate: under 0.1% of a ring's worth of delay.
     */
    private static final long BATCH_NANOS = 1_000_000L;

    private final int[] cpus;
    private final int[] trackerFds;
    /** One fd per CPU and request ({@code cpu * requests + request}): the event of its first task. */
    private final int[] probeFds;
    /** Every sampling event: those of {@link #probeFds}, then those of further threads of the {@code -p} process. */
    private final int[] eventFds;
    /** For each of {@link #eventFds}: its index in {@link #probeFds}, whose counts it adds to. */
    private final int[] eventSlots;
    private final int[] copyFds;
    private final RecordCopy.Shared shared;
    private final List<String> notes;
    private final RingBuffer[] rings;
    private final TimeOrderedMerge merge;
    private final ShardRing[] shards;
    /** Per request: its samples go to the shard rings. */
    private final boolean[] anyOrder;
    /** Per request: what its events attach to, and whether the threads their task starts inherit them. */
    private final PerfTarget[] targets;
    private final boolean[] inherited;
    /** Every COMM, FORK and EXIT record stamped up to this time is applied to {@link #comms}. */
    private volatile long applied = Long.MIN_VALUE;
    private final CommTable comms;
    private final ProcessMappings mappings;
    private final List<TraceRequest> rejectedFilters;
    private final Memory pollFds;
    private final Memory countValues = new Memory(16);
    private final RecordCopy[] copy;
    /** Per request, the kernel's misses of its copy when the gate opened, and when it closed (-1: still open). */
    private final long[] skippedAtOpen;
    private final long[] skippedAtClose;
    private long lastDelivery = Long.MIN_VALUE;
    private boolean closed;

    private TraceSession(int[] cpus, int[] trackerFds, int[] probeFds, ProcessThreads threads, Copies copies,
                         RingBuffer[] rings, TimeOrderedMerge merge, ShardRing[] shards, boolean[] anyOrder,
                         CommTable comms, ProcessMappings mappings, List<TraceRequest> rejectedFilters,
                         PerfTarget[] targets, boolean[] inherited) {
        this.mappings = mappings;
        this.targets = targets;
        this.inherited = inherited;
        this.shards = shards;
        this.anyOrder = anyOrder;
        this.cpus = cpus;
        this.trackerFds = trackerFds;
        this.probeFds = probeFds;
        this.eventFds = new int[probeFds.length + threads.fds.size()];
        this.eventSlots = new int[eventFds.length];
        for (int i = 0; i < probeFds.length; i++) {
            eventFds[i] = probeFds[i];
            eventSlots[i] = i;
        }
        for (int k = 0; k < threads.fds.size(); k++) {
            eventFds[probeFds.length + k] = threads.fds.get(k);
            eventSlots[probeFds.length + k] = threads.slots.get(k);
        }
        this.copyFds = copies.fds();
        this.shared = copies.shared;
        this.notes = List.copyOf(copies.notes);
        this.copy = copies.programs;
        this.skippedAtOpen = new long[copy.length];
        this.skippedAtClose = new long[copy.length];
        Arrays.fill(skippedAtClose, -1);
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
        ProcessThreads threads = new ProcessThreads(requests, options.pid());
        PerfTarget[] targets = new PerfTarget[requests.size()];
        boolean[] inherited = new boolean[requests.size()];
        for (int r = 0; r < samplers.length; r++) {
            TraceRequest request = requests.get(r);
            targets[r] = PerfTarget.of(catalog, request.source());
            for (int other = 0; other < r; other++) {
                if (targets[r].sharesSampleData(targets[other])) {
                    throw new IllegalArgumentException("requests " + other + " and " + r + " both sample "
                            + request.source().name() + ": the kernel writes the samples of two such events with one"
                            + " event's id, so they cannot be told apart; ask once and give each sample to every taker");
                }
            }
            inherited[r] = request.process() > 0 || threads.perThread[r];
            samplers[r] = PerfEvent.sampler(targets[r], request.samples(), wakeupBytes, inherited[r]);
            streams[r] = request.stream();
        }
        Memory tracker = PerfEvent.taskTracker(wakeupBytes, options.trackMappings());
        int[] trackerFds = filled(cpus.length);
        int[] probeFds = filled(cpus.length * requests.size());
        Copies copies = Copies.plan(catalog, requests, options, cpus.length);
        RingBuffer[] rings = new RingBuffer[cpus.length];
        boolean[] anyOrder = new boolean[requests.size()];
        for (int r = 0; r < anyOrder.length; r++) {
            anyOrder[r] = requests.get(r).anyOrder();
        }
        boolean sharded = requests.stream().anyMatch(TraceRequest::anyOrder);
        // rings[cpus.length + c]: CPU c's shard ring, owned by the first any-order event opened there
        if (sharded) {
            rings = new RingBuffer[2 * cpus.length];
        }
        int[] shardOwners = filled(cpus.length);
        EventIdTable table = new EventIdTable(probeFds.length * Math.max(1, threads.tids.size()));
        List<TraceRequest> rejected = new ArrayList<>();
        boolean[] filtered = new boolean[requests.size()];
        for (int r = 0; r < samplers.length; r++) {
            if (copies.copied(r)) {
                samplers[r] = PerfEvent.bpfOutput(requests.get(r).samples(), wakeupBytes);
            }
        }
        int remaining = trackerFds.length + probeFds.length * Math.max(1, threads.tids.size()) + copies.copiedRequests();
        try {
            remaining = copies.load(catalog, requests, cpus[0], remaining);
            for (int c = 0; c < cpus.length; c++) {
                trackerFds[c] = PerfEvent.open(tracker, -1, cpus[c], "task tracking on cpu " + cpus[c], remaining--);
                rings[c] = RingBuffer.map(trackerFds[c], options.ringPages(), "cpu " + cpus[c]);
                for (int r = 0; r < samplers.length; r++) {
                    TraceRequest request = requests.get(r);
                    String what = request.source().name() + " on cpu " + cpus[c];
                    int i = c * samplers.length + r;
                    int fd = threads.perThread[r] ? threads.openFirst(samplers[r], cpus[c], what, remaining--)
                            : PerfEvent.open(samplers[r], copies.copied(r) ? -1 : request.task(-1), cpus[c], what, remaining--);
                    probeFds[i] = fd;
                    if (!anyOrder[r]) {
                        PerfEvent.redirect(fd, trackerFds[c]);
                    } else if (shardOwners[c] < 0) {
                        shardOwners[c] = fd;
                        rings[cpus.length + c] = RingBuffer.map(fd, options.ringPages(), "cpu " + cpus[c]
                                + " (samples taken in any order)");
                    } else {
                        PerfEvent.redirect(fd, shardOwners[c]);
                    }
                    table.put(PerfEvent.id(fd), r);
                    if (threads.perThread[r]) {
                        threads.openRest(samplers[r], cpus[c], i, fd, table, r, what);
                    }
                    if (copies.copied(r)) {
                        copies.programs[r].output(cpus[c], fd);
                    } else if (request.filter() != null && options.kernelFilters()) {
                        installFilter(fd, request, c == 0, filtered, r, rejected, what);
                    }
                }
            }
            threads.openStarted(samplers, cpus, probeFds, table, requests);
            copies.attach();
            for (int r = 0; r < samplers.length; r++) {
                formats[r] = PerfEvent.sampleFormat(samplers[r]);
            }
        } catch (RuntimeException e) {
            copies.unmap();
            release(trackerFds, concat(probeFds, threads.fds), copies.fds(), rings);
            throw e;
        }
        CommTable comms = CommTable.scan();
        ProcessMappings mappings = new ProcessMappings();
        TimeOrderedMerge merge = new TimeOrderedMerge(cpus.length, ringBytes, table, streams, formats,
                PerfEvent.sampleFormat(tracker), comms, mappings);
        ShardRing[] shards = new ShardRing[sharded ? cpus.length : 0];
        for (int c = 0; c < shards.length; c++) {
            shards[c] = new ShardRing(c, rings[cpus.length + c], shardOwners[c], table, streams, formats);
        }
        return new TraceSession(cpus, trackerFds, probeFds, threads, copies, rings, merge, shards, anyOrder, comms,
                mappings, rejected, targets, inherited);
    }

    private static int[] concat(int[] fds, List<Integer> more) {
        int[] all = Arrays.copyOf(fds, fds.length + more.size());
        for (int k = 0; k < more.size(); k++) {
            all[fds.length + k] = more.get(k);
        }
        return all;
    }

    /**
     * Which requests a {@link RecordCopy} serves, and what serves them: their programs, the maps they share, and
     * per request the perf event on its tracepoint the program is attached through.
     */
    private static final class Copies {
        final boolean[] copied;
        final RecordCopy[] programs;
        final int[] attachFds;
        final List<String> notes = new ArrayList<>();
        RecordCopy.Shared shared;

        private Copies(int requests) {
            copied = new boolean[requests];
            programs = new RecordCopy[requests];
            attachFds = filled(requests);
        }

        static Copies plan(TracepointCatalog catalog, List<TraceRequest> requests, SessionOptions options, int cpus) {
            Copies copies = new Copies(requests.size());
            String unavailable = null;
            for (int r = 0; r < requests.size(); r++) {
                TraceRequest request = requests.get(r);
                if (options.recordCopy() && request.process() <= 0
                        && request.source() instanceof EventSource.Tracepoint tracepoint
                        && (!systemCall(tracepoint.name()) || takesStacks(request)) && copyable(request.samples())
                        && catalog.format(tracepoint.name()).filter(RecordCopy::copies).isPresent()) {
                    unavailable = RecordCopy.unavailable();
                    copies.copied[r] = unavailable == null;
                }
            }
            if (unavailable != null) {
                copies.notes.add("tracepoints outside syscalls are read through perf alone, which on some kernels "
                        + "counts interrupt-context firings without writing them (they are reported as not delivered), "
                        + "because " + unavailable);
            }
            return copies;
        }

        boolean copied(int request) {
            return copied[request];
        }

        /**
         * Whether the request's samples take call chains. A system call's perf sample is written with the task's user
         * registers, so its chain has no kernel frames; the record copy writes with the registers where the
         * tracepoint fired, as BPF stack walks see them, so its chain has the kernel's frames and the user's.
         */
        private static boolean takesStacks(TraceRequest request) {
            return request.samples().fields().contains(SampleField.CALLCHAIN);
        }

        /**
         * Whether a record copy writes what these samples carry: the record, the call chain, and the task's user
         * registers and stack (bpf_perf_event_output samples them from the task as perf does).
         */
        private static boolean copyable(SampleContent samples) {
            return samples.fields().stream().allMatch(f -> f == SampleField.RAW || f == SampleField.CALLCHAIN
                            || f == SampleField.REGS_USER || f == SampleField.STACK_USER)
                    && samples.fields().contains(SampleField.RAW);
        }

        int copiedRequests() {
            int n = 0;
            for (boolean c : copied) {
                n += c ? 1 : 0;
            }
            return n;
        }

        /**
         * Creates the shared maps, loads a program per copied request and opens its attach point on {@code cpu};
         * returns {@code remaining} less the perf events opened.
         */
        int load(TracepointCatalog catalog, List<TraceRequest> requests, int cpu, int remaining) {
            for (int r = 0; r < copied.length; r++) {
                if (copied[r]) {
                    if (shared == null) {
                        shared = RecordCopy.Shared.create();
                    }
                    TraceRequest request = requests.get(r);
                    String name = request.source().name();
                    programs[r] = RecordCopy.load(catalog.format(name).orElseThrow(), shared);
                    attachFds[r] = PerfEvent.open(PerfEvent.counter(PerfTarget.of(catalog, request.source()), false),
                            -1, cpu, name + " (attach point of its record copy)", remaining--);
                }
            }
            return remaining;
        }

        /** Attaches each program to its tracepoint; they run from now on, writing nothing until the gate opens. */
        void attach() {
            for (int r = 0; r < copied.length; r++) {
                if (copied[r]) {
                    programs[r].attach(attachFds[r]);
                }
            }
        }

        void unmap() {
            for (RecordCopy program : programs) {
                if (program != null) {
                    program.unmap();
                }
            }
        }

        /** Attach points, programs and maps, to close with the session. */
        int[] fds() {
            List<Integer> fds = new ArrayList<>();
            for (int fd : attachFds) {
                fds.add(fd);
            }
            if (shared != null) {
                for (int fd : shared.fds()) {
                    fds.add(fd);
                }
            }
            for (RecordCopy program : programs) {
                if (program != null) {
                    for (int fd : program.fds()) {
                        fds.add(fd);
                    }
                }
            }
            return fds.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    /**
     * Memory a session with rings of {@code ringPages} pages takes on this machine: per online CPU, its ring buffer
     * (its pages and the control page, mapped and locked) and its queue on the heap.
     */
    public static long memoryFor(int ringPages) {
        return memoryFor(ringPages, false);
    }

    /** The same, with a second ring per CPU for samples taken in any order when {@code sharded}. */
    public static long memoryFor(int ringPages, boolean sharded) {
        long page = LibC.getpagesize();
        long ringBytes = (long) ringPages * page;
        long perCpu = (ringBytes + page) * (sharded ? 2 : 1)
                + TimeOrderedMerge.heapBytes(1, (int) Math.min(ringBytes, Integer.MAX_VALUE));
        return OnlineCpus.list().length * perCpu;
    }

    /**
     * The most samples a second the kernel lets the sampling events of a CPU take, kernel.perf_event_max_sample_rate
     * (or "unknown (why)"): faster ones it throttles ({@link DeliveryCounts#throttled}).
     */
    public static String maxSampleRate() {
        return PerfEvent.sysctl("kernel.perf_event_max_sample_rate");
    }

    /** Number of CPUs online now: a session opens a ring (and one event per request) on each. */
    public static int onlineCpuCount() {
        return OnlineCpus.list().length;
    }

    /** Number of sampling perf events opened: requests times online CPUs. */
    public int probeCount() {
        return probeFds.length;
    }

    /**
     * The shard ring of the CPU at ring index {@code index}: where the samples of any-order requests on that CPU go.
     * Deliver each from one thread at a time, and only while the session is open.
     */
    public ShardRing shard(int index) {
        return shards[index];
    }

    /** Number of shard rings: one per CPU when some request is taken in any order, else none. */
    public int shardCount() {
        return shards.length;
    }

    /**
     * Time up to which every COMM, FORK and EXIT record is applied to {@link #comms()} (CLOCK_MONOTONIC ns): a shard
     * ring's samples up to it may be delivered with their threads' names. Long.MAX_VALUE once the session is
     * finished. Safe to read from any thread.
     */
    public long appliedUpTo() {
        return applied;
    }

    /** The online CPUs traced, in ring order. */
    public int[] cpus() {
        return cpus.clone();
    }

    /**
     * Whether {@code tracepoint} ({@code "category:event"}) fires on system calls ({@code syscalls}, {@code raw_syscalls}):
     * always in the calling task, where perf writes every sample, so it needs no record copy.
     */
    public static boolean systemCall(String tracepoint) {
        return tracepoint.startsWith("syscalls:") || tracepoint.startsWith("raw_syscalls:");
    }

    /** What the caller should tell the user about how the session traces (warnings, one sentence each). */
    public List<String> notes() {
        return notes;
    }

    /** Requests whose filter the kernel rejected: they are traced unfiltered, the caller must filter. */
    public List<TraceRequest> rejectedFilters() {
        return rejectedFilters;
    }

    /**
     * Starts tracing: task tracking first, so that every sample's thread is named; the outputs of copied requests
     * before the gate opens, so that every run counted can be written.
     */
    public void enable() {
        checkOpen();
        for (int fd : trackerFds) {
            PerfEvent.enable(fd);
        }
        for (int fd : eventFds) {
            PerfEvent.enable(fd);
        }
        if (shared != null) {
            shared.gate(true);
            // The gate's own bpf(2) call keeps programs from running on its CPU while it lasts: misses before the
            // gate was open are no firing of the trace.
            for (int r = 0; r < copy.length; r++) {
                skippedAtOpen[r] = copy[r] == null ? 0 : copy[r].skipped();
            }
        }
    }

    /** Stops every probe (the gate of copied requests first); records already written can still be polled or finished. */
    public void disable() {
        checkOpen();
        if (shared != null) {
            for (int r = 0; r < copy.length; r++) {
                if (copy[r] != null && skippedAtClose[r] < 0) {
                    skippedAtClose[r] = copy[r].skipped();
                }
            }
            shared.gate(false);
            settle();
        }
        for (int fd : eventFds) {
            PerfEvent.disable(fd);
        }
        for (int fd : trackerFds) {
            PerfEvent.disable(fd);
        }
    }

    /**
     * Waits out a copy program that read the gate open just before it closed: a program runs to its end within
     * microseconds (tracepoints run with preemption off), so after a millisecond it has written its record.
     */
    private static void settle() {
        try {
            Thread.sleep(1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
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
            int delivered = merge.deliver(watermark, sink);
            applied = Math.max(applied, watermark);
            if (delivered > 0) {
                lastDelivery = passStart;
                return true;
            }
            long now = System.nanoTime();
            if (now >= deadline) {
                return false;
            }
            long waitNanos = Math.min(deadline - now, (shardsWaiting() ? SHARDED_WAIT_MILLIS : IDLE_WAIT_MILLIS) * 1_000_000L);
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
        applied = Long.MAX_VALUE;
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
            for (int e = 0; e < eventFds.length && sum >= 0; e++) {
                int slot = eventSlots[e];
                if (slot / requests == c && !anyOrder[slot % requests]) {
                    long n = PerfEvent.lostSamples(eventFds[e]);
                    sum = n < 0 ? -1 : sum + n;
                }
            }
            lost[c] = Math.max(lost[c], sum);
        }
    }

    /**
     * The kernel's count, lost samples and the samples taken of every sampling event, read in that order: counts
     * first, then every ring drained into its queue (delivery stays with {@link #poll} and {@link #finish}). After
     * {@link #finish} the counts are final and every sample is taken, so they add up exactly unless the kernel
     * counted a firing it never wrote. The count of an event is the samples it tells ({@link PerfTarget#samples}); where
     * it tells none (clocks, hardware, inherited events of a period above 1) it is taken as the samples taken and lost,
     * so that only losses are reported for them.
     */
    public DeliveryCounts deliveryCounts() {
        checkOpen();
        long[] counted = new long[probeFds.length];
        long[] lost = new long[probeFds.length];
        int requests = copy.length;
        long[] skipped = new long[requests];
        for (int r = 0; r < requests; r++) {
            if (copy[r] != null) {
                long[] runs = copy[r].runs(cpus);
                for (int c = 0; c < cpus.length; c++) {
                    counted[c * requests + r] = runs[c];
                }
                long now = skippedAtClose[r] >= 0 ? skippedAtClose[r] : copy[r].skipped();
                skipped[r] = Math.max(0, now - skippedAtOpen[r]);
            }
        }
        boolean[] untold = new boolean[probeFds.length];
        for (int e = 0; e < eventFds.length; e++) {
            int i = eventSlots[e];
            int r = i % requests;
            long samples = targets[r].samples(readCount(eventFds[e]), inherited[r]);
            if (copy[r] == null) {
                counted[i] += Math.max(0, samples);
                untold[i] |= samples < 0;
            }
            long eventLost = countValues.getLong(8);
            lost[i] = eventLost < 0 || lost[i] < 0 ? -1 : lost[i] + eventLost;
        }
        boolean[] backlog = new boolean[cpus.length];
        for (int c = 0; c < cpus.length; c++) {
            rings[c].drain(merge.intake(c));
            backlog[c] = rings[c].hasData();
        }
        long[] taken = merge.taken().clone();
        long[] throttled = merge.throttled().clone();
        long[] ringLost = merge.lost().clone();
        for (ShardRing shard : shards) {
            backlog[shard.index()] |= shard.counts(taken, throttled, ringLost);
        }
        for (int i = 0; i < untold.length; i++) {
            if (untold[i]) {
                counted[i] = taken[i] + Math.max(0, lost[i]);
            }
        }
        for (ShardRing shard : shards) {
            int c = shard.index();
            long sum = 0;
            for (int r = 0; r < requests && sum >= 0; r++) {
                if (anyOrder[r]) {
                    long n = lost[c * requests + r];
                    sum = n < 0 ? -1 : sum + n;
                }
            }
            long mainLost = merge.lost()[c];
            ringLost[c] = Math.max(ringLost[c], mainLost + sum);
        }
        return new DeliveryCounts(cpus, requests, counted, lost, taken, backlog, ringLost, skipped, throttled);
    }

    /** Reads the count of {@code fd} into {@link #countValues} (count, then lost samples or -1) and returns it. */
    private long readCount(int fd) {
        long bytes = LibC.read(fd, countValues, 16);
        if (bytes < 8) {
            int errno = Errno.last();
            throw new KernelException("cannot read the count of a perf event (" + Errno.describe(errno)
                    + "); please report this with the kernel version (uname -r)");
        }
        if (bytes < 16) {
            countValues.setLong(8, -1);
        }
        return countValues.getLong(0);
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

    /** The executable mappings processes made while the session ran; empty unless the options track them. */
    public ProcessMappings mappings() {
        return mappings;
    }

    /** Closes every perf event and unmaps every ring; safe to call twice. */
    @Override
    public void close() {
        if (!closed) {
            closed = true;
            for (RecordCopy program : copy) {
                if (program != null) {
                    program.unmap();
                }
            }
            release(trackerFds, eventFds, copyFds, rings);
        }
    }

    /** Reads every ring into its queue; returns {@code watermark} lowered for rings that could not be emptied. */
    private long drain(long watermark) {
        long safe = watermark;
        for (int c = 0; c < cpus.length; c++) {
            rings[c].drain(merge.intake(c));
            CpuQueue queue = merge.queue(c);
            if (rings[c].hasData() && !queue.isEmpty()) {
                safe = Math.min(safe, queue.newestTime());
            }
        }
        return safe;
    }

    /** True if a shard ring holds samples: its worker may be waiting for {@link #appliedUpTo()} to pass them. */
    private boolean shardsWaiting() {
        for (ShardRing shard : shards) {
            if (shard.hasData()) {
                return true;
            }
        }
        return false;
    }

    private boolean anyRingHasData() {
        for (int c = 0; c < cpus.length; c++) {
            if (rings[c].hasData()) {
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
    private static void release(int[] trackerFds, int[] probeFds, int[] copyFds, RingBuffer[] rings) {
        PerfEvent.stopAll(probeFds);
        PerfEvent.stopAll(trackerFds);
        for (RingBuffer ring : rings) {
            if (ring != null) {
                ring.unmap();
            }
        }
        DeferredRelease.close(probeFds, copyFds, trackerFds);
    }
}
