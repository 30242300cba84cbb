package dev.safetap.kernel;

import java.util.List;

/**
 * What a {@link TraceRequest} attaches to: one case per kind of perf event, resolved to a perf type, config and
 * sample period when a session opens ({@link PerfTarget}, the one place that knows them). Tracepoints, and the
 * kernel's software and hardware events by their perf names; uprobes and uretprobes (binary, offset) and kprobes and
 * kretprobes (function, offset) are further cases of the same kind.
 */
public sealed interface EventSource {

    /** The source as messages name it ({@code syscalls:sys_enter_read}, {@code software:page-faults}). */
    String name();

    /**
     * True if the event fires only in the task whose doing it counts, so that opening it on some tasks alone (each
     * thread of a process, a command) misses nothing of theirs: system call tracepoints and the software and
     * hardware events that count what a task does. Not other tracepoints (an interrupt lands in whatever runs), and
     * not {@code cpu-clock}, the CPU's own timer, which samples whatever runs, idle included.
     */
    boolean inTask();

    /** A tracepoint of tracefs: {@code events/category/event}; every firing is a sample. */
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

        @Override
        public boolean inTask() {
            return TraceSession.systemCall(name());
        }
    }

    /**
     * A software event of the kernel by its perf name ({@code cpu-clock}, {@code page-faults}, ...; see
     * {@link #events()}): a sample every {@code period} events, or every {@code period} ns of the two clocks
     * ({@code cpu-clock}, {@code task-clock}).
     */
    record Software(String event, long period) implements EventSource {

        public Software {
            if (!PerfTarget.SOFTWARE.containsKey(event) || period <= 0) {
                throw new IllegalArgumentException("no software event " + event + " with period " + period
                        + "; the events are " + String.join(", ", events()));
            }
        }

        /** The software events there are, in the order perf numbers them. */
        public static List<String> events() {
            return List.copyOf(PerfTarget.SOFTWARE.keySet());
        }

        @Override
        public String name() {
            return "software:" + event;
        }

        @Override
        public boolean inTask() {
            return !event.equals("cpu-clock");
        }
    }

    /**
     * A uprobe (or, with {@code ret}, a uretprobe) on the instruction at byte {@code offset} of the executable file
     * {@code path}, through the kernel's uprobe PMU: nothing is written to tracefs, and nothing outlives the perf
     * event (a kill -9 leaves no probe behind). Every hit is a sample, of whichever process runs that file's code.
     */
    record Uprobe(String path, long offset, boolean ret) implements EventSource {

        public Uprobe {
            if (path == null || !path.startsWith("/") || path.indexOf('\0') >= 0 || offset < 0) {
                throw new IllegalArgumentException("a uprobe needs an absolute path and an offset, not " + path + ":" + offset);
            }
        }

        @Override
        public String name() {
            return (ret ? "uretprobe:" : "uprobe:") + path + ":0x" + Long.toHexString(offset);
        }

        @Override
        public boolean inTask() {
            return true;
        }
    }

    /**
     * A hardware event, counted by the CPU's performance monitoring unit, by its perf name ({@code cpu-cycles},
     * {@code cache-misses}, ...; see {@link #events()}): a sample every {@code period} events.
     */
    record Hardware(String event, long period) implements EventSource {

        public Hardware {
            if (!PerfTarget.HARDWARE.containsKey(event) || period <= 0) {
                throw new IllegalArgumentException("no hardware event " + event + " with period " + period
                        + "; the events are " + String.join(", ", events()));
            }
        }

        /** The hardware events there are, in the order perf numbers them. */
        public static List<String> events() {
            return List.copyOf(PerfTarget.HARDWARE.keySet());
        }

        @Override
        public String name() {
            return "hardware:" + event;
        }

        @Override
        public boolean inTask() {
            return true;
        }
    }
}
