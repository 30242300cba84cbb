package dev.safetap.kernel;

/**
 * Receives samples, in timestamp order across CPUs. One {@link Sample} view is reused for every call so that
 * delivering an event allocates nothing.
 */
@FunctionalInterface
public interface EventSink {
    /**
     * One event firing.
     *
     * @param sample the sample, decoded from its event's sample_type; valid only during this call
     */
    void onSample(Sample sample);
}
