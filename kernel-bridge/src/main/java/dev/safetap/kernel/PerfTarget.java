package dev.safetap.kernel;

/**
 * What perf_event_open attaches an {@link EventSource} with: its perf type and config.
 *
 * @param type   perf_event_attr.type ({@link PerfEvent#TYPE_TRACEPOINT}, ...)
 * @param config perf_event_attr.config (for a tracepoint, its id in tracefs)
 */
record PerfTarget(int type, long config) {

    /** Resolves {@code source} on this machine: each case of {@link EventSource} has its branch here. */
    static PerfTarget of(TracepointCatalog catalog, EventSource source) {
        if (source instanceof EventSource.Tracepoint tracepoint) {
            String name = tracepoint.name();
            TracepointFormat format = catalog.format(name).orElseThrow(() -> new KernelException("tracepoint " + name
                    + " not found: it is not in " + Tracefs.DEFAULT_MOUNT + "/events; list the available ones with "
                    + "`safetap -l` (its kernel module may not be loaded)"));
            return new PerfTarget(PerfEvent.TYPE_TRACEPOINT, format.id());
        }
        throw new IllegalArgumentException("no perf event attaches " + source.name());
    }
}
