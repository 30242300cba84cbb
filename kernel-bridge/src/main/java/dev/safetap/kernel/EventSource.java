package dev.safetap.kernel;

/**
 * What a {@link TraceRequest} attaches to: one case per kind of perf event, resolved to a perf type and
 * config when a session opens ({@link PerfTarget}). Tracepoints today; software and hardware events (type,
 * config, period or frequency), uprobes and uretprobes (binary, offset) and kprobes and kretprobes (function,
 * offset) are further cases of the same kind.
 */
public sealed interface EventSource {

    /** The source as messages name it ({@code syscalls:sys_enter_read}). */
    String name();

    /** A tracepoint of tracefs: {@code events/category/event}. */
    record Tracepoint(String category, String event) implements EventSource {

        public Tracepoint {
            if (category == null || category.isBlank() || event == null || event.isBlank()) {
                throw new IllegalArgumentException("a tracepoint needs a category and an event, not "
                        + category + ":" + event);
            }
        }

        /** The tracepoint {@code category:event}. */
        public static Tracepoint parse(String name) {
            int colon = name == null ? -1 : name.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("a tracepoint is named category:event, not " + name);
            }
            return new Tracepoint(name.substring(0, colon), name.substring(colon + 1));
        }

        @Override
        public String name() {
            return category + ":" + event;
        }
    }
}
