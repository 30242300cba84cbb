package dev.safetap.session;

import dev.safetap.bytecode.Limits;
import dev.safetap.kernel.LibC;
import dev.safetap.kernel.TraceSession;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.vm.StackTable;
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

    /** Most bytes of a ring the default gives each CPU: mapping 64 MiB per CPU took up to 0.2 s more at start-up. */
    static final long DEFAULT_RING_BYTES = 32L << 20;
    /** Fewest bytes of a ring the default gives each CPU, even when the budget is tight (the check then says so). */
    static final long SMALLEST_DEFAULT_RING_BYTES = 1L << 20;

    /**
     * The default ring of each CPU, in pages: the largest power of two whose rings and queues on all CPUs take at
     * most a quarter of what the budget leaves beside the maps, at most {@value #DEFAULT_RING_BYTES} bytes per CPU
     * (about 300,000 samples of a system call: a fifth of a second of a 1.5 M/s burst on that CPU), and at least
     * {@value #SMALLEST_DEFAULT_RING_BYTES}.
     */
    public static int defaultRingPages(VerifiedProgram verified, long budget) {
        return defaultRingPages(verified, budget, 0);
    }

    /** The same for a run with {@code workers} workers (0: not sharded), whose maps and second rings come first. */
    static int defaultRingPages(VerifiedProgram verified, long budget, int workers) {
        long share = (budget - programBytes(verified) - workers * workerMapBytes(verified)) / 4;
        long page = LibC.getpagesize();
        int pages = (int) (SMALLEST_DEFAULT_RING_BYTES / page);
        while ((pages * 2L) * page <= DEFAULT_RING_BYTES && TraceSession.memoryFor(pages * 2, workers > 0) <= share) {
            pages *= 2;
        }
        return pages;
    }

    /** Refuses a run whose maps and ring buffers together may take more than {@code budget} bytes, before anything is opened. */
    static void check(VerifiedProgram verified, int ringPages, long budget) {
        check(verified, ringPages, budget, 0);
    }

    /**
     * The same for a run with {@code workers} workers: each holds its own part of every map it aggregates into, and
     * each CPU a second ring for their samples.
     */
    static void check(VerifiedProgram verified, int ringPages, long budget, int workers) {
        long parts = workers * workerMapBytes(verified);
        long stacks = stackTableBytes(verified);
        long maps = verified.report().totalMemoryBytes() + stacks + parts;
        long rings = TraceSession.memoryFor(ringPages, workers > 0);
        if (maps + rings > budget) {
            throw AttachException.attach("the maps (up to " + size(verified.report().totalMemoryBytes())
                    + (stacks > 0 ? ", and " + size(stacks) + " for the stack table" : "")
                    + (parts > 0 ? ", and " + size(parts) + " for the parts " + workers + " workers hold" : "")
                    + ") and the ring buffers of " + ringPages + " pages per CPU" + (workers > 0 ? ", two per CPU" : "")
                    + " (" + size(rings) + ") may take " + size(maps + rings) + ", over the memory budget of "
                    + size(budget) + "; lower --ring-pages or raise the budget with --memory"
                    + (workers > 0 ? " (or --workers 0: one ring per CPU, no parts)" : ""));
        }
    }

    /**
     * The most workers, up to {@code wanted}, whose parts of the maps and the smallest default rings fit the budget
     * beside the program's maps; 0 if not even one does (the run is then not sharded).
     */
    static int workersFitting(VerifiedProgram verified, long budget, int wanted) {
        long page = LibC.getpagesize();
        int smallest = (int) (SMALLEST_DEFAULT_RING_BYTES / page);
        long fixed = programBytes(verified) + TraceSession.memoryFor(smallest, true);
        int workers = wanted;
        while (workers > 0 && fixed + workers * workerMapBytes(verified) > budget) {
            workers--;
        }
        return workers;
    }

    /** Bytes of the program's maps and, when it takes stacks, of the run's stack table. */
    static long programBytes(VerifiedProgram verified) {
        return verified.report().totalMemoryBytes() + stackTableBytes(verified);
    }

    /** Bytes of the run's stack table when some probe takes a stack or a symbol ({@link StackTable}), else 0. */
    static long stackTableBytes(VerifiedProgram verified) {
        boolean stacks = verified.report().probes().stream().anyMatch(p -> !p.stacks().isEmpty());
        return stacks ? StackTable.bytes(StackTable.DEFAULT_STACKS, StackTable.DEFAULT_FRAMES) : 0;
    }

    /** Bytes of the maps one worker holds a part of (those probes running in any order aggregate into). */
    static long workerMapBytes(VerifiedProgram verified) {
        long bytes = 0;
        for (int m = 0; m < verified.program().maps().size(); m++) {
            if (verified.eventOrder().merged(m)) {
                bytes += verified.report().maps().get(m).memoryBytes();
            }
        }
        return bytes;
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
