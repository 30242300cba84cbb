package dev.safetap.kernel;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The executable file mappings processes made while a session ran, from the kernel's {@code PERF_RECORD_MMAP2}
 * records, applied in time order by the merge: what names a user address of a process after it has exited, or after
 * it mapped another file at that address. A process's mappings are kept in the order they were made (a later one
 * covers what it overlaps) and outlive the process. Holds at most {@value #MOST_MAPPINGS} mappings; beyond that new
 * ones are dropped and counted ({@link #dropped()}).
 *
 * <p>Safe for several threads: the merging thread adds, printing threads read.
 */
public final class ProcessMappings {
    /** Most mappings kept for all processes together. */
    static final int MOST_MAPPINGS = 1 << 18;
    /** Longest file name kept, in bytes (the kernel's PATH_MAX). */
    private static final int MOST_NAME = 4096;

    /** MMAP2: header, u32 pid, u32 tid, u64 addr, len, pgoff, u32 maj, min, u64 ino, ino_generation, u32 prot, flags, filename. */
    private static final int PID = 8;
    private static final int ADDRESS = 16;
    private static final int LENGTH = 24;
    private static final int PAGE_OFFSET = 32;
    private static final int MAJOR = 40;
    private static final int MINOR = 44;
    private static final int INODE = 48;
    private static final int PROT = 64;
    private static final int FLAGS = 68;
    private static final int FILENAME = 72;
    /** header.misc bit: the record carries a build id where the device and inode would be. */
    private static final int MISC_BUILD_ID = 1 << 14;

    /**
     * One mapping of a file into a process.
     *
     * @param start      first address
     * @param length     bytes mapped
     * @param pageOffset offset in the file of the first address
     * @param major      device major number of the file (0 when the record carried a build id instead)
     * @param minor      device minor number
     * @param inode      inode of the file
     * @param prot       PROT_* bits of the mapping
     * @param flags      MAP_* bits of the mapping
     * @param file       the file's path as the kernel gave it ({@code //anon}, {@code [vdso]} for special mappings)
     * @param time       when it was made, CLOCK_MONOTONIC nanoseconds
     */
    public record Mapping(long start, long length, long pageOffset, int major, int minor, long inode, int prot, int flags,
                          String file, long time) {
    }

    private final Map<Integer, List<Mapping>> byProcess = new HashMap<>();
    private final Map<String, String> names = new HashMap<>();
    private int count;
    private long dropped;

    /** Adds the mapping of an MMAP2 record of {@code size} bytes at {@code offset}, whose sample_id trailer is {@code trailer} bytes. */
    void addRecord(ByteBuffer record, int offset, int size, int trailer, long time) {
        int misc = record.getShort(offset + 4) & 0xffff;
        boolean buildId = (misc & MISC_BUILD_ID) != 0;
        int nameEnd = Math.min(offset + size - trailer, offset + FILENAME + MOST_NAME);
        int n = 0;
        while (offset + FILENAME + n < nameEnd && record.get(offset + FILENAME + n) != 0) {
            n++;
        }
        byte[] bytes = new byte[n];
        record.get(offset + FILENAME, bytes);
        add(record.getInt(offset + PID), new Mapping(record.getLong(offset + ADDRESS), record.getLong(offset + LENGTH),
                record.getLong(offset + PAGE_OFFSET), buildId ? 0 : record.getInt(offset + MAJOR),
                buildId ? 0 : record.getInt(offset + MINOR), buildId ? 0 : record.getLong(offset + INODE),
                record.getInt(offset + PROT), record.getInt(offset + FLAGS), new String(bytes, StandardCharsets.UTF_8), time));
    }

    /** Adds a mapping of process {@code pid}. */
    synchronized void add(int pid, Mapping mapping) {
        if (count >= MOST_MAPPINGS) {
            dropped++;
            return;
        }
        String file = names.computeIfAbsent(mapping.file(), f -> f);
        Mapping kept = file == mapping.file() ? mapping : new Mapping(mapping.start(), mapping.length(), mapping.pageOffset(),
                mapping.major(), mapping.minor(), mapping.inode(), mapping.prot(), mapping.flags(), file, mapping.time());
        byProcess.computeIfAbsent(pid, p -> new ArrayList<>()).add(kept);
        count++;
    }

    /** The mappings process {@code pid} made while the session ran, oldest first; empty when it made none. */
    public synchronized List<Mapping> of(int pid) {
        List<Mapping> list = byProcess.get(pid);
        return list == null ? List.of() : List.copyOf(list);
    }

    /** How many mappings were added so far, of every process: it changes exactly when some {@link #of} does. */
    public synchronized long added() {
        return count;
    }

    /** The mappings dropped because {@value #MOST_MAPPINGS} were held. */
    public synchronized long dropped() {
        return dropped;
    }
}
