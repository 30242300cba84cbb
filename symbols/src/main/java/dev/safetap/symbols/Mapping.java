package dev.safetap.symbols;

import java.util.Objects;
import java.util.Optional;

/**
 * One mapping of a process's address space, as a line of /proc/PID/maps describes it
 * ({@code 55a3defc7000-55a3defc9000 r-xp 00001000 fd:01 1234567  /usr/bin/cat}) or a perf MMAP2 record announces it.
 *
 * @param start       the first address, page aligned
 * @param end         the address after the last, exclusive
 * @param permissions four characters as in maps: {@code r}/{@code -}, {@code w}/{@code -}, {@code x}/{@code -},
 *                    then {@code p} (private) or {@code s} (shared)
 * @param offset      the offset in the file of the byte mapped at {@code start} (the page offset times the page size)
 * @param deviceMajor the major number of the file's device (0 for an anonymous mapping)
 * @param deviceMinor the minor number of the file's device
 * @param inode       the file's inode (0 for an anonymous mapping)
 * @param path        the file's path, a name such as {@code [heap]}, {@code [vdso]} or {@code [anon:name]}, or "" for
 *                    anonymous memory; without the {@code (deleted)} suffix
 * @param deleted     whether the file was deleted (or replaced) after it was mapped: maps says {@code (deleted)}
 */
public record Mapping(long start, long end, String permissions, long offset, int deviceMajor, int deviceMinor,
        long inode, String path, boolean deleted) {
    private static final String DELETED = " (deleted)";
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int PROT_EXEC = 4;
    private static final int MAP_SHARED = 1;

    /** Checks that the texts are there and the permissions have the four characters of maps. */
    public Mapping {
        Objects.requireNonNull(path, "path");
        if (permissions.length() != 4) {
            throw new IllegalArgumentException("permissions '" + permissions + "' are not four characters as in maps");
        }
    }

    /**
     * The mapping a line of /proc/PID/maps describes; empty for a line that is not one. The path is everything
     * after the inode and the spaces that align it, so it may contain spaces (trailing ones too); the kernel writes a newline in a
     * path as {@code \012}, which is turned back into one.
     */
    public static Optional<Mapping> parse(String line) {
        String text = line.endsWith("\n") ? line.substring(0, line.length() - 1) : line;
        String[] fields = text.stripLeading().split(" +", 6);
        if (fields.length < 5) {
            return Optional.empty();
        }
        int dash = fields[0].indexOf('-');
        int colon = fields[3].indexOf(':');
        String permissions = fields[1];
        if (dash < 0 || colon < 0 || !permissions.matches("[r-][w-][x-][ps]")) {
            return Optional.empty();
        }
        try {
            long start = Long.parseUnsignedLong(fields[0].substring(0, dash), 16);
            long end = Long.parseUnsignedLong(fields[0].substring(dash + 1), 16);
            long offset = Long.parseUnsignedLong(fields[2], 16);
            int major = Integer.parseInt(fields[3].substring(0, colon), 16);
            int minor = Integer.parseInt(fields[3].substring(colon + 1), 16);
            long inode = Long.parseUnsignedLong(fields[4]);
            if (Long.compareUnsigned(start, end) >= 0 || major < 0 || minor < 0) {
                return Optional.empty();
            }
            String path = fields.length == 6 ? fields[5].replace("\\012", "\n") : "";
            boolean deleted = path.endsWith(DELETED);
            if (deleted) {
                path = path.substring(0, path.length() - DELETED.length());
            }
            return Optional.of(new Mapping(start, end, permissions, offset, major, minor, inode, path, deleted));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * The mapping a perf MMAP2 record announces: {@code addr}, {@code len}, {@code pgoff} (a byte offset, despite
     * its name), the device and inode, {@code prot} (PROT_READ 1, PROT_WRITE 2, PROT_EXEC 4), {@code flags}
     * (MAP_SHARED 1, else private) and the file name ({@code //anon} for anonymous executable memory).
     */
    public static Mapping fromMmap2(long address, long length, long pageOffset, int deviceMajor, int deviceMinor,
            long inode, int prot, int flags, String filename) {
        String permissions = "" + ((prot & PROT_READ) != 0 ? 'r' : '-') + ((prot & PROT_WRITE) != 0 ? 'w' : '-')
                + ((prot & PROT_EXEC) != 0 ? 'x' : '-') + ((flags & MAP_SHARED) != 0 ? 's' : 'p');
        boolean deleted = filename.endsWith(DELETED);
        String path = deleted ? filename.substring(0, filename.length() - DELETED.length()) : filename;
        return new Mapping(address, address + length, permissions, pageOffset, deviceMajor, deviceMinor, inode, path,
                deleted);
    }

    /** Whether {@code address} lies in {@code [start, end)}. */
    public boolean contains(long address) {
        return Long.compareUnsigned(address, start) >= 0 && Long.compareUnsigned(address, end) < 0;
    }

    /** The offset in the mapped file of the byte at {@code address}. */
    public long fileOffset(long address) {
        return address - start + offset;
    }

    /** Whether the mapping may execute code. */
    public boolean executable() {
        return permissions.charAt(2) == 'x';
    }

    /**
     * Whether a file backs the mapping: its path is absolute ({@code //anon}, which perf writes for anonymous
     * memory, is not; a {@code memfd:} file is).
     */
    public boolean fileBacked() {
        return path.startsWith("/") && !path.equals("//anon");
    }

    /** Whether this is the kernel's vDSO, whose code no file on disk holds. */
    public boolean vdso() {
        return path.equals("[vdso]");
    }

    /** This mapping cut to {@code [from, to)}, a part of it; the offset moves with the start. */
    Mapping slice(long from, long to) {
        return new Mapping(from, to, permissions, offset + (from - start), deviceMajor, deviceMinor, inode, path, deleted);
    }
}
