package dev.safetap.symbols;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The mappings of one process as they become known: from /proc/PID/maps at start, then from each MMAP2 record.
 * A mapping added later replaces whatever earlier mappings it overlaps, as mmap(2) itself does: an earlier
 * mapping it covers is dropped, one it overlaps in part keeps the parts outside it (its file offset moved with
 * its start). Perf reports no munmap, so a range stays mapped until something replaces it.
 *
 * <p>At most {@link #MAX_MAPPINGS} mappings are held; a mapping added beyond that is refused and counted in
 * {@link #refused}. Not thread-safe: one thread adds and looks up, or the caller synchronizes (the symbolizer reads
 * it at print time, from the thread that prints).
 */
public final class AddressSpace {
    /** The most mappings held. */
    public static final int MAX_MAPPINGS = ProcessMaps.MAX_MAPPINGS;

    private final TreeMap<Long, Mapping> byStart = new TreeMap<>(Long::compareUnsigned);
    private long refused;
    /** The mappings by ascending start, for lookups that allocate nothing; null once an addition made them stale. */
    private Mapping[] sorted;

    /** An address space in which nothing is known to be mapped. */
    public AddressSpace() {
    }

    /** The address space holding {@code mappings}, added in order. */
    public static AddressSpace of(Collection<Mapping> mappings) {
        AddressSpace space = new AddressSpace();
        mappings.forEach(space::add);
        return space;
    }

    /** Adds {@code mapping}, replacing what it overlaps; an empty mapping changes nothing. */
    public void add(Mapping mapping) {
        if (Long.compareUnsigned(mapping.start(), mapping.end()) >= 0) {
            return;
        }
        if (byStart.size() + 2 > MAX_MAPPINGS) {
            refused++;
            return;
        }
        List<Mapping> overlapped = new ArrayList<>();
        Map.Entry<Long, Mapping> below = byStart.lowerEntry(mapping.start());
        if (below != null && Long.compareUnsigned(below.getValue().end(), mapping.start()) > 0) {
            overlapped.add(below.getValue());
        }
        overlapped.addAll(byStart.subMap(mapping.start(), true, mapping.end(), false).values());
        for (Mapping old : overlapped) {
            byStart.remove(old.start());
            if (Long.compareUnsigned(old.start(), mapping.start()) < 0) {
                byStart.put(old.start(), old.slice(old.start(), mapping.start()));
            }
            if (Long.compareUnsigned(old.end(), mapping.end()) > 0) {
                byStart.put(mapping.end(), old.slice(mapping.end(), old.end()));
            }
        }
        byStart.put(mapping.start(), mapping);
        sorted = null;
    }

    /** The mapping containing {@code address}. */
    public Optional<Mapping> find(long address) {
        return Optional.ofNullable(mappingAt(address));
    }

    /**
     * The mapping containing {@code address}, or null: a binary search that allocates nothing once the mappings
     * are sorted (after each addition, on the first lookup), so that an unwinder may ask for every frame of every
     * event.
     */
    public Mapping mappingAt(long address) {
        Mapping[] by = sorted;
        if (by == null) {
            by = byStart.values().toArray(new Mapping[0]);
            sorted = by;
        }
        int low = 0;
        int high = by.length - 1;
        while (low <= high) {
            int mid = (low + high) >>> 1;
            if (Long.compareUnsigned(by[mid].start(), address) <= 0) {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
        return high >= 0 && by[high].contains(address) ? by[high] : null;
    }

    /** The mappings held, by ascending start. */
    public List<Mapping> mappings() {
        return List.copyOf(byStart.values());
    }

    /** How many mappings were refused because {@link #MAX_MAPPINGS} were held. */
    public long refused() {
        return refused;
    }
}
