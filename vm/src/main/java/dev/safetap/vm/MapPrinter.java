package dev.safetap.vm;

import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.ValueType;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Renders a map as bpftrace 0.17 prints it with {@code print(@m, top, div)} and at exit.
 *
 * <p>Entries are sorted ascending: by value for scalar integer, count, sum, min and max maps; by
 * integer average for avg and stats; by total count for hist and lhist; by key for string-valued
 * maps. Ties are broken by key (integers as unsigned, strings bytewise, first component first), so
 * the output is deterministic where bpftrace's depends on kernel hash order. {@code top} keeps the
 * last (largest) N entries, except for stats maps, which bpftrace prints whole. {@code div} divides
 * the printed values of scalar, count, sum, min, max and avg maps and the counts of hist rows (their
 * bars stay those of the undivided counts); lhist and stats maps ignore it, as in bpftrace 0.17. Each entry is one line ({@code @name[k1, k2]: value}); a histogram entry is
 * its header line followed by its rows; entries are separated by a newline, the map ends with a
 * newline, and avg and stats maps with one more. An empty map is an empty line.
 */
public final class MapPrinter {
    private static final int BAR_WIDTH = 52;

    private MapPrinter() {
    }

    /** The name a map is printed under: its declared name, prefixed with {@code @} when it lacks one. */
    public static String displayName(MapDecl decl) {
        return decl.threadLocal() || decl.name().startsWith("@") ? decl.name() : "@" + decl.name();
    }

    public static String render(MapStore store, long top, long div) {
        MapDecl decl = store.decl();
        MapKind kind = decl.kind();
        long divisor = div == 0 ? 1 : div;
        int[] order = sortedEntries(store);
        int skip = hiddenByTop(store, order.length, top);
        StringBuilder sb = new StringBuilder();
        for (int i = skip; i < order.length; i++) {
            if (i > skip) {
                sb.append('\n');
            }
            int e = order[i];
            appendKey(sb, store, e);
            sb.append(": ");
            appendValue(sb, store, e, divisor);
        }
        sb.append('\n');
        if (kind == MapKind.AVG || kind == MapKind.STATS) {
            sb.append('\n');
        }
        return sb.toString();
    }

    /** How many of the first (smallest) of {@code entries} sorted entries {@code print(@m, top)} leaves out. */
    static int hiddenByTop(MapStore store, int entries, long top) {
        return top > 0 && entries > top && store.decl().kind() != MapKind.STATS ? (int) (entries - top) : 0;
    }

    private static void appendKey(StringBuilder sb, MapStore store, int e) {
        sb.append(displayName(store.decl()));
        if (store.keyCount() == 0) {
            return;
        }
        sb.append('[');
        for (int c = 0; c < store.keyCount(); c++) {
            if (c > 0) {
                sb.append(", ");
            }
            if (store.keyIsString(c)) {
                sb.append(TerminalText.escape(store.keyBytesAt(e, c)));
            } else if (store.keyIsStack(c)) {
                store.stacks().append(sb, store.keyIntAt(e, c), StackTable.KEY_INDENT);
            } else {
                sb.append(store.keyIntAt(e, c));
            }
        }
        sb.append(']');
    }

    private static void appendValue(StringBuilder sb, MapStore store, int e, long div) {
        MapDecl decl = store.decl();
        switch (decl.kind()) {
            case SCALAR -> {
                if (decl.valueType() == ValueType.STR) {
                    sb.append(TerminalText.escape(store.stringValueBytesAt(e)));
                } else if (decl.valueType() == ValueType.STACK) {
                    store.stacks().append(sb, store.counter(e, 0), StackTable.VALUE_INDENT);
                } else {
                    sb.append(store.counter(e, 0) / div);
                }
            }
            case SUM, MIN, MAX -> sb.append(store.counter(e, 0) / div);
            case COUNT -> sb.append(Long.toUnsignedString(Long.divideUnsigned(store.counter(e, 0), div)));
            case AVG -> sb.append(store.readInt(e) / div);
            case STATS -> sb.append("count ").append(store.counter(e, 0))
                    .append(", average ").append(store.readInt(e))
                    .append(", total ").append(store.counter(e, 1));
            case HIST, LHIST -> {
                sb.append('\n');
                appendRows(sb, store, e, decl.kind() == MapKind.HIST ? div : 1);
            }
        }
    }

    private static void appendRows(StringBuilder sb, MapStore store, int e, long div) {
        MapDecl decl = store.decl();
        int first = -1;
        int last = -1;
        long max = 0;
        for (int i = 0; i < store.width(); i++) {
            long v = store.counter(e, i);
            if (v != 0) {
                if (first < 0) {
                    first = i;
                }
                last = i;
                max = Math.max(max, v);
            }
        }
        for (int i = first; first >= 0 && i <= last; i++) {
            String label = decl.kind() == MapKind.HIST
                    ? Histogram.log2Label(i)
                    : Histogram.linearLabel(i, store.width(), decl.lhistMin(), decl.lhistMax(), decl.lhistStep());
            long v = store.counter(e, i);
            int bar = (int) ((float) v / (float) max * BAR_WIDTH);
            pad(sb.append(label), 16 - label.length());
            String count = Long.toUnsignedString(Long.divideUnsigned(v, div));
            pad(sb, 8 - count.length()).append(count).append(" |");
            pad(sb.append("@".repeat(bar)), BAR_WIDTH - bar).append("|\n");
        }
    }

    private static StringBuilder pad(StringBuilder sb, int spaces) {
        for (int i = 0; i < spaces; i++) {
            sb.append(' ');
        }
        return sb;
    }

    /** Entry numbers of the store in print order (ascending). */
    static int[] sortedEntries(MapStore store) {
        Integer[] order = new Integer[store.size()];
        for (int e = 0; e < order.length; e++) {
            order[e] = e;
        }
        Comparator<Integer> byKey = (a, b) -> compareKeys(store, a, b);
        Arrays.sort(order, byValue(store).thenComparing(byKey));
        return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
    }

    private static Comparator<Integer> byValue(MapStore store) {
        MapDecl decl = store.decl();
        return switch (decl.kind()) {
            case SCALAR -> decl.valueType() != ValueType.INT
                    ? (a, b) -> 0
                    : (a, b) -> Long.compare(store.counter(a, 0), store.counter(b, 0));
            case SUM, MIN, MAX -> (a, b) -> Long.compare(store.counter(a, 0), store.counter(b, 0));
            case COUNT -> (a, b) -> Long.compareUnsigned(store.counter(a, 0), store.counter(b, 0));
            case AVG, STATS -> (a, b) -> Long.compare(store.readInt(a), store.readInt(b));
            case HIST, LHIST -> (a, b) -> Long.compareUnsigned(total(store, a), total(store, b));
        };
    }

    private static long total(MapStore store, int e) {
        long sum = 0;
        for (int i = 0; i < store.width(); i++) {
            sum += store.counter(e, i);
        }
        return sum;
    }

    private static int compareKeys(MapStore store, int a, int b) {
        for (int c = 0; c < store.keyCount(); c++) {
            int r = store.keyIsString(c)
                    ? store.compareKeyStrings(a, b, c)
                    : Long.compareUnsigned(store.keyIntAt(a, c), store.keyIntAt(b, c));
            if (r != 0) {
                return r;
            }
        }
        return 0;
    }
}
