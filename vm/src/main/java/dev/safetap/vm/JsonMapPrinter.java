package dev.safetap.vm;

import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.ValueType;

/**
 * Renders a map as {@code bpftrace -f json} 0.17 prints it with {@code print(@m, top, div)} and at
 * exit: one line {@code {"type": T, "data": {"@name": V}}}, where T is {@code "hist"} for hist and
 * lhist maps, {@code "stats"} for avg and stats maps and {@code "map"} otherwise. A map without keys
 * has its value as V; a keyed map an object from key to value, the key components joined by commas
 * ({@code "1,read"}), in the order and with the {@code top} cut of {@link MapPrinter}. Values are
 * numbers (divided by {@code div}, except stats), strings, {@code {"count": c, "average": a,
 * "total": t}} for stats, and for histograms an array of the buckets from the first to the last
 * non-empty one, each {@code {"min": lo, "max": hi, "count": n}} with bounds inclusive; the
 * below-range bucket has no min, the at-or-above-max bucket of lhist no max, and hist (not lhist)
 * counts are divided by {@code div}, as bpftrace does. An empty map prints nothing.
 */
public final class JsonMapPrinter {
    private JsonMapPrinter() {
    }

    public static String render(MapStore store, long top, long div) {
        if (store.size() == 0) {
            return "";
        }
        MapDecl decl = store.decl();
        long divisor = div == 0 ? 1 : div;
        int[] order = MapPrinter.sortedEntries(store);
        StringBuilder sb = new StringBuilder("{\"type\": \"").append(type(decl.kind())).append("\", \"data\": {");
        JsonWriter.appendQuoted(sb, MapPrinter.displayName(decl));
        sb.append(": ");
        if (store.keyCount() == 0) {
            appendValue(sb, store, order[0], divisor);
        } else {
            sb.append('{');
            int skip = MapPrinter.hiddenByTop(store, order.length, top);
            for (int i = skip; i < order.length; i++) {
                if (i > skip) {
                    sb.append(", ");
                }
                JsonWriter.appendQuoted(sb, key(store, order[i]));
                sb.append(": ");
                appendValue(sb, store, order[i], divisor);
            }
            sb.append('}');
        }
        return sb.append("}}\n").toString();
    }

    private static String type(MapKind kind) {
        return switch (kind) {
            case HIST, LHIST -> "hist";
            case AVG, STATS -> "stats";
            case SCALAR, COUNT, SUM, MIN, MAX -> "map";
        };
    }

    private static String key(MapStore store, int e) {
        StringBuilder key = new StringBuilder();
        for (int c = 0; c < store.keyCount(); c++) {
            if (c > 0) {
                key.append(',');
            }
            if (store.keyIsString(c)) {
                key.append(store.keyStringAt(e, c));
            } else if (store.keyIsStack(c)) {
                store.stacks().append(key, store.keyIntAt(e, c), StackTable.KEY_INDENT);
            } else {
                key.append(store.keyIntAt(e, c));
            }
        }
        return key.toString();
    }

    private static void appendValue(StringBuilder sb, MapStore store, int e, long div) {
        MapDecl decl = store.decl();
        switch (decl.kind()) {
            case SCALAR -> {
                if (decl.valueType() == ValueType.STR) {
                    JsonWriter.appendQuoted(sb, store.stringValueAt(e));
                } else if (decl.valueType() == ValueType.STACK) {
                    JsonWriter.appendQuoted(sb, store.stacks().text(store.counter(e, 0), StackTable.VALUE_INDENT));
                } else {
                    sb.append(store.counter(e, 0) / div);
                }
            }
            case SUM, MIN, MAX -> sb.append(store.counter(e, 0) / div);
            case COUNT -> sb.append(Long.toUnsignedString(Long.divideUnsigned(store.counter(e, 0), div)));
            case AVG -> sb.append(store.readInt(e) / div);
            case STATS -> sb.append("{\"count\": ").append(store.counter(e, 0))
                    .append(", \"average\": ").append(store.readInt(e))
                    .append(", \"total\": ").append(store.counter(e, 1)).append('}');
            case HIST, LHIST -> appendBuckets(sb, store, e, div);
        }
    }

    private static void appendBuckets(StringBuilder sb, MapStore store, int e, long div) {
        MapDecl decl = store.decl();
        boolean linear = decl.kind() == MapKind.LHIST;
        int buckets = store.width();
        int first = -1;
        int last = -1;
        for (int i = 0; i < buckets; i++) {
            if (store.counter(e, i) != 0) {
                first = first < 0 ? i : first;
                last = i;
            }
        }
        sb.append('[');
        for (int i = first; first >= 0 && i <= last; i++) {
            sb.append(i > first ? ", {" : "{");
            if (i > 0) {
                sb.append("\"min\": ").append(linear
                        ? Histogram.linearMin(i, buckets, decl.lhistMin(), decl.lhistMax(), decl.lhistStep())
                        : Histogram.log2Min(i)).append(", ");
            }
            if (!linear || i < buckets - 1) {
                sb.append("\"max\": ").append(linear
                        ? Histogram.linearMax(i, decl.lhistMin(), decl.lhistStep())
                        : Histogram.log2Max(i)).append(", ");
            }
            long count = linear ? store.counter(e, i) : Long.divideUnsigned(store.counter(e, i), div);
            sb.append("\"count\": ").append(Long.toUnsignedString(count)).append('}');
        }
        sb.append(']');
    }
}
