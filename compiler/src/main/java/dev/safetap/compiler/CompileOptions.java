package dev.safetap.compiler;

import java.util.List;

/**
 * What a compilation needs besides the script: the probe catalog, the positional parameters
 * ({@code $1}...), the capacity of every map, and whether simple predicates become kernel filters.
 */
public record CompileOptions(ProbeCatalog catalog, List<String> positionalParams, int mapCapacity, boolean kernelFilters) {
    public CompileOptions {
        positionalParams = List.copyOf(positionalParams);
    }
}
