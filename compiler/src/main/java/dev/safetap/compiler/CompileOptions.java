package dev.safetap.compiler;

import dev.safetap.bytecode.ProbeCatalog;
import dev.safetap.bytecode.ValueType;
import java.util.List;

/**
 * What a compilation needs besides the script: the probe catalog, the positional parameters
 * ({@code $1}...) and the capacity of every map.
 */
public record CompileOptions(ProbeCatalog catalog, List<String> positionalParams, int mapCapacity) {
    public CompileOptions {
        positionalParams = List.copyOf(positionalParams);
    }

    /** The type of {@code $n}: a string when it was given as text that is not a number, else an integer. */
    ValueType positionalType(int n) {
        String v = n >= 1 && n <= positionalParams.size() ? positionalParams.get(n - 1) : null;
        return v == null || parseNumber(v) != null ? ValueType.INT : ValueType.STR;
    }

    /** The value of a decimal or {@code 0x} hexadecimal number, or null when {@code s} is not one. */
    static Long parseNumber(String s) {
        try {
            String t = s.trim();
            if (t.startsWith("0x") || t.startsWith("0X")) {
                return Long.parseUnsignedLong(t.substring(2), 16);
            }
            return Long.parseLong(t);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
