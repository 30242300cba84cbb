package dev.safetap.symbols;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Names user-space addresses of a process: the mapping holding the address gives the file and the file offset
 * ({@code address - start + offset}), the binary's PT_LOAD segments turn that into an ELF virtual address, and
 * the binary's symbols (or its debug file's) name it. Addresses in anonymous memory, in a mapping of a file that
 * is not ELF (a memfd a JIT writes to) or in no known mapping are looked up in the process's perf map; the vDSO
 * is named from safetap's own copy of it ({@link VdsoImage}). Whatever cannot be named is empty, and the caller
 * prints the address ({@link Symbol#unknown}).
 *
 * <p>Which file is read. A process may map a file that has since been deleted or replaced, or that lives in
 * another mount namespace (a container). The first of these whose inode is the mapping's is read: the path
 * itself, {@code /proc/PID/root/PATH}; else {@code /proc/PID/map_files/START-END}, the mapped file itself while the
 * process lives; else the path whatever its inode (st_dev is not compared: overlayfs reports another device than
 * maps shows). So a process that has exited is still symbolized from the files left on disk.
 *
 * <p>Caches. Parsed binaries are kept by (path, device, inode, size, modification time), at most
 * {@link #MAX_IMAGES} of them and about {@link #MAX_IMAGE_BYTES} of heap, least recently used evicted first; the
 * image of each of the last {@link #MAX_MAPPINGS_REMEMBERED} mappings looked up is remembered, so that the files are
 * stat'ed once per mapping, not once per address (a mapping names one version of one file while it exists);
 * perf maps of at most {@link #MAX_PERF_MAPS} processes, read again when a lookup misses and the file has changed,
 * at most once per {@link #PERF_MAP_REREAD_NANOS} (a JIT appends to its map all the time; a million lines take
 * a tenth of a second to read).
 * Not thread-safe: the printing thread owns it.
 */
public final class UserSymbolizer {
    /** The most binaries kept parsed. */
    public static final int MAX_IMAGES = 256;
    /** The heap the kept binaries may hold together, roughly. */
    public static final long MAX_IMAGE_BYTES = 1L << 30;
    /** The most mappings whose image is remembered without a stat. */
    public static final int MAX_MAPPINGS_REMEMBERED = 4096;
    /** The most processes whose perf map is kept. */
    public static final int MAX_PERF_MAPS = 64;
    /** The least time between two reads of one perf map. */
    public static final long PERF_MAP_REREAD_NANOS = 1_000_000_000L;

    private final DebugFileDirectory debug;
    private final Path proc;
    private final Path perfMapDir;
    private final int maxImages;
    private final long maxImageBytes;
    private final LinkedHashMap<ImageKey, BinaryImage> images = new LinkedHashMap<>(16, 0.75f, true);
    private final LinkedHashMap<Mapping, BinaryImage> byMapping = new LinkedHashMap<>(16, 0.75f, true);
    private long imageBytes;
    private final LinkedHashMap<Integer, CachedPerfMap> perfMaps = new LinkedHashMap<>(16, 0.75f, true);
    /** The kernel's vDSO, read on first use ({@link VdsoImage}); null until then. */
    private Optional<BinaryImage> vdso;

    /** What identifies one version of one mapped file. */
    private record ImageKey(String path, int deviceMajor, int deviceMinor, long inode, long size, long modifiedNanos) {
    }

    /** A perf map as read, with the file's size and time then, and when it was read ({@link System#nanoTime}). */
    private record CachedPerfMap(PerfMap map, long size, FileTime modified, long readAt) {
    }

    /**
     * A symbolizer reading debug files from {@code debug}, processes from {@code proc} (laid out as /proc), and
     * perf maps {@code perf-PID.map} from {@code perfMapDir} (/tmp).
     */
    public UserSymbolizer(DebugFileDirectory debug, Path proc, Path perfMapDir) {
        this(debug, proc, perfMapDir, MAX_IMAGES, MAX_IMAGE_BYTES);
    }

    UserSymbolizer(DebugFileDirectory debug, Path proc, Path perfMapDir, int maxImages, long maxImageBytes) {
        this.debug = debug;
        this.proc = proc;
        this.perfMapDir = perfMapDir;
        this.maxImages = maxImages;
        this.maxImageBytes = maxImageBytes;
    }

    /** The symbolizer of this machine: /usr/lib/debug, /proc and /tmp. */
    public static UserSymbolizer system() {
        return new UserSymbolizer(DebugFileDirectory.system(), Path.of("/proc"), Path.of("/tmp"));
    }

    /**
     * The function at {@code address} in process {@code pid}, whose mappings are {@code space}, labelled with the
     * path the process mapped.
     */
    public Optional<Symbol> lookup(int pid, AddressSpace space, long address) {
        Optional<Mapping> found = space.find(address);
        if (found.isEmpty()) {
            return perfMap(pid, address);
        }
        Mapping mapping = found.get();
        if (!mapping.fileBacked() && !mapping.vdso()) {
            return perfMap(pid, address);
        }
        Optional<BinaryImage> image = image(pid, mapping);
        if (image.isEmpty() || image.get().elf().isEmpty()) {
            return perfMap(pid, address);
        }
        return image.get().lookupFileOffset(mapping.fileOffset(address))
                .map(s -> s.source().equals(mapping.path()) ? s : new Symbol(s.name(), s.offset(), mapping.path()));
    }

    /**
     * The binary {@code mapping} of process {@code pid} maps, read as the class comment says (from the cache when
     * it was read before; without symbols when no file could be read); empty when the mapping is not of a file
     * or its path is not one this file system can name.
     */
    public Optional<BinaryImage> image(int pid, Mapping mapping) {
        if (mapping.vdso()) {
            if (vdso == null) {
                vdso = VdsoImage.read(debug);
            }
            return vdso;
        }
        if (!mapping.fileBacked()) {
            return Optional.empty();
        }
        BinaryImage remembered = byMapping.get(mapping);
        if (remembered != null) {
            return Optional.of(remembered);
        }
        Path plain;
        try {
            plain = Path.of(mapping.path());
        } catch (InvalidPathException e) {
            return Optional.empty();
        }
        Optional<FileIdentity> opened = fileOf(pid, mapping, plain);
        Path file = opened.map(FileIdentity::file).orElse(plain);
        long size = opened.map(FileIdentity::size).orElse(-1L);
        long modified = opened.map(FileIdentity::modifiedNanos).orElse(-1L);
        ImageKey key = new ImageKey(mapping.path(), mapping.deviceMajor(), mapping.deviceMinor(), mapping.inode(), size,
                modified);
        BinaryImage image = images.get(key);
        if (image == null) {
            image = BinaryImage.read(file, debug);
            images.put(key, image);
            imageBytes += image.retainedBytes();
            evictImages();
        }
        byMapping.put(mapping, image);
        if (byMapping.size() > MAX_MAPPINGS_REMEMBERED) {
            Iterator<Mapping> eldest = byMapping.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
        return Optional.of(image);
    }

    /** How many binaries are kept parsed. */
    int cachedImages() {
        return images.size();
    }

    /** How many mappings have their image remembered (never one whose image was evicted). */
    int rememberedMappings() {
        return byMapping.size();
    }

    private void evictImages() {
        Iterator<Map.Entry<ImageKey, BinaryImage>> eldest = images.entrySet().iterator();
        while (images.size() > 1 && (images.size() > maxImages || imageBytes > maxImageBytes)) {
            BinaryImage evicted = eldest.next().getValue();
            imageBytes -= evicted.retainedBytes();
            eldest.remove();
            byMapping.values().removeIf(image -> image == evicted);
        }
    }

    /**
     * The file to read for {@code mapping}, in the order of the class comment: the path or the path under the
     * process's root if its inode is the mapping's, else the process's map_files entry, else the path.
     */
    private Optional<FileIdentity> fileOf(int pid, Mapping mapping, Path plain) {
        Path processDir = proc.resolve(Integer.toString(pid));
        Path inRoot = processDir.resolve("root").resolve(plain.getRoot().relativize(plain));
        for (Path candidate : List.of(plain, inRoot)) {
            Optional<FileIdentity> found = FileIdentity.of(candidate);
            if (found.isPresent() && (mapping.inode() == 0 || found.get().inode() == mapping.inode())) {
                return found;
            }
        }
        Path mapped = processDir.resolve("map_files")
                .resolve(Long.toHexString(mapping.start()) + "-" + Long.toHexString(mapping.end()));
        Optional<FileIdentity> found = FileIdentity.of(mapped);
        return found.isPresent() ? found : FileIdentity.of(plain);
    }

    /** A regular file with its inode, size and modification time, from one stat. */
    private record FileIdentity(Path file, long inode, long size, long modifiedNanos) {
        static Optional<FileIdentity> of(Path file) {
            try {
                Map<String, Object> stat = Files.readAttributes(file, "unix:ino,size,lastModifiedTime,isRegularFile");
                if (!Boolean.TRUE.equals(stat.get("isRegularFile"))) {
                    return Optional.empty();
                }
                return Optional.of(new FileIdentity(file, (Long) stat.get("ino"), (Long) stat.get("size"),
                        ((FileTime) stat.get("lastModifiedTime")).to(TimeUnit.NANOSECONDS)));
            } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
                return Optional.empty();
            }
        }
    }

    /** The function of the perf map of {@code pid} at {@code address}, the file read again as the class comment says. */
    private Optional<Symbol> perfMap(int pid, long address) {
        CachedPerfMap cached = perfMaps.get(pid);
        long now = System.nanoTime();
        if (cached != null) {
            Optional<Symbol> symbol = cached.map().lookup(address);
            if (symbol.isPresent() || now - cached.readAt() < PERF_MAP_REREAD_NANOS) {
                return symbol;
            }
        }
        Path file = perfMapDir.resolve("perf-" + pid + ".map");
        long size;
        FileTime modified;
        try {
            size = Files.size(file);
            modified = Files.getLastModifiedTime(file);
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
        if (cached != null && cached.size() == size && cached.modified().equals(modified)) {
            return Optional.empty();
        }
        CachedPerfMap read = new CachedPerfMap(PerfMap.read(file), size, modified, now);
        perfMaps.put(pid, read);
        if (perfMaps.size() > MAX_PERF_MAPS) {
            Iterator<Integer> eldest = perfMaps.keySet().iterator();
            eldest.next();
            eldest.remove();
        }
        return read.map().lookup(address);
    }
}
