package dev.safetap.kernel;

/**
 * @param ringPages     data pages of each per-CPU ring buffer, a power of two (64 = 256 KiB with 4 KiB pages)
 * @param pid           trace only the task with this id, or -1 for every task
 * @param kernelFilters whether to install the requests' filters in the kernel
 */
public record SessionOptions(int ringPages, int pid, boolean kernelFilters) {

    public static final SessionOptions DEFAULT = new SessionOptions(64, -1, true);

    public SessionOptions {
        if (ringPages < 1 || Integer.bitCount(ringPages) != 1) {
            throw new IllegalArgumentException("ring pages must be a power of two, not " + ringPages);
        }
        if (pid < -1 || pid == 0) {
            throw new IllegalArgumentException("pid must be positive or -1 for all tasks, not " + pid);
        }
    }
}
