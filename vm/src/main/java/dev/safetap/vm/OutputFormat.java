package dev.safetap.vm;

/**
 * How an interpreter prints: {@code TEXT} as bpftrace 0.17 prints by default, {@code JSON} as
 * {@code bpftrace -f json} prints, one object per line ({@link JsonWriter}, {@link JsonMapPrinter}); {@code FOLDED}
 * prints maps as folded stacks ({@link FoldedStacks}) and everything else as text.
 */
public enum OutputFormat {
    TEXT,
    JSON,
    FOLDED
}
