package dev.safetap.symbols;

/**
 * A section header (the fields of {@code Elf64_Shdr}, {@code man 5 elf}), with its name looked up in the section
 * name table (empty when that table is missing or the index points outside it).
 *
 * @param name      the section's name, such as {@code .symtab}
 * @param type      sh_type (SHT_PROGBITS 1, SHT_SYMTAB 2, SHT_NOTE 7, SHT_NOBITS 8, SHT_DYNSYM 11, ...)
 * @param flags     sh_flags (SHF_ALLOC 2: occupies memory when loaded)
 * @param address   sh_addr, the ELF virtual address of its first byte when loaded, else 0
 * @param offset    sh_offset, where its bytes start in the file
 * @param size      sh_size in bytes
 * @param link      sh_link, such as the string table of a symbol table
 * @param info      sh_info (of section 0: the number of program headers when e_phnum is PN_XNUM)
 * @param entrySize sh_entsize, the size of one entry of a table, else 0
 */
public record ElfSection(String name, int type, long flags, long address, long offset, long size, int link,
        int info, long entrySize) {
    /** sh_type of a section that occupies no bytes of the file (.bss, and the code of a separate debug file). */
    public static final int NOBITS = 8;

    /** Whether the section's bytes are in the file (it is not {@link #NOBITS} and not empty). */
    public boolean hasContents() {
        return type != NOBITS && size > 0;
    }
}
