package dev.safetap.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What perf_event_open attaches an {@link EventSource} with: its perf type, config and sample period, and how the
 * event's count ({@code read(2)} of its fd) tells the samples the kernel took of it.
 *
 * <p><b>Samples from counts.</b> A tracepoint and a uprobe sample every firing: the count is the samples. A software event that
 * counts occurrences (page faults, context switches) with period P writes a sample each time its count crosses a
 * multiple of P: a kernel event that counted C has taken {@code floor(C / P)} samples, never throttled (the kernel
 * throttles only a second overflow within one occurrence, which an occurrence of 1 never has), so a shortfall is
 * one the kernel counted and never wrote: on this machine's 6.18, page faults add up exactly, while a few context
 * switches in a hundred, at times half of one CPU's, are counted without a sample (bpftrace, whose program runs at
 * the overflow, misses the same ones). That holds for one kernel event; the events the threads a task starts inherit are summed into its count but keep periods of
 * their own, so for them the sum only bounds the samples from above, and with P above 1 the count tells nothing
 * exact. The clocks ({@code cpu-clock}, {@code task-clock}) count nanoseconds and sample from a timer that skips
 * the periods it was late for, and hardware counters overflow with skid and may be throttled: their counts tell no
 * number of samples either. For those the kernel's own count of what it could not write (the ring's LOST records,
 * the per-event lost count) is what is checked.
 *
 * @param type   perf_event_attr.type ({@link PerfEvent#TYPE_TRACEPOINT}, ...)
 * @param config perf_event_attr.config (for a tracepoint, its id in tracefs)
 * @param period perf_event_attr.sample_period: a sample every {@code period} events (1 for a tracepoint)
 * @param uprobePath the executable file of a uprobe (perf_event_attr.uprobe_path), null for other kinds
 * @param config2    perf_event_attr.config2: a uprobe's file offset (probe_offset)
 */
record PerfTarget(int type, long config, long period, String uprobePath, long config2) {
    /** The kernel's uprobe PMU, which attaches a uprobe from perf_event_open alone (Linux 4.17 and later). */
    static final Path UPROBE_PMU = Path.of("/sys/bus/event_source/devices/uprobe");

    /** A target without a path or second config: every kind but the uprobes. */
    PerfTarget(int type, long config, long period) {
        this(type, config, period, null, 0);
    }

    /** The software events by perf name, with their config: include/uapi/linux/perf_event.h, perf_sw_ids. */
    static final Map<String, Long> SOFTWARE = numbered("cpu-clock", "task-clock", "page-faults", "context-switches",
            "cpu-migrations", "minor-faults", "major-faults", "alignment-faults", "emulation-faults", "dummy");
    /** The hardware events by perf name, with their config: perf_hw_id. */
    static final Map<String, Long> HARDWARE = numbered("cpu-cycles", "instructions", "cache-references", "cache-misses",
            "branch-instructions", "branch-misses", "bus-cycles", "frontend-stalls", "backend-stalls", "ref-cycles");
    private static final long SW_CPU_CLOCK = 0;
    private static final long SW_TASK_CLOCK = 1;

    /** Resolves {@code source} on this machine: each case of {@link EventSource} has its branch here. */
    static PerfTarget of(TracepointCatalog catalog, EventSource source) {
        if (source instanceof EventSource.Tracepoint tracepoint) {
            String name = tracepoint.name();
            TracepointFormat format = catalog.format(name).orElseThrow(() -> new KernelException("tracepoint " + name
                    + " not found: it is not in " + Tracefs.DEFAULT_MOUNT + "/events; list the available ones with "
                    + "`safetap -l` (its kernel module may not be loaded)"));
            return new PerfTarget(PerfEvent.TYPE_TRACEPOINT, format.id(), 1);
        }
        if (source instanceof EventSource.Software software) {
            return new PerfTarget(PerfEvent.TYPE_SOFTWARE, SOFTWARE.get(software.event()), software.period());
        }
        if (source instanceof EventSource.Hardware hardware) {
            return new PerfTarget(PerfEvent.TYPE_HARDWARE, HARDWARE.get(hardware.event()), hardware.period());
        }
        if (source instanceof EventSource.Uprobe uprobe) {
            return new PerfTarget(uprobeType(), uprobe.ret() ? 1L << retprobeBit() : 0, 1, uprobe.path(), uprobe.offset());
        }
        throw new IllegalArgumentException("no perf event attaches " + source.name());
    }

    /** The perf type of the uprobe PMU, from sysfs; a clear error when this kernel has none. */
    private static int uprobeType() {
        try {
            return Integer.parseInt(Files.readString(UPROBE_PMU.resolve("type")).trim());
        } catch (java.io.IOException | NumberFormatException e) {
            throw new KernelException("this kernel has no uprobe PMU (" + UPROBE_PMU + "/type cannot be read: "
                    + e.getMessage() + "): uprobes need Linux 4.17 or later built with CONFIG_UPROBE_EVENTS");
        }
    }

    /** The config bit that makes a uprobe a uretprobe: sysfs says {@code config:N} in format/retprobe. */
    private static int retprobeBit() {
        try {
            String format = Files.readString(UPROBE_PMU.resolve("format").resolve("retprobe")).trim();
            return Integer.parseInt(format.substring(format.indexOf(':') + 1));
        } catch (java.io.IOException | RuntimeException e) {
            throw new KernelException("this kernel's uprobe PMU has no retprobe format (" + e.getMessage()
                    + "): uretprobes cannot be attached");
        }
    }

    /**
     * The samples the kernel took of one event that counted {@code count}, for an event opened {@code inherited} by
     * the threads its task starts, or -1 when its count does not tell (see the class comment).
     */
    long samples(long count, boolean inherited) {
        boolean occurrences = type == PerfEvent.TYPE_TRACEPOINT || uprobePath != null
                || type == PerfEvent.TYPE_SOFTWARE && config != SW_CPU_CLOCK && config != SW_TASK_CLOCK;
        if (!occurrences || inherited && period > 1) {
            return -1;
        }
        return count / period;
    }

    /**
     * True if the kernel writes the samples of this event and {@code other} on one CPU from one shared sample record:
     * two events of one software kind that counts occurrences. Linux (6.18 here) prepares the sample of every such
     * event that an occurrence makes overflow in one {@code perf_sample_data}, filled by the first event only: the
     * others' samples carry its id and time, so the events cannot be told apart in a ring (tracepoints re-initialise
     * it per event; the clocks and hardware events each overflow on their own).
     */
    boolean sharesSampleData(PerfTarget other) {
        return type == PerfEvent.TYPE_SOFTWARE && other.type == type && other.config == config && config != SW_CPU_CLOCK
                && config != SW_TASK_CLOCK;
    }

    /**
     * Why the kernel has no such event (ENOENT, ENODEV, EOPNOTSUPP from perf_event_open), and what to do: a hardware
     * event needs a PMU, which most virtual machines do not have.
     */
    String missing(String what) {
        if (type == PerfEvent.TYPE_HARDWARE) {
            boolean pmu = Files.exists(Path.of("/sys/bus/event_source/devices/cpu"))
                    || Files.exists(Path.of("/sys/bus/event_source/devices/cpu_core"));
            String event = what.replaceFirst("^hardware:", "").replaceFirst(" on cpu .*$", "");
            return pmu ? "this machine's hardware PMU does not count " + event + "; `perf list hw` shows the hardware events"
                    + " it has" : "this machine has no hardware PMU that could count " + event + " (there is no `cpu` in "
                    + "/sys/bus/event_source/devices: virtual machines usually have none, and the kernel then logs \"no PMU "
                    + "driver, software events only\"); sample with `profile:hz:N` or a software event instead, which need none";
        }
        if (type == PerfEvent.TYPE_SOFTWARE) {
            return "this kernel has no such software event; `perf list sw` shows those it has";
        }
        if (uprobePath != null) {
            return "the kernel cannot place a uprobe there: " + uprobePath + " must be an executable file on a file system"
                    + " that supports uprobes, and the offset the start of an instruction";
        }
        return "the kernel cannot attach perf to this event; check that it exists in /sys/kernel/tracing/events and is not"
                + " an ftrace-internal event";
    }

    private static Map<String, Long> numbered(String... names) {
        Map<String, Long> map = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) {
            map.put(names[i], (long) i);
        }
        return Collections.unmodifiableMap(map);
    }
}
