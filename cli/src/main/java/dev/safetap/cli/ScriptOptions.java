package dev.safetap.cli;

import dev.safetap.bytecode.Limits;
import dev.safetap.session.MemoryBudget;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
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

    @Option(names = "--memory", paramLabel = "SIZE", converter = SizeConverter.class,
            description = "Most memory the maps and ring buffers may take, e.g. 512M or 2G (default: an eighth of RAM, at most 1G).")
    Long memory;

    /** Reads {@code --memory} sizes. */
    static final class SizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            try {
                return MemoryBudget.parse(value);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException(e.getMessage());
            }
        }
    }

    /** The memory budget: {@code --memory}, or the default of this machine. */
    long memoryBudget() {
        return memory != null ? memory : MemoryBudget.byDefault();
    }

    /** The script's file name, or null with -e. */
    String file() {
        return program != null || positional.isEmpty() ? null : positional.get(0);
    }

    /** $1, $2, ...: every positional argument after FILE, or all of them with -e. */
    List<String> parameters() {
        return program != null ? positional : positional.subList(Math.min(1, positional.size()), positional.size());
    }
}
