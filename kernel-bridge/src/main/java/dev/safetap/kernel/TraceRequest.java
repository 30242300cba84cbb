package dev.safetap.kernel;

/**
 * One tracepoint to trace.
 *
 * @param tracepoint {@code "category:event"}
 * @param stream     the caller's number for this request, passed back with every sample
 * @param filter     a tracefs filter expression ({@code "count > 100 && common_pid != 1"}) to push into the
 *                   kernel, or null; see {@link SessionOptions#kernelFilters()}
 */
public record TraceRequest(String tracepoint, int stream, String filter) {

    public TraceRequest {
        if (tracepoint == null || tracepoint.isBlank()) {
            throw new IllegalArgumentException("a trace request needs a tracepoint name");
        }
    }

    public TraceRequest(String tracepoint, int stream) {
        this(tracepoint, stream, null);
    }
}
