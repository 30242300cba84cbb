package dev.safetap.symbols;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A binary as the symbolizer uses it: its ELF file, its separate debug file when it has no {@code .symtab} of its
 * own, and the one symbol table that names its addresses: the binary's {@code .symtab}, else the debug file's
 * (a debug file shares the binary's addresses), else the binary's {@code .dynsym}. File offsets are translated
 * through the binary's own PT_LOAD segments. Instances are immutable.
 */
public final class BinaryImage {
    private final Path file;
    private final Optional<ElfFile> elf;
    private final Optional<ElfFile> debugFile;
    private final ElfSymbols symbols;

    private BinaryImage(Path file, Optional<ElfFile> elf, Optional<ElfFile> debugFile, ElfSymbols symbols) {
        this.file = file;
        this.elf = elf;
        this.debugFile = debugFile;
        this.symbols = symbols;
    }

    /**
     * The binary at {@code file}, with its debug file looked up in {@code debug}; an image without symbols when
     * the file cannot be read or is not ELF.
     */
    public static BinaryImage read(Path file, DebugFileDirectory debug) {
        Optional<ElfFile> elf = ElfFile.read(file);
        if (elf.isEmpty()) {
            return new BinaryImage(file, elf, Optional.empty(), ElfSymbols.empty());
        }
        ElfFile binary = elf.get();
        if (binary.hasSymtab()) {
            return new BinaryImage(file, elf, Optional.empty(), binary.symtab());
        }
        Optional<ElfFile> debugFile = debug.find(binary);
        ElfSymbols symbols = debugFile.map(ElfFile::symtab).orElse(binary.dynsym());
        return new BinaryImage(file, elf, debugFile, symbols);
    }

    /** The file read. */
    public Path file() {
        return file;
    }

    /** The binary's ELF file; empty when it could not be read. */
    public Optional<ElfFile> elf() {
        return elf;
    }

    /** The separate debug file whose symbols are used. */
    public Optional<ElfFile> debugFile() {
        return debugFile;
    }

    /** The symbol table that names this binary's addresses. */
    public ElfSymbols symbols() {
        return symbols;
    }

    /** The function containing the ELF virtual address {@code address}, labelled with {@link #file}. */
    public Optional<Symbol> lookup(long address) {
        Optional<Symbol> symbol = symbols.lookup(address);
        if (debugFile.isPresent()) {
            return symbol.map(s -> new Symbol(s.name(), s.offset(), file.toString()));
        }
        return symbol;
    }

    /** The function holding the byte at {@code fileOffset} of the binary, through its PT_LOAD segments. */
    public Optional<Symbol> lookupFileOffset(long fileOffset) {
        OptionalLong address = elf.isPresent() ? elf.get().virtualAddress(fileOffset) : OptionalLong.empty();
        return address.isPresent() ? lookup(address.getAsLong()) : Optional.empty();
    }

    /** The call frame sections of the binary, then those of its debug file (where {@code .debug_frame} often is). */
    public List<FrameSection> frameSections() {
        List<FrameSection> frames = new ArrayList<>();
        elf.ifPresent(e -> frames.addAll(e.frameSections()));
        debugFile.ifPresent(d -> frames.addAll(d.frameSections()));
        return List.copyOf(frames);
    }

    /** Roughly how many bytes of heap this image holds. */
    public long retainedBytes() {
        return 256 + (elf.isPresent() ? elf.get().retainedBytes() : 0) + (debugFile.isPresent() ? debugFile.get().retainedBytes() : 0);
    }
}
