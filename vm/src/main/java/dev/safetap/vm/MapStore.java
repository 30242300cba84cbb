package dev.safetap.vm;

import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.ValueType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The entries of one declared map: a bounded hash table keyed by tuples of integers and strings.
 *
 * <p>Entries live densely in parallel primitive arrays (entry {@code e} owns {@code width()} value
 * counters from {@code e * width()}) and an open-addressing index points into them, so lookups and
 * updates allocate nothing once the table has grown to the size the workload needs. A lookup first
 * loads the probe key with {@link #keyInt} / {@link #keyString}, then calls {@link #find},
 * {@link #findOrInsert} or {@link #remove}. When a new key does not fit in the declared capacity
 * the update is dropped and counted, never grown past the capacity.
 *
 * <p>Values by kind: SCALAR holds one integer or one string; COUNT and SUM one counter; MIN and MAX
 * the value and a flag saying whether one was folded in; AVG and STATS the count and the total;
 * HIST and LHIST one counter per bucket.
 */
public final class MapStore {
    private static final int STR = Limits.MAX_STRING;
    private static final int FIRST_ENTRIES = 16;

    private final MapDecl decl;
    private final int capacity;
    private final int width;
    private final boolean stringValue;
    /** For key component i: its index among the integer components, or among the string components. */
    private final int[] componentIndex;
    private final boolean[] componentIsString;
    private final int intKeys;
    private final int strKeys;

    private final long[] probeInts;
    private final byte[] probeStrs;
    private final int[] probeStrLens;

    private int size;
    private int allocated;
    private int[] hashes;
    private long[] keyInts;
    private byte[] keyStrs;
    private int[] keyStrLens;
    private long[] values;
    private byte[] strValues;
    private int[] strValueLens;
    /** Open-addressing index: entry + 1, or 0 for an empty bucket. */
    private int[] index;
    private long dropped;
    private final StackTable stacks;

    /** A map whose stack keys and values (if any) print as addresses. */
    public MapStore(MapDecl decl) {
        this(decl, new StackTable(CodeSymbols.NONE));
    }

    /** A map whose stack keys and values are entries of {@code stacks}. */
    public MapStore(MapDecl decl, StackTable stacks) {
        this.decl = decl;
        this.stacks = stacks;
        this.capacity = Math.max(1, decl.capacity());
        this.width = widthOf(decl);
        this.stringValue = decl.kind() == MapKind.SCALAR && decl.valueType() == ValueType.STR;
        int n = decl.keyTypes().size();
        componentIndex = new int[n];
        componentIsString = new boolean[n];
        int ints = 0;
        int strs = 0;
        for (int i = 0; i < n; i++) {
            componentIsString[i] = decl.keyTypes().get(i) == ValueType.STR;
            componentIndex[i] = componentIsString[i] ? strs++ : ints++;
        }
        intKeys = ints;
        strKeys = strs;
        probeInts = new long[ints];
        probeStrs = new byte[strs * STR];
        probeStrLens = new int[strs];
        allocate(Math.min(capacity, FIRST_ENTRIES));
    }

    private static int widthOf(MapDecl decl) {
        return switch (decl.kind()) {
            case SCALAR, COUNT, SUM -> 1;
            case MIN, MAX, AVG, STATS -> 2;
            case HIST -> Histogram.log2Buckets();
            case LHIST -> Histogram.linearBuckets(decl.lhistMin(), decl.lhistMax(), decl.lhistStep());
        };
    }

    public MapDecl decl() {
        return decl;
    }

    /** The table the map's stack keys and values are ids of. */
    public StackTable stacks() {
        return stacks;
    }

    /** Whether key component {@code component} is a stack (an integer id in {@link #stacks()}). */
    public boolean keyIsStack(int component) {
        return decl.keyTypes().get(component) == ValueType.STACK;
    }

    /** Value counters per entry. */
    public int width() {
        return width;
    }

    public int size() {
        return size;
    }

    /** Updates dropped because a new key did not fit in the capacity. */
    public long droppedUpdates() {
        return dropped;
    }

    // ---- probe key

    /** Sets integer key component {@code component} of the key the next lookup uses. */
    public void keyInt(int component, long value) {
        probeInts[componentIndex[component]] = value;
    }

    /** Sets string key component {@code component} to the first {@code length} bytes of {@code bytes}. */
    public void keyString(int component, byte[] bytes, int length) {
        int s = componentIndex[component];
        int n = Math.min(length, STR);
        System.arraycopy(bytes, 0, probeStrs, s * STR, n);
        probeStrLens[s] = n;
    }

    /** The entry holding the probe key, or -1. */
    public int find() {
        return index[probeBucket(probeHash())] - 1;
    }

    /** The bucket holding the probe key (whose hash is {@code h}), or the empty bucket where it would go. */
    private int probeBucket(int h) {
        int mask = index.length - 1;
        int b = h & mask;
        for (; index[b] != 0; b = (b + 1) & mask) {
            int e = index[b] - 1;
            if (hashes[e] == h && probeEquals(e)) {
                return b;
            }
        }
        return b;
    }

    /**
     * The entry holding the probe key, inserting it with a zero value when absent; -1 when the key is
     * new and the map is full (the update is then counted as dropped).
     */
    public int findOrInsert() {
        int h = probeHash();
        int b = probeBucket(h);
        if (index[b] != 0) {
            return index[b] - 1;
        }
        if (size == capacity) {
            dropped++;
            return -1;
        }
        if (size == allocated) {
            allocate(Math.min(capacity, allocated * 2));
            return findOrInsert();
        }
        int e = size++;
        hashes[e] = h;
        System.arraycopy(probeInts, 0, keyInts, e * intKeys, intKeys);
        System.arraycopy(probeStrs, 0, keyStrs, e * strKeys * STR, strKeys * STR);
        System.arraycopy(probeStrLens, 0, keyStrLens, e * strKeys, strKeys);
        index[b] = e + 1;
        return e;
    }

    /** Removes the entry holding the probe key, if any. */
    public void remove() {
        int b = probeBucket(probeHash());
        if (index[b] != 0) {
            removeAt(b);
        }
    }

    private void removeAt(int bucket) {
        int e = index[bucket] - 1;
        unlink(bucket);
        int last = size - 1;
        if (e != last) {
            int lb = bucketOf(last);
            index[lb] = e + 1;
            moveEntry(last, e);
        }
        size--;
        Arrays.fill(values, last * width, last * width + width, 0);
        if (stringValue) {
            strValueLens[last] = 0;
        }
    }

    /** Empties bucket {@code hole} and shifts later entries of its probe run back (no tombstones). */
    private void unlink(int hole) {
        int mask = index.length - 1;
        index[hole] = 0;
        int b = (hole + 1) & mask;
        while (index[b] != 0) {
            int home = hashes[index[b] - 1] & mask;
            boolean movable = hole <= b ? home <= hole || home > b : home <= hole && home > b;
            if (movable) {
                index[hole] = index[b];
                index[b] = 0;
                hole = b;
            }
            b = (b + 1) & mask;
        }
    }

    private int bucketOf(int entry) {
        int mask = index.length - 1;
        int b = hashes[entry] & mask;
        while (index[b] != entry + 1) {
            b = (b + 1) & mask;
        }
        return b;
    }

    private void moveEntry(int from, int to) {
        hashes[to] = hashes[from];
        System.arraycopy(keyInts, from * intKeys, keyInts, to * intKeys, intKeys);
        System.arraycopy(keyStrs, from * strKeys * STR, keyStrs, to * strKeys * STR, strKeys * STR);
        System.arraycopy(keyStrLens, from * strKeys, keyStrLens, to * strKeys, strKeys);
        System.arraycopy(values, from * width, values, to * width, width);
        if (stringValue) {
            System.arraycopy(strValues, from * STR, strValues, to * STR, STR);
            strValueLens[to] = strValueLens[from];
        }
    }

    private int probeHash() {
        long h = 0x9E3779B97F4A7C15L;
        for (int i = 0; i < intKeys; i++) {
            h = (h ^ probeInts[i]) * 0xBF58476D1CE4E5B9L;
            h ^= h >>> 31;
        }
        for (int s = 0; s < strKeys; s++) {
            int base = s * STR;
            int len = probeStrLens[s];
            for (int i = 0; i < len; i++) {
                h = (h ^ probeStrs[base + i]) * 0x100000001B3L;
            }
            h = (h ^ len) * 0x94D049BB133111EBL;
            h ^= h >>> 29;
        }
        h ^= h >>> 32;
        return (int) h;
    }

    private boolean probeEquals(int e) {
        for (int i = 0; i < intKeys; i++) {
            if (keyInts[e * intKeys + i] != probeInts[i]) {
                return false;
            }
        }
        for (int s = 0; s < strKeys; s++) {
            int len = probeStrLens[s];
            if (keyStrLens[e * strKeys + s] != len) {
                return false;
            }
            int base = (e * strKeys + s) * STR;
            if (!Arrays.equals(keyStrs, base, base + len, probeStrs, s * STR, s * STR + len)) {
                return false;
            }
        }
        return true;
    }

    private void allocate(int entries) {
        allocated = entries;
        hashes = hashes == null ? new int[entries] : Arrays.copyOf(hashes, entries);
        keyInts = keyInts == null ? new long[entries * intKeys] : Arrays.copyOf(keyInts, entries * intKeys);
        keyStrs = keyStrs == null ? new byte[entries * strKeys * STR] : Arrays.copyOf(keyStrs, entries * strKeys * STR);
        keyStrLens = keyStrLens == null ? new int[entries * strKeys] : Arrays.copyOf(keyStrLens, entries * strKeys);
        values = values == null ? new long[entries * width] : Arrays.copyOf(values, entries * width);
        if (stringValue) {
            strValues = strValues == null ? new byte[entries * STR] : Arrays.copyOf(strValues, entries * STR);
            strValueLens = strValueLens == null ? new int[entries] : Arrays.copyOf(strValueLens, entries);
        }
        index = new int[Integer.highestOneBit(Math.max(2, entries) * 2 - 1) * 2];
        for (int e = 0; e < size; e++) {
            int mask = index.length - 1;
            int b = hashes[e] & mask;
            while (index[b] != 0) {
                b = (b + 1) & mask;
            }
            index[b] = e + 1;
        }
    }

    // ---- values

    /** The integer MAP_GET reads: the scalar, the count, sum, min or max, or the integer average. */
    public long readInt(int entry) {
        int at = entry * width;
        return switch (decl.kind()) {
            case AVG, STATS -> values[at] == 0 ? 0 : values[at + 1] / values[at];
            default -> values[at];
        };
    }

    /** Copies the string value of a SCALAR STR entry into {@code dst}; returns its length. */
    public int readString(int entry, byte[] dst) {
        int n = strValueLens[entry];
        System.arraycopy(strValues, entry * STR, dst, 0, n);
        return n;
    }

    public void setInt(int entry, long value) {
        values[entry * width] = value;
    }

    public void setString(int entry, byte[] src, int length) {
        int n = Math.min(length, STR);
        System.arraycopy(src, 0, strValues, entry * STR, n);
        strValueLens[entry] = n;
    }

    /**
     * Adds {@code n} to the count at the probe key of a COUNT map, as {@code n} count() updates would: for
     * firings the kernel counted instead of sampling. A new key that does not fit is dropped and counted once.
     */
    public void addCount(long n) {
        if (decl.kind() != MapKind.COUNT || n < 0) {
            throw new IllegalArgumentException("addCount needs a count map and n >= 0, not a " + decl.kind() + " map and " + n);
        }
        int e = findOrInsert();
        if (e >= 0) {
            values[e * width] += n;
        }
    }

    /** Folds {@code value} into the aggregation of {@code entry}. */
    public void fold(int entry, long value) {
        int at = entry * width;
        switch (decl.kind()) {
            case COUNT -> values[at]++;
            case SUM -> values[at] += value;
            case AVG, STATS -> {
                values[at]++;
                values[at + 1] += value;
            }
            case MIN -> {
                if (values[at + 1] == 0 || value < values[at]) {
                    values[at] = value;
                    values[at + 1] = 1;
                }
            }
            case MAX -> {
                if (values[at + 1] == 0 || value > values[at]) {
                    values[at] = value;
                    values[at + 1] = 1;
                }
            }
            case HIST -> values[at + Histogram.log2Bucket(value)]++;
            case LHIST -> values[at + Histogram.linearBucket(value, decl.lhistMin(), decl.lhistMax(), decl.lhistStep())]++;
            default -> throw new IllegalStateException("fold on a " + decl.kind() + " map; the verifier admits MAP_AGG on aggregations only");
        }
    }

    /**
     * Folds every entry of {@code part} (an aggregation map of the same declaration, holding the updates a worker made
     * since it was last absorbed) into this map, as if its updates had been made here, then clears {@code part}. A key
     * that does not fit drops its updates, counted here (one for a sum, min or max, whose updates are not told
     * apart); so are those {@code part} dropped itself.
     */
    public void absorb(MapStore part) {
        if (part.decl != decl && !part.decl.equals(decl)) {
            throw new IllegalArgumentException("absorb needs a part of the same map, not " + part.decl.name());
        }
        dropped += part.dropped;
        part.dropped = 0;
        for (int pe = 0; pe < part.size; pe++) {
            System.arraycopy(part.keyInts, pe * intKeys, probeInts, 0, intKeys);
            System.arraycopy(part.keyStrs, pe * strKeys * STR, probeStrs, 0, strKeys * STR);
            System.arraycopy(part.keyStrLens, pe * strKeys, probeStrLens, 0, strKeys);
            int e = findOrInsert();
            int from = pe * width;
            if (e < 0) {
                dropped += updatesIn(part, from) - 1;
                continue;
            }
            int at = e * width;
            switch (decl.kind()) {
                case MIN, MAX -> {
                    long value = part.values[from];
                    if (part.values[from + 1] != 0 && (values[at + 1] == 0
                            || (decl.kind() == MapKind.MIN ? value < values[at] : value > values[at]))) {
                        values[at] = value;
                        values[at + 1] = 1;
                    }
                }
                case SCALAR -> throw new IllegalStateException("absorb on a scalar map; only aggregations have parts");
                default -> {
                    for (int i = 0; i < width; i++) {
                        values[at + i] += part.values[from + i];
                    }
                }
            }
        }
        part.clear();
    }

    /** How many updates the counters of {@code part} from {@code from} hold: at least 1 where the kind does not tell. */
    private long updatesIn(MapStore part, int from) {
        long n = switch (decl.kind()) {
            case COUNT, AVG, STATS -> part.values[from];
            case HIST, LHIST -> {
                long sum = 0;
                for (int i = 0; i < width; i++) {
                    sum += part.values[from + i];
                }
                yield sum;
            }
            default -> 1;
        };
        return Math.max(1, n);
    }

    /** Raw value counter {@code i} of {@code entry} (see the class comment for the layout by kind). */
    public long counter(int entry, int i) {
        return values[entry * width + i];
    }

    /** Removes every entry. */
    public void clear() {
        Arrays.fill(index, 0);
        Arrays.fill(values, 0, size * width, 0);
        if (stringValue) {
            Arrays.fill(strValueLens, 0, size, 0);
        }
        size = 0;
    }

    /** Sets every value to its zero (0, "" or empty aggregation), keeping the keys. */
    public void zero() {
        Arrays.fill(values, 0, size * width, 0);
        if (stringValue) {
            Arrays.fill(strValueLens, 0, size, 0);
        }
    }

    /** Keeps only the {@code top} largest entries in the order maps are printed. */
    public void truncate(int top) {
        if (size <= top) {
            return;
        }
        int[] order = MapPrinter.sortedEntries(this);
        boolean[] keep = new boolean[size];
        for (int i = order.length - top; i < order.length; i++) {
            keep[order[i]] = true;
        }
        for (int e = size - 1; e >= 0; e--) {
            if (!keep[e]) {
                removeAt(bucketOf(e));
            }
        }
    }

    // ---- read-only views

    public int keyCount() {
        return componentIsString.length;
    }

    public boolean keyIsString(int component) {
        return componentIsString[component];
    }

    public long keyIntAt(int entry, int component) {
        return keyInts[entry * intKeys + componentIndex[component]];
    }

    /** String key component as text (UTF-8, invalid bytes replaced). */
    public String keyStringAt(int entry, int component) {
        int s = entry * strKeys + componentIndex[component];
        return new String(keyStrs, s * STR, keyStrLens[s], StandardCharsets.UTF_8);
    }

    /** Compares string key component {@code component} of two entries as C's strncmp does. */
    int compareKeyStrings(int a, int b, int component) {
        int sa = a * strKeys + componentIndex[component];
        int sb = b * strKeys + componentIndex[component];
        return Arrays.compareUnsigned(keyStrs, sa * STR, sa * STR + keyStrLens[sa], keyStrs, sb * STR, sb * STR + keyStrLens[sb]);
    }

    /** The bytes of string key component {@code component} of {@code entry}, as stored. */
    public byte[] keyBytesAt(int entry, int component) {
        int s = entry * strKeys + componentIndex[component];
        return Arrays.copyOfRange(keyStrs, s * STR, s * STR + keyStrLens[s]);
    }

    /** The bytes of the string value of a SCALAR STR entry, as stored. */
    public byte[] stringValueBytesAt(int entry) {
        return Arrays.copyOfRange(strValues, entry * STR, entry * STR + strValueLens[entry]);
    }

    public String stringValueAt(int entry) {
        return new String(strValues, entry * STR, strValueLens[entry], StandardCharsets.UTF_8);
    }

    /** A snapshot of every entry, in no particular order. */
    public List<MapEntry> entries() {
        List<MapEntry> out = new ArrayList<>(size);
        for (int e = 0; e < size; e++) {
            List<Object> key = new ArrayList<>(keyCount());
            for (int c = 0; c < keyCount(); c++) {
                key.add(componentIsString[c] ? keyStringAt(e, c) : (Object) keyIntAt(e, c));
            }
            out.add(new MapEntry(key, valueAt(e)));
        }
        return out;
    }

    private Object valueAt(int e) {
        return switch (decl.kind()) {
            case SCALAR -> stringValue ? stringValueAt(e) : (Object) values[e * width];
            case COUNT, SUM, MIN, MAX -> values[e * width];
            case AVG, STATS, HIST, LHIST -> {
                List<Long> counters = new ArrayList<>(width);
                for (int i = 0; i < width; i++) {
                    counters.add(values[e * width + i]);
                }
                yield List.copyOf(counters);
            }
        };
    }
}
