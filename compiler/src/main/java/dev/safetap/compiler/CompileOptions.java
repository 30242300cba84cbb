package dev.safetap.compiler;

import dev.safetap.bytecode.ProbeCatalog;
import java.util.List;

/**
 * What a compilation needs besides the script: the probe catalog, the positional parameters
 * ({@code $1}...) and the capacity of every map.
 */
public record CompileOptions(ProbeCatalog catalog, List<String> positionalParams, int mapCapacity) {
    public CompileOptions {
        positionalParams = List.copyOf(positionalParams);
    }
}
