package dev.safetap.symbols;

/**
 * A CIE as the FDEs that point to it need it (DWARF 5 section 6.4.1, and the LSB's {@code .eh_frame} CIE with its
 * augmentation): the alignment factors, how the FDEs encode their addresses, whether they carry augmentation
 * data, whether the functions are signal trampolines, and the row its initial instructions set up, which every
 * FDE starts from and which DW_CFA_restore returns a column to. Only CIEs whose return address column is 16
 * (x86-64) are kept. Immutable once built.
 */
final class CommonInformationEntry {
    final long codeAlignment;
    final long dataAlignment;
    final int fdeEncoding;
    final boolean augmented;
    final boolean signalFrame;
    final UnwindRow initial;

    CommonInformationEntry(long codeAlignment, long dataAlignment, int fdeEncoding, boolean augmented,
            boolean signalFrame, UnwindRow initial) {
        this.codeAlignment = codeAlignment;
        this.dataAlignment = dataAlignment;
        this.fdeEncoding = fdeEncoding;
        this.augmented = augmented;
        this.signalFrame = signalFrame;
        this.initial = initial;
    }
}
