package dev.safetap.kernel;

/**
 * The kernel's and the session's counts of every sampling perf event at one moment, per CPU and request: how
 * often the event fired ({@code read(2)} of its fd; the kernel raises the count before it writes the sample), how
 * many of its samples found the ring full, and how many the session took out of the ring. The counts are read
 * first, then every ring is drained, so every sample the kernel had finished writing when its count was read is
 * taken, lost or still in a ring that could not be emptied ({@link #backlog}).
 */
public final class DeliveryCounts {
    private final int[] cpus;
    private final int requests;
    private final long[] counted;
    private final long[] lost;
    private final long[] taken;
    private final boolean[] backlog;
    private final long[] ringLost;
    private final long[] skipped;
    private final long[] throttled;

    public DeliveryCounts(int[] cpus, int requests, long[] counted, long[] lost, long[] taken, boolean[] backlog,
                          long[] ringLost, long[] skipped, long[] throttled) {
        this.cpus = cpus.clone();
        this.requests = requests;
        this.counted = counted.clone();
        this.lost = lost.clone();
        this.taken = taken.clone();
        this.backlog = backlog.clone();
        this.ringLost = ringLost.clone();
        this.skipped = skipped.clone();
        this.throttled = throttled.clone();
    }

    public DeliveryCounts(int[] cpus, int requests, long[] counted, long[] lost, long[] taken, boolean[] backlog,
                          long[] ringLost) {
        this(cpus, requests, counted, lost, taken, backlog, ringLost, new long[requests], new long[counted.length]);
    }

    /**
     * How often the kernel throttled that event: it stopped it until its next tick because the CPU's events had
     * sampled faster than {@code kernel.perf_event_max_sample_rate} allows (a THROTTLE record). The samples it would
     * have written meanwhile were never counted as samples, so neither {@link #counted} nor {@link #lost} shows them.
     * A profile or a hardware event can be throttled; a tracepoint or a software event that counts occurrences cannot.
     */
    public long throttled(int cpu, int request) {
        return throttled[cpu * requests + request];
    }

    /**
     * Firings of request {@code request} that were neither counted nor delivered, on some CPU, because the kernel
     * did not run its record copy there: another BPF program was running on that CPU. 0 for requests perf serves.
     */
    public long skipped(int request) {
        return skipped[request];
    }

    /** Number of CPUs, indexed from 0 in ring order. */
    public int cpuCount() {
        return cpus.length;
    }

    /** The number of the CPU at ring index {@code cpu}. */
    public int cpu(int cpu) {
        return cpus[cpu];
    }

    public int requestCount() {
        return requests;
    }

    /** Firings the kernel counted for request {@code request} on the CPU at ring index {@code cpu}. */
    public long counted(int cpu, int request) {
        return counted[cpu * requests + request];
    }

    /**
     * Samples of that event the kernel dropped because the ring was full, or -1 when the kernel does not count them
     * per event (before Linux 6.0): then only {@link #ringLost} tells, per CPU.
     */
    public long lost(int cpu, int request) {
        return lost[cpu * requests + request];
    }

    /** Samples of that event the session took out of the ring (delivered, or waiting in time order). */
    public long taken(int cpu, int request) {
        return taken[cpu * requests + request];
    }

    /** Records the kernel reported lost in the ring of that CPU (LOST records), over all its events. */
    public long ringLost(int cpu) {
        return ringLost[cpu];
    }

    /** True if the ring of that CPU still held records when the counts were taken: its samples are not all taken. */
    public boolean backlog(int cpu) {
        return backlog[cpu];
    }

    /** True if the kernel counts lost samples per event. */
    public boolean perEventLost() {
        for (long n : lost) {
            if (n < 0) {
                return false;
            }
        }
        return true;
    }
}
