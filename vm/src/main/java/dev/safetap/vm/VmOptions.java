package dev.safetap.vm;

import java.io.PrintStream;

/**
 * Where an interpreter writes and what it knows of the session: {@code out} receives printf, print,
 * time and the maps at exit; {@code err} the runtime warnings; {@code startNanos} is the monotonic
 * time tracing started (for {@code elapsed}); {@code cpid} the pid of the command started with -c,
 * or 0.
 */
public record VmOptions(PrintStream out, PrintStream err, long startNanos, int cpid) {
}
