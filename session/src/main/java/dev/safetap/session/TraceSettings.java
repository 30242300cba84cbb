package dev.safetap.session;

import dev.safetap.vm.OutputFormat;
import java.nio.file.Path;
import java.util.List;

/**
 * How a tracing run was asked for.
 *
 * @param quiet         do not print "Attaching N probes..."
 * @param pid           trace only the events of this process (all its threads), or -1 for every process
 * @param command       the command to start once every probe is attached ({@code -c}), or empty
 * @param ringPages     data pages of each per-CPU ring buffer, a power of two, or 0 for the default of this machine
 *                      and program ({@link MemoryBudget#defaultRingPages})
 * @param kernelFilters whether predicates may be pushed into the kernel's tracepoint filters
 * @param format        how output is printed
 * @param memoryBudget  the most bytes the program's maps and the ring buffers may take ({@link MemoryBudget})
 * @param strict        whether an event lost or not delivered ends the run as an error ({@link EventAccounting})
 * @param includeSelf   whether events of safetap's own threads reach the script (they do not by default)
 * @param recordCopy    whether fixed BPF record-copy programs may deliver tracepoints that fire in interrupt context
 *                      ({@code --no-bpf} turns them off)
 * @param workers       threads running the probes that may run in any order ({@code --workers}); 0 runs every probe
 *                      on the merging thread, -1 the default: one per CPU, at most {@value #MOST_DEFAULT_WORKERS}
 * @param flameGraph    where to write the SVG flame graph of the maps keyed by stacks when tracing ends
 *                      ({@code --flamegraph}), or null
 * @param callGraph     how user stacks are walked ({@code --call-graph}); null for {@link CallGraph#DEFAULT}
 */
public record TraceSettings(boolean quiet, int pid, List<String> command, int ringPages, boolean kernelFilters,
        OutputFormat format, long memoryBudget, boolean strict, boolean includeSelf, boolean recordCopy, int workers,
        Path flameGraph, CallGraph callGraph) {
    /** Most workers the default starts; each holds its own copy of the maps it aggregates into. */
    public static final int MOST_DEFAULT_WORKERS = 8;
    /** Most workers {@code --workers} may ask for. */
    public static final int MOST_WORKERS = 256;

    public TraceSettings {
        command = List.copyOf(command);
        callGraph = callGraph == null ? CallGraph.DEFAULT : callGraph;
    }

    /** Settings with the default walk of user stacks. */
    public TraceSettings(boolean quiet, int pid, List<String> command, int ringPages, boolean kernelFilters,
            OutputFormat format, long memoryBudget, boolean strict, boolean includeSelf, boolean recordCopy, int workers,
            Path flameGraph) {
        this(quiet, pid, command, ringPages, kernelFilters, format, memoryBudget, strict, includeSelf, recordCopy, workers,
                flameGraph, null);
    }

    /** Settings without a flame graph. */
    public TraceSettings(boolean quiet, int pid, List<String> command, int ringPages, boolean kernelFilters,
            OutputFormat format, long memoryBudget, boolean strict, boolean includeSelf, boolean recordCopy, int workers) {
        this(quiet, pid, command, ringPages, kernelFilters, format, memoryBudget, strict, includeSelf, recordCopy, workers,
                null);
    }

    /** Settings with the default workers. */
    public TraceSettings(boolean quiet, int pid, List<String> command, int ringPages, boolean kernelFilters,
            OutputFormat format, long memoryBudget, boolean strict, boolean includeSelf, boolean recordCopy) {
        this(quiet, pid, command, ringPages, kernelFilters, format, memoryBudget, strict, includeSelf, recordCopy, -1);
    }

    /** The workers to start on a machine with {@code cpus} CPUs (one ring each): none when {@code workers} is 0. */
    public int workersFor(int cpus) {
        return workers < 0 ? Math.min(cpus, MOST_DEFAULT_WORKERS) : Math.min(workers, cpus);
    }
}
