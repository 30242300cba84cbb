package dev.safetap.symbols;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;

/**
 * The symbols a JIT compiler (the JVM with perf-map-agent or -XX:+DumpPerfMapAtExit, V8 with --perf-basic-prof,
 * LuaJIT, ...) writes for its generated code to {@code /tmp/perf-PID.map}, one line per function:
 * {@code START SIZE name}, START and SIZE in hex (a {@code 0x} prefix is accepted), the name the rest of the line,
 * spaces included.
 *
 * <p>A JIT reuses memory, so of several lines with the same start the last one wins; a line of size 0 names
 * nothing. At most {@link #MAX_LINES} lines are read and malformed lines are skipped. Instances are immutable.
 */
public final class PerfMap {
    /** The most lines read. */
    public static final int MAX_LINES = 1 << 20;

    private final long[] starts;
    private final long[] ends;
    private final String[] names;
    private final String source;

    private PerfMap(long[] starts, long[] ends, String[] names, String source) {
        this.starts = starts;
        this.ends = ends;
        this.names = names;
        this.source = source;
    }

    /** Where process {@code pid} writes its perf map: {@code /tmp/perf-PID.map}. */
    public static Path of(int pid) {
        return Path.of("/tmp", "perf-" + pid + ".map");
    }

    /** The perf map in {@code file}; empty when the file cannot be read. Symbols are labelled with the file. */
    public static PerfMap read(Path file) {
        Lines lines = new Lines();
        BoundedLines.read(file, MAX_LINES, lines::parse);
        return lines.sorted(file.toString());
    }

    /** The function containing {@code address}, with the offset into it. */
    public Optional<Symbol> lookup(long address) {
        int i = AddressOrder.floor(starts, starts.length, address);
        if (i < 0 || Long.compareUnsigned(address, ends[i]) >= 0) {
            return Optional.empty();
        }
        return Optional.of(new Symbol(names[i], address - starts[i], source));
    }

    /** The number of functions (distinct starts). */
    public int size() {
        return starts.length;
    }

    /** The lines as read, in file order. */
    private static final class Lines {
        private long[] starts = new long[64];
        private long[] ends = new long[64];
        private String[] names = new String[64];
        private int count;

        void parse(byte[] b, int from, int to) {
            int space = indexOf(b, from, to, ' ');
            int second = space < 0 ? -1 : indexOf(b, space + 1, to, ' ');
            if (second < 0) {
                return;
            }
            long start = hex(b, from, space);
            long size = hex(b, space + 1, second);
            int nameEnd = to > second + 1 && b[to - 1] == '\r' ? to - 1 : to;
            if (start == -1 || size <= 0 || nameEnd <= second + 1 || Long.compareUnsigned(start + size, start) < 0) {
                return;
            }
            if (count == starts.length) {
                starts = Arrays.copyOf(starts, count * 2);
                ends = Arrays.copyOf(ends, count * 2);
                names = Arrays.copyOf(names, count * 2);
            }
            starts[count] = start;
            ends[count] = start + size;
            names[count] = new String(b, second + 1, nameEnd - second - 1, StandardCharsets.UTF_8);
            count++;
        }

        /** One entry per start, the last line of each start kept. */
        PerfMap sorted(String source) {
            int[] order = AddressOrder.ascending(starts, count);
            int distinct = 0;
            int[] kept = new int[count];
            for (int k = 0; k < count; k++) {
                if (distinct > 0 && starts[kept[distinct - 1]] == starts[order[k]]) {
                    kept[distinct - 1] = order[k];
                } else {
                    kept[distinct++] = order[k];
                }
            }
            long[] s = new long[distinct];
            long[] e = new long[distinct];
            String[] n = new String[distinct];
            for (int i = 0; i < distinct; i++) {
                s[i] = starts[kept[i]];
                e[i] = ends[kept[i]];
                n[i] = names[kept[i]];
            }
            return new PerfMap(s, e, n, source);
        }

        private static int indexOf(byte[] b, int from, int to, char c) {
            for (int i = from; i < to; i++) {
                if (b[i] == c) {
                    return i;
                }
            }
            return -1;
        }

        /** The hex number in {@code b[from..to)}, an optional 0x first; -1 when it is not one (or is all ones). */
        private static long hex(byte[] b, int from, int to) {
            if (to - from > 2 && b[from] == '0' && (b[from + 1] == 'x' || b[from + 1] == 'X')) {
                from += 2;
            }
            if (to <= from || to - from > 16) {
                return -1;
            }
            long value = 0;
            for (int i = from; i < to; i++) {
                int digit = Character.digit(b[i], 16);
                if (digit < 0) {
                    return -1;
                }
                value = value << 4 | digit;
            }
            return value;
        }
    }
}
