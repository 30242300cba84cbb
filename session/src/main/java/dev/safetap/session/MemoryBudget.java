package dev.safetap.session;

import dev.safetap.bytecode.Limits;
import dev.safetap.kernel.TraceSession;
import dev.safetap.verifier.VerifiedProgram;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The most memory a run may take: the maps of its program (the verifier's bound, checked when the program is
 * verified) plus its ring buffers and their queues (checked here before anything is opened). The default is an
 * eighth of the machine's memory, at most {@link Limits#DEFAULT_MEMORY_BUDGET}; {@code --memory} sets another.
 * The launcher sizes the JVM heap from the same number, so a run that fits its budget cannot run out of heap.
 */
public final class MemoryBudget {
    private MemoryBudget() {
    }

    /** An eighth of MemTotal, at most {@link Limits#DEFAULT_MEMORY_BUDGET}; that ceiling when /proc/meminfo cannot be read. */
    public static long byDefault() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    long kib = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return Math.min(Limits.DEFAULT_MEMORY_BUDGET, kib * 1024 / 8);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Limits.DEFAULT_MEMORY_BUDGET;
        }
        return Limits.DEFAULT_MEMORY_BUDGET;
    }

    /**
     * Bytes written as {@code --memory} takes them: a whole number, optionally followed by {@code K}, {@code M},
     * {@code G} or {@code T} (powers of 1024, {@code KiB}-style spellings too).
     *
     * @throws IllegalArgumentException with the sentence to show when the text is not a size of at least 1 MiB
     */
    public static long parse(String text) {
        String t = text.strip().toUpperCase(Locale.ROOT).replaceAll("I?B$", "");
        int shift = switch (t.isEmpty() ? ' ' : t.charAt(t.length() - 1)) {
            case 'K' -> 10;
            case 'M' -> 20;
            case 'G' -> 30;
            case 'T' -> 40;
            default -> 0;
        };
        String digits = shift == 0 ? t : t.substring(0, t.length() - 1);
        long n;
        try {
            n = Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is not a size: write bytes, or a number with K, M, G or T, e.g. 512M");
        }
        if (n < 0 || n > (Long.MAX_VALUE >> shift) || (n << shift) < (1L << 20)) {
            throw new IllegalArgumentException("'" + text + "' is not a size from 1M to 8E: write e.g. 512M or 2G");
        }
        return n << shift;
    }

    /** Refuses a run whose maps and ring buffers together may take more than {@code budget} bytes, before anything is opened. */
    static void check(VerifiedProgram verified, int ringPages, long budget) {
        long maps = verified.report().totalMemoryBytes();
        long rings = TraceSession.memoryFor(ringPages);
        if (maps + rings > budget) {
            throw AttachException.attach("the maps (up to " + size(maps) + ") and the ring buffers of " + ringPages
                    + " pages per CPU (" + size(rings) + ") may take " + size(maps + rings) + ", over the memory budget of "
                    + size(budget) + "; lower --ring-pages or raise the budget with --memory");
        }
    }

    private static String size(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes / 1024.0;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
