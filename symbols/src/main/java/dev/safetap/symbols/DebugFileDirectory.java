package dev.safetap.symbols;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;

/**
 * Where separate debug files are found, in gdb's order (its "debug-file-directory", /usr/lib/debug unless told
 * otherwise): first by build id, {@code ROOT/.build-id/ab/cdef0123….debug}; then by the binary's
 * {@code .gnu_debuglink} name {@code NAME}, as {@code DIR/NAME}, {@code DIR/.debug/NAME} and {@code ROOT/DIR/NAME},
 * where {@code DIR} is the binary's directory.
 *
 * <p>A candidate is taken only if it is an ELF file with a {@code .symtab} and is the binary's: when both files
 * carry a build id the ids must be equal, otherwise the CRC-32 of the candidate must be the one the debug link
 * records (a candidate found by build id must carry that id). Instances are immutable.
 */
public final class DebugFileDirectory {
    /** The debug file directory of Debian's and Fedora's debug packages. */
    public static final Path SYSTEM = Path.of("/usr/lib/debug");
    /** The largest debug file whose CRC is computed; a larger one found only by debug link is not used. */
    static final long MAX_CRC_FILE = 1L << 30;

    private final Path root;

    /** Debug files under {@code root} (laid out as /usr/lib/debug), and next to the binaries. */
    public DebugFileDirectory(Path root) {
        this.root = root;
    }

    /** Debug files under {@link #SYSTEM}. */
    public static DebugFileDirectory system() {
        return new DebugFileDirectory(SYSTEM);
    }

    /** The debug file of {@code binary}: the first candidate, in the order above, that is the binary's. */
    public Optional<ElfFile> find(ElfFile binary) {
        Optional<String> buildId = binary.buildId();
        if (buildId.isPresent() && buildId.get().length() > 2) {
            Path byId = root.resolve(".build-id").resolve(buildId.get().substring(0, 2))
                    .resolve(buildId.get().substring(2) + ".debug");
            Optional<ElfFile> found = ElfFile.read(byId).filter(ElfFile::hasSymtab).filter(d -> d.buildId().equals(buildId));
            if (found.isPresent()) {
                return found;
            }
        }
        for (Path candidate : linkCandidates(binary)) {
            Optional<ElfFile> found = ElfFile.read(candidate).filter(ElfFile::hasSymtab).filter(d -> matches(binary, d));
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    /** The places {@code binary}'s debug link points to, in the order they are tried (none without a link). */
    List<Path> linkCandidates(ElfFile binary) {
        List<Path> candidates = new ArrayList<>();
        Optional<DebugLink> link = binary.debugLink();
        Path dir = binary.path().toAbsolutePath().normalize().getParent();
        if (link.isEmpty() || dir == null) {
            return candidates;
        }
        String name = link.get().fileName();
        Path self = binary.path().toAbsolutePath().normalize();
        for (Path candidate : List.of(dir.resolve(name), dir.resolve(".debug").resolve(name),
                root.resolve(dir.getRoot().relativize(dir)).resolve(name))) {
            if (!candidate.normalize().equals(self)) {
                candidates.add(candidate);
            }
        }
        return candidates;
    }

    private static boolean matches(ElfFile binary, ElfFile debug) {
        if (binary.buildId().isPresent() && debug.buildId().isPresent()) {
            return binary.buildId().equals(debug.buildId());
        }
        int expected = binary.debugLink().orElseThrow().crc();
        return crc(debug.path()) == Integer.toUnsignedLong(expected);
    }

    /** The CRC-32 of the whole file, or -1 when it cannot be read or is over {@link #MAX_CRC_FILE} bytes. */
    private static long crc(Path file) {
        CRC32 crc = new CRC32();
        byte[] buffer = new byte[1 << 16];
        long total = 0;
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buffer)) > 0) {
                total += n;
                if (total > MAX_CRC_FILE) {
                    return -1;
                }
                crc.update(buffer, 0, n);
            }
            return crc.getValue();
        } catch (IOException e) {
            return -1;
        }
    }
}
