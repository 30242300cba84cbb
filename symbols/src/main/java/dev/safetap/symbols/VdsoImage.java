package dev.safetap.symbols;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The kernel's vDSO as a binary: the code of {@code clock_gettime}, {@code gettimeofday} and their kin that the
 * kernel maps into every process ({@code [vdso]} in its maps) and no file on disk holds. It is one image for all
 * 64-bit processes of a kernel, so it is read once from safetap's own mapping ({@code /proc/self/maps},
 * {@code /proc/self/mem}: the tracer's own memory, never a traced process's) into a file of the temporary directory,
 * removed at exit, and named and walked like any other binary: its symbols ({@code __vdso_clock_gettime}) and its
 * {@code .eh_frame}.
 */
final class VdsoImage {
    /** The vDSO is two pages on x86-64; anything much larger is not it. */
    private static final long MOST_BYTES = 1L << 20;

    private VdsoImage() {
    }

    /** The vDSO of this kernel as a binary; empty when this process has none or it cannot be read. */
    static Optional<BinaryImage> read(DebugFileDirectory debug) {
        try {
            Optional<Mapping> own = ProcessMaps.read(Path.of("/proc/self/maps")).stream().filter(Mapping::vdso).findFirst();
            if (own.isEmpty()) {
                return Optional.empty();
            }
            long size = own.get().end() - own.get().start();
            if (size <= 0 || size > MOST_BYTES) {
                return Optional.empty();
            }
            byte[] bytes = new byte[(int) size];
            try (RandomAccessFile memory = new RandomAccessFile("/proc/self/mem", "r")) {
                memory.seek(own.get().start());
                memory.readFully(bytes);
            }
            Path file = Files.createTempFile("safetap-vdso", ".so");
            file.toFile().deleteOnExit();
            Files.write(file, bytes);
            BinaryImage image = BinaryImage.read(file, debug);
            return image.elf().isPresent() ? Optional.of(image) : Optional.empty();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
