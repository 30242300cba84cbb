package dev.safetap.kernel;

/**
 * A failure talking to the kernel: tracefs, perf_event_open, mmap, ioctl. The message always says what
 * went wrong and what to do about it, e.g. "perf_event_open denied (EACCES): kernel.perf_event_paranoid
 * is 2; run as root or grant CAP_PERFMON".
 */
public class KernelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public KernelException(String message) {
        super(message);
    }

    public KernelException(String message, Throwable cause) {
        super(message, cause);
    }
}
