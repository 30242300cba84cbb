package dev.safetap.kernel;

import com.sun.jna.Memory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Counts firings of event sources without sampling: one counting perf event per request and CPU, read with
 * {@code read(2)}. Nothing crosses a ring buffer, so this serves count-only clauses at any event rate.
 * Filters are pushed into the kernel as for {@link TraceSession}; a rejected filter is reported by
 * {@link #rejectedFilters()} and its request counts unfiltered.
 */
public final class CountingSession implements AutoCloseable {
    private final int requestCount;
    private final int[] fds;
    private final List<TraceRequest> rejectedFilters;
    private final Memory value = new Memory(8);
    private boolean closed;

    private CountingSession(int requestCount, int[] fds, List<TraceRequest> rejectedFilters) {
        this.requestCount = requestCount;
        this.fds = fds;
        this.rejectedFilters = List.copyOf(rejectedFilters);
    }

    /** Opens (disabled) one counter per request and online CPU; {@link SessionOptions#ringPages()} is unused. */
    public static CountingSession open(TracepointCatalog catalog, List<TraceRequest> requests,
                                       SessionOptions options) {
        Memory[] counters = new Memory[requests.size()];
        for (int r = 0; r < counters.length; r++) {
            counters[r] = PerfEvent.counter(PerfTarget.of(catalog, requests.get(r).source()), requests.get(r).process() > 0);
        }
        int[] cpus = OnlineCpus.list();
        int[] fds = new int[cpus.length * counters.length];
        Arrays.fill(fds, -1);
        List<TraceRequest> rejected = new ArrayList<>();
        try {
            for (int r = 0; r < counters.length; r++) {
                TraceRequest request = requests.get(r);
                boolean filtered = request.filter() != null && options.kernelFilters();
                for (int c = 0; c < cpus.length; c++) {
                    String what = request.source().name() + " on cpu " + cpus[c];
                    int fd = PerfEvent.open(counters[r], request.task(options.pid()), cpus[c], what,
                            fds.length - (r * cpus.length + c));
                    fds[r * cpus.length + c] = fd;
                    if (filtered && !PerfEvent.filter(fd, request.filter())) {
                        if (c > 0) {
                            throw new KernelException("the kernel accepted filter '" + request.filter()
                                    + "' on one cpu but not for " + what + "; run without kernel filters");
                        }
                        filtered = false;
                        rejected.add(request);
                    }
                }
            }
        } catch (RuntimeException e) {
            closeAll(fds);
            throw e;
        }
        return new CountingSession(counters.length, fds, rejected);
    }

    /** Number of counting perf events opened: requests times online CPUs. */
    public int probeCount() {
        return fds.length;
    }

    public List<TraceRequest> rejectedFilters() {
        return rejectedFilters;
    }

    public void enable() {
        checkOpen();
        for (int fd : fds) {
            PerfEvent.enable(fd);
        }
    }

    public void disable() {
        checkOpen();
        for (int fd : fds) {
            PerfEvent.disable(fd);
        }
    }

    /** Firings so far of each request, summed over CPUs, in request order. */
    public long[] readCounts() {
        checkOpen();
        long[] counts = new long[requestCount];
        int cpus = fds.length / Math.max(1, requestCount);
        for (int i = 0; i < fds.length; i++) {
            if (LibC.read(fds[i], value, 8) != 8) {
                int errno = Errno.last();
                throw new KernelException("cannot read a perf counter (" + Errno.describe(errno)
                        + "); please report this with the kernel version (uname -r)");
            }
            counts[i / cpus] += value.getLong(0);
        }
        return counts;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            closeAll(fds);
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("the counting session is closed");
        }
    }

    /** Disables the counters and closes them without waiting for the kernel's unregistration. */
    private static void closeAll(int[] fds) {
        PerfEvent.stopAll(fds);
        DeferredRelease.close(fds);
    }
}
