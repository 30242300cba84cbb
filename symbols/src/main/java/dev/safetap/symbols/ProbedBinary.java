package dev.safetap.symbols;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A binary a uprobe attaches to: where it is, and its functions with the file offsets the kernel's uprobe PMU takes.
 *
 * <p>Finding it, as bpftrace does. A name with a {@code /} is a path (made absolute against the working directory,
 * symbolic links resolved); else a library ({@code libc} is the first of {@code libc.so.6}, {@code libc.so},
 * {@code libc-*.so} in the system's library directories) or a command on {@code PATH} ({@code bash}).
 *
 * <p>Its functions: the defined functions of its {@code .dynsym} and {@code .symtab}, and of its separate debug
 * file when it has one, aliases included, each at the file offset of its ELF address through the PT_LOAD segment
 * that loads it. A function no segment loads (an address in .bss, a bad table) is left out.
 */
public final class ProbedBinary {
    /** Where libraries are looked for, in order (Debian's multiarch directories first). */
    static final List<Path> LIBRARY_DIRS = List.of(Path.of("/lib/x86_64-linux-gnu"), Path.of("/usr/lib/x86_64-linux-gnu"),
            Path.of("/lib64"), Path.of("/usr/lib64"), Path.of("/lib"), Path.of("/usr/lib"), Path.of("/usr/local/lib"));

    private final Path path;
    private final Map<String, Long> offsets;

    private ProbedBinary(Path path, Map<String, Long> offsets) {
        this.path = path;
        this.offsets = offsets;
    }

    /** The absolute, real path of the binary {@code name} names; empty when there is none. */
    public static Optional<Path> locate(String name) {
        try {
            if (name.contains("/")) {
                Path p = Path.of(name).toAbsolutePath();
                return Files.isRegularFile(p) ? Optional.of(p.toRealPath()) : Optional.empty();
            }
            if (name.isEmpty()) {
                return Optional.empty();
            }
            String lib = name.startsWith("lib") ? name : "lib" + name;
            for (Path dir : LIBRARY_DIRS) {
                for (String candidate : List.of(lib + ".so.6", lib + ".so.1", lib + ".so.0", lib + ".so", name)) {
                    Path p = dir.resolve(candidate);
                    if (Files.isRegularFile(p) && (candidate.contains(".so") || Files.isExecutable(p))) {
                        return Optional.of(p.toRealPath());
                    }
                }
            }
            String pathVariable = System.getenv("PATH");
            for (String dir : (pathVariable == null ? "/usr/bin:/bin" : pathVariable).split(":")) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path p = Path.of(dir).resolve(name);
                if (Files.isRegularFile(p) && Files.isExecutable(p)) {
                    return Optional.of(p.toRealPath());
                }
            }
            return Optional.empty();
        } catch (IOException | InvalidPathException e) {
            return Optional.empty();
        }
    }

    /** The ELF file at {@code path} and its functions, its debug file's looked up in {@code debug}; empty when it is not ELF. */
    public static Optional<ProbedBinary> read(Path path, DebugFileDirectory debug) {
        BinaryImage image = BinaryImage.read(path, debug);
        if (image.elf().isEmpty()) {
            return Optional.empty();
        }
        ElfFile elf = image.elf().get();
        Map<String, Long> addresses = new TreeMap<>(elf.dynsym().functionsByName());
        elf.symtab().functionsByName().forEach(addresses::putIfAbsent);
        image.debugFile().ifPresent(d -> d.symtab().functionsByName().forEach(addresses::putIfAbsent));
        Map<String, Long> offsets = new TreeMap<>();
        addresses.forEach((name, address) -> {
            long offset = fileOffset(elf, address);
            if (offset >= 0 && !name.isEmpty()) {
                offsets.put(name, offset);
            }
        });
        return Optional.of(new ProbedBinary(path, Collections.unmodifiableMap(offsets)));
    }

    /** The file offset of ELF address {@code address}: through the PT_LOAD segment that loads it; -1 when none does. */
    static long fileOffset(ElfFile elf, long address) {
        for (LoadSegment s : elf.segments()) {
            if (Long.compareUnsigned(address, s.virtualAddress()) >= 0 && address - s.virtualAddress() < s.fileSize()) {
                return address - s.virtualAddress() + s.offset();
            }
        }
        return -1;
    }

    public Path path() {
        return path;
    }

    /** The functions by name, sorted, with their file offsets. */
    public Map<String, Long> functions() {
        return offsets;
    }
}
