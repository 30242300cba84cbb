package dev.safetap.symbols;

/** What an ELF file is, by its header's {@code e_type} (the values of {@code man 5 elf}). */
public enum ElfType {
    /** ET_REL: an object file, not yet linked. */
    REL(1),
    /** ET_EXEC: an executable linked at fixed addresses (not position independent). */
    EXEC(2),
    /** ET_DYN: a shared library or a position-independent executable (PIE), loaded at any base. */
    DYN(3),
    /** ET_CORE: a core dump. */
    CORE(4);

    private final int code;

    ElfType(int code) {
        this.code = code;
    }

    /** The {@code e_type} value. */
    public int code() {
        return code;
    }

    /** The type whose {@code e_type} is {@code code}, or null for none of those (the OS- and CPU-specific ranges). */
    static ElfType of(int code) {
        for (ElfType type : values()) {
            if (type.code == code) {
                return type;
            }
        }
        return null;
    }
}
