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
 * @param process trace only the events of the process whose only thread is this task, and of every thread it
 *                starts (the kernel's per-task events, inherited by new threads but not by child processes), or
 *                -1 for the tasks of {@link SessionOptions#pid()}. A task that already runs several threads
 *                would be followed only in itself and the threads it starts later.
 * @param anyOrder the caller takes this request's samples in any order, from any thread: they go to a second ring per
 *                CPU, read in place by {@link TraceSession#shard} rather than merged in time order with the others
 */
public record TraceRequest(EventSource source, SampleContent samples, int stream, String filter, int process,
                           boolean anyOrder) {

    public TraceRequest {
        if (source == null || samples == null) {
            throw new IllegalArgumentException("a trace request needs a source and the content of its samples");
        }
        if (process < -1 || process == 0) {
            throw new IllegalArgumentException("the process must be positive or -1, not " + process);
        }
    }

    public TraceRequest(EventSource source, SampleContent samples, int stream, String filter, int process) {
        this(source, samples, stream, filter, process, false);
    }

    public TraceRequest(EventSource source, SampleContent samples, int stream, String filter) {
        this(source, samples, stream, filter, -1);
    }

    /** The raw records of {@code tracepoint} ({@code "category:event"}). */
    public TraceRequest(String tracepoint, int stream, String filter) {
        this(EventSource.Tracepoint.parse(tracepoint), SampleContent.RAW, stream, filter);
    }

    /** The task to open the request's events on: its process, else {@code optionsPid} (-1 for every task). */
    int task(int optionsPid) {
        return process > 0 ? process : optionsPid;
    }

    public TraceRequest(String tracepoint, int stream) {
        this(tracepoint, stream, null);
    }
}
