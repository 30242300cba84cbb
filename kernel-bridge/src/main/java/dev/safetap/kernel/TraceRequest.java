package dev.safetap.kernel;

/**
 * One event source to trace, and what its samples carry.
 *
 * @param source  what to attach to, on every online CPU
 * @param samples the fields each sample carries beyond stream, cpu, pid, tid and time; a {@link CountingSession}
 *                samples nothing and ignores them
 * @param stream  the caller's number for this request, passed back with every sample
 * @param filter  a tracefs filter expression ({@code "count > 100 && common_pid != 1"}) to push into the
 *                kernel, or null; see {@link SessionOptions#kernelFilters()}
 */
public record TraceRequest(EventSource source, SampleContent samples, int stream, String filter) {

    public TraceRequest {
        if (source == null || samples == null) {
            throw new IllegalArgumentException("a trace request needs a source and the content of its samples");
        }
    }

    /** The raw records of {@code tracepoint} ({@code "category:event"}). */
    public TraceRequest(String tracepoint, int stream, String filter) {
        this(EventSource.Tracepoint.parse(tracepoint), SampleContent.RAW, stream, filter);
    }

    public TraceRequest(String tracepoint, int stream) {
        this(tracepoint, stream, null);
    }
}
