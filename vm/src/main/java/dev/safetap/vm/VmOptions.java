package dev.safetap.vm;

import java.io.PrintStream;
import java.util.Objects;

/**
 * Where an interpreter writes and what it knows of the session: {@code out} receives printf, print,
 * time and the maps at exit, in {@code format}; {@code err} the runtime warnings; {@code startNanos}
 * is the monotonic time tracing started (for {@code elapsed}); {@code cpid} the pid of the command
 * started with -c, or 0; {@code stacks} holds the run's stacks and names them when printed, one table for every
 * tier and worker of the run.
 */
public record VmOptions(PrintStream out, PrintStream err, long startNanos, int cpid, OutputFormat format,
                        StackTable stacks) {
    public VmOptions {
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(stacks, "stacks");
    }

    /** Options whose stacks print as addresses, in a table of their own. */
    public VmOptions(PrintStream out, PrintStream err, long startNanos, int cpid, OutputFormat format) {
        this(out, err, startNanos, cpid, format, new StackTable(CodeSymbols.NONE));
    }

    /** Options for text output, bpftrace's default. */
    public VmOptions(PrintStream out, PrintStream err, long startNanos, int cpid) {
        this(out, err, startNanos, cpid, OutputFormat.TEXT);
    }
}
