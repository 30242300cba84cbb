package dev.safetap.symbols;

/**
 * The x86-64 registers as perf samples them ({@code enum perf_event_x86_regs} of the kernel's
 * {@code asm/perf_regs.h}: bit {@link #perf} of {@code sample_regs_user}) and as call frame information numbers
 * them (the DWARF register numbers of the System V x86-64 psABI, figure 3.36; the return address is column 16).
 * A register the psABI gives no DWARF number here (flags, segments) has {@link #dwarf} -1.
 */
public enum X86Register {
    AX(0, 0, "rax"),
    BX(1, 3, "rbx"),
    CX(2, 2, "rcx"),
    DX(3, 1, "rdx"),
    SI(4, 4, "rsi"),
    DI(5, 5, "rdi"),
    BP(6, 6, "rbp"),
    SP(7, 7, "rsp"),
    /** The instruction pointer; in call frame information, the return address column. */
    IP(8, 16, "ra"),
    FLAGS(9, -1, "rflags"),
    CS(10, -1, "cs"),
    SS(11, -1, "ss"),
    DS(12, -1, "ds"),
    ES(13, -1, "es"),
    FS(14, -1, "fs"),
    GS(15, -1, "gs"),
    R8(16, 8, "r8"),
    R9(17, 9, "r9"),
    R10(18, 10, "r10"),
    R11(19, 11, "r11"),
    R12(20, 12, "r12"),
    R13(21, 13, "r13"),
    R14(22, 14, "r14"),
    R15(23, 15, "r15");

    /** The DWARF columns an unwinder tracks: rax (0) to r15 (15), then the return address (16). */
    public static final int DWARF_COLUMNS = 17;
    /** The DWARF number of the stack pointer, whose value in the caller is the CFA. */
    public static final int DWARF_SP = 7;
    /** The DWARF number of the frame pointer. */
    public static final int DWARF_BP = 6;
    /** The DWARF column of the return address, which becomes the caller's instruction pointer. */
    public static final int DWARF_RA = 16;

    private static final X86Register[] BY_DWARF = new X86Register[DWARF_COLUMNS];

    static {
        for (X86Register register : values()) {
            if (register.dwarf >= 0) {
                BY_DWARF[register.dwarf] = register;
            }
        }
    }

    private final int perf;
    private final int dwarf;
    private final String dwarfName;

    X86Register(int perf, int dwarf, String dwarfName) {
        this.perf = perf;
        this.dwarf = dwarf;
        this.dwarfName = dwarfName;
    }

    /** The bit of this register in perf's {@code sample_regs_user}. */
    public int perf() {
        return perf;
    }

    /** Its mask in {@code sample_regs_user}: {@code 1 << perf()}. */
    public long mask() {
        return 1L << perf;
    }

    /** Its DWARF register number, or -1 when call frame information does not name it. */
    public int dwarf() {
        return dwarf;
    }

    /** The name readelf gives its DWARF column ({@code rbx}, {@code ra} for the return address). */
    public String dwarfName() {
        return dwarfName;
    }

    /** The register of DWARF column {@code column} (0 to 16), or null for any other column. */
    public static X86Register ofDwarf(int column) {
        return column >= 0 && column < DWARF_COLUMNS ? BY_DWARF[column] : null;
    }
}
