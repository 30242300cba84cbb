package dev.safetap.cli;

import dev.safetap.bytecode.Limits;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** The options every command that takes a script shares: where the script is and how to compile it. */
final class ScriptOptions {
    @Option(names = "-e", paramLabel = "PROGRAM", description = "Program text to run instead of a FILE.")
    String program;

    @Parameters(paramLabel = "FILE [ARG...]", description = "Script or bytecode file, then positional parameters $1, $2, ...")
    List<String> positional = new ArrayList<>();

    @Option(names = "--map-capacity", paramLabel = "N", description = "Entries each map can hold (default: ${DEFAULT-VALUE}).")
    int mapCapacity = Limits.DEFAULT_MAP_CAPACITY;

    @Option(names = "--no-kernel-filter", description = "Do not push simple predicates into the kernel's tracepoint filter.")
    boolean noKernelFilter;

    /** The script's file name, or null with -e. */
    String file() {
        return program != null || positional.isEmpty() ? null : positional.get(0);
    }

    /** $1, $2, ...: every positional argument after FILE, or all of them with -e. */
    List<String> parameters() {
        return program != null ? positional : positional.subList(Math.min(1, positional.size()), positional.size());
    }
}
