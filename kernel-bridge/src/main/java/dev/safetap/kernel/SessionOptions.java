package dev.safetap.kernel;

/**
 * @param ringPages     data pages of each per-CPU ring buffer, a power of two (64 = 256 KiB with 4 KiB pages)
 * @param pid           the process whose events are wanted ({@code -p}), or -1 for every task: a {@link TraceSession}
 *                      opens the events of system call tracepoints on each of its threads (and the threads they
 *                      start; a thread of another process: that thread alone), and leaves the others system-wide,
 *                      for the caller to select; a {@link CountingSession} counts in this task alone
 * @param kernelFilters whether to install the requests' filters in the kernel
 * @param recordCopy    whether records of tracepoints that may fire in interrupt context are delivered by a
 *                      {@link RecordCopy} program where BPF is available, rather than by the perf path alone
 * @param trackMappings whether the session records the executable mappings processes make
 *                      ({@link TraceSession#mappings()}), to name user addresses once those processes are gone
 */
public record SessionOptions(int ringPages, int pid, boolean kernelFilters, boolean recordCopy, boolean trackMappings) {

    public static final SessionOptions DEFAULT = new SessionOptions(64, -1, true);

    /** Largest data area of one ring: 256 MiB per CPU, mapped and locked; more is never needed to keep up. */
    public static final int MAX_RING_BYTES = 1 << 28;

    public SessionOptions {
        String problem = ringPagesProblem(ringPages);
        if (problem != null) {
            throw new IllegalArgumentException("the ring pages " + problem);
        }
        if (pid < -1 || pid == 0) {
            throw new IllegalArgumentException("pid must be positive or -1 for all tasks, not " + pid);
        }
    }

    /** Options that do not track mappings. */
    public SessionOptions(int ringPages, int pid, boolean kernelFilters, boolean recordCopy) {
        this(ringPages, pid, kernelFilters, recordCopy, false);
    }

    /** Options with record copy where available. */
    public SessionOptions(int ringPages, int pid, boolean kernelFilters) {
        this(ringPages, pid, kernelFilters, true);
    }

    /** Why {@code pages} cannot be the data pages of a ring ("must be ..."); null if it can. */
    public static String ringPagesProblem(int pages) {
        int pageSize = LibC.getpagesize();
        int max = MAX_RING_BYTES / pageSize;
        if (pages < 1 || pages > max || Integer.bitCount(pages) != 1) {
            return "must be a power of two from 1 to " + max + " (" + (MAX_RING_BYTES >> 20)
                    + " MiB per CPU with " + pageSize + "-byte pages), not " + pages;
        }
        return null;
    }
}
