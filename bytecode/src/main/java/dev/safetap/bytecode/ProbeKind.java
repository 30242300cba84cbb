package dev.safetap.bytecode;

/** Where a probe's events come from. */
public enum ProbeKind {
    /** Once, after every probe is attached. */
    BEGIN,
    /** Once, when tracing stops. */
    END,
    /** A kernel tracepoint; its records have the probe's event layout. */
    TRACEPOINT,
    /** Fires every {@code periodNanos} from the event loop. */
    INTERVAL
}
