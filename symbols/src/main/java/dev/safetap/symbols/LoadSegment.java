package dev.safetap.symbols;

/**
 * A PT_LOAD program header: the bytes {@code [offset, offset + fileSize)} of the file are loaded at the ELF
 * virtual address {@code virtualAddress} (plus the load base, for {@link ElfType#DYN}), followed by zeros up to
 * {@code memorySize}.
 *
 * @param offset         p_offset, where the segment's bytes start in the file
 * @param virtualAddress p_vaddr, the ELF virtual address of its first byte
 * @param fileSize       p_filesz, how many bytes come from the file
 * @param memorySize     p_memsz, how many bytes it occupies in memory
 * @param executable     whether p_flags has PF_X (the segment holds code)
 */
public record LoadSegment(long offset, long virtualAddress, long fileSize, long memorySize, boolean executable) {
    /** Whether the byte at {@code fileOffset} of the file is loaded by this segment. */
    public boolean containsFileOffset(long fileOffset) {
        return fileOffset >= offset && fileOffset - offset < fileSize;
    }
}
