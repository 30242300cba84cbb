package dev.safetap.symbols;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The functions of one ELF symbol table ({@code .symtab} or {@code .dynsym}: STT_FUNC and STT_GNU_IFUNC symbols
 * that are defined), sorted by ELF virtual address.
 *
 * <p>Where a function ends. A symbol with a size covers {@code [value, value + size)}. A symbol without one
 * (hand-written assembly often has none) covers up to the next symbol's start, and never past the end of its
 * section; with neither, it names its own address only. Of several symbols at one address, the name is chosen
 * as {@link AddressOrder} says and the largest size is kept. An address is resolved against the nearest symbol
 * at or below it only: nested functions are not searched for (glibc's .dynsym has no overlapping symbols).
 *
 * <p>Names are kept as the table's string bytes and decoded at lookup, so a table costs its string table plus
 * 32 bytes a function. At most {@link #MAX_SYMBOLS} functions are kept. Instances are immutable.
 */
public final class ElfSymbols {
    /** The most functions kept of one table (80 MiB of addresses and name offsets). */
    public static final int MAX_SYMBOLS = 1 << 22;
    /** The longest name decoded, in bytes; longer names are cut there. */
    static final int MAX_NAME = 1 << 16;

    private static final ElfSymbols EMPTY = new ElfSymbols(new long[0], new long[0], new int[0], new byte[0], "",
            new long[0], new int[0]);

    private final long[] starts;
    private final long[] ends;
    private final int[] nameOffsets;
    private final byte[] strings;
    private final String source;
    /** Every function as the table lists it, aliases included: its value and its name's offset. */
    private final long[] allValues;
    private final int[] allNames;

    private ElfSymbols(long[] starts, long[] ends, int[] nameOffsets, byte[] strings, String source, long[] allValues,
            int[] allNames) {
        this.starts = starts;
        this.ends = ends;
        this.nameOffsets = nameOffsets;
        this.strings = strings;
        this.source = source;
        this.allValues = allValues;
        this.allNames = allNames;
    }

    /** A table without symbols. */
    public static ElfSymbols empty() {
        return EMPTY;
    }

    /**
     * The function containing the ELF virtual address {@code address}, with the offset into it, labelled with
     * the file it came from; empty when no function of this table contains it.
     */
    public Optional<Symbol> lookup(long address) {
        int i = AddressOrder.floor(starts, starts.length, address);
        if (i < 0 || Long.compareUnsigned(address, ends[i]) >= 0) {
            return Optional.empty();
        }
        return Optional.of(new Symbol(name(nameOffsets[i]), address - starts[i], source));
    }

    /**
     * Every function of the table by name, aliases included ({@code getppid} and {@code __getppid} alike), with its
     * ELF virtual address; of several functions of one name (static functions of several files), the first listed.
     */
    public Map<String, Long> functionsByName() {
        Map<String, Long> byName = new TreeMap<>();
        for (int i = 0; i < allValues.length; i++) {
            byName.putIfAbsent(name(allNames[i]), allValues[i]);
        }
        return byName;
    }

    /** The number of distinct addresses where a function starts. */
    public int size() {
        return starts.length;
    }

    /** Roughly how many bytes of heap this table holds. */
    public long retainedBytes() {
        return strings.length + 20L * starts.length + 12L * allValues.length;
    }

    private String name(int offset) {
        int end = offset;
        int limit = (int) Math.min(strings.length, (long) offset + MAX_NAME);
        while (end < limit && strings[end] != 0) {
            end++;
        }
        return new String(strings, offset, end - offset, StandardCharsets.UTF_8);
    }

    /** The functions of a table as its entries are read, in table order; then sorted by {@link #build}. */
    static final class Builder {
        private long[] values = new long[256];
        private long[] sizes = new long[256];
        private long[] sectionEnds = new long[256];
        private int[] nameOffsets = new int[256];
        private long[] preferences = new long[256];
        private int count;
        private final byte[] strings;

        /** Functions whose names are offsets into {@code strings}, the table's string table. */
        Builder(byte[] strings) {
            this.strings = strings;
        }

        /** Whether {@link #MAX_SYMBOLS} functions have been added. */
        boolean full() {
            return count == MAX_SYMBOLS;
        }

        /**
         * Adds a function at {@code value} of {@code size} bytes (0: unknown) whose name starts at
         * {@code nameOffset} of the string table, in a section ending at {@code sectionEnd} (0: unknown).
         * Ignored when full or when the name lies outside the string table.
         */
        void add(long value, long size, int nameOffset, int binding, long sectionEnd) {
            if (full() || nameOffset < 0 || nameOffset >= strings.length) {
                return;
            }
            if (count == values.length) {
                int grown = Math.min(count * 2, MAX_SYMBOLS);
                values = Arrays.copyOf(values, grown);
                sizes = Arrays.copyOf(sizes, grown);
                sectionEnds = Arrays.copyOf(sectionEnds, grown);
                nameOffsets = Arrays.copyOf(nameOffsets, grown);
                preferences = Arrays.copyOf(preferences, grown);
            }
            values[count] = value;
            sizes[count] = size;
            sectionEnds[count] = sectionEnd;
            nameOffsets[count] = nameOffset;
            preferences[count] = preference(nameOffset, binding);
            count++;
        }

        private long preference(int nameOffset, int binding) {
            int underscores = 0;
            int end = nameOffset;
            int limit = (int) Math.min(strings.length, (long) nameOffset + MAX_NAME);
            while (end < limit && strings[end] != 0) {
                if (strings[end] == '_' && underscores == end - nameOffset) {
                    underscores++;
                }
                end++;
            }
            return AddressOrder.preference(underscores, binding, end - nameOffset);
        }

        /** The sorted table, its symbols labelled with {@code source}. */
        ElfSymbols build(String source) {
            if (count == 0) {
                return new ElfSymbols(new long[0], new long[0], new int[0], new byte[0], source, new long[0], new int[0]);
            }
            int[] order = AddressOrder.ascending(values, count);
            int distinct = 0;
            for (int k = 0; k < count; k++) {
                if (k == 0 || values[order[k]] != values[order[k - 1]]) {
                    distinct++;
                }
            }
            long[] starts = new long[distinct];
            long[] groupSizes = new long[distinct];
            long[] groupSectionEnds = new long[distinct];
            int[] names = new int[distinct];
            long[] best = new long[distinct];
            int entry = -1;
            for (int k = 0; k < count; k++) {
                int i = order[k];
                if (k == 0 || values[i] != values[order[k - 1]]) {
                    entry++;
                    starts[entry] = values[i];
                    names[entry] = nameOffsets[i];
                    best[entry] = preferences[i];
                } else if (preferences[i] < best[entry]) {
                    names[entry] = nameOffsets[i];
                    best[entry] = preferences[i];
                }
                if (Long.compareUnsigned(sizes[i], groupSizes[entry]) > 0) {
                    groupSizes[entry] = sizes[i];
                }
                if (sectionEnds[i] != 0) {
                    groupSectionEnds[entry] = sectionEnds[i];
                }
            }
            long[] ends = new long[distinct];
            for (int e = 0; e < distinct; e++) {
                ends[e] = end(starts[e], groupSizes[e], groupSectionEnds[e], e + 1 < distinct ? starts[e + 1] : 0);
            }
            return new ElfSymbols(starts, ends, names, strings, source, Arrays.copyOf(values, count),
                    Arrays.copyOf(nameOffsets, count));
        }

        /** Where a symbol at {@code start} ends (exclusive); {@code next} and {@code sectionEnd} are 0 when unknown. */
        private static long end(long start, long size, long sectionEnd, long next) {
            if (size != 0) {
                long end = start + size;
                return Long.compareUnsigned(end, start) < 0 ? -1L : end;
            }
            long end = start + 1;
            if (next != 0) {
                end = next;
            }
            if (sectionEnd != 0 && Long.compareUnsigned(sectionEnd, start) > 0
                    && (next == 0 || Long.compareUnsigned(sectionEnd, end) < 0)) {
                end = sectionEnd;
            }
            return end;
        }
    }
}
