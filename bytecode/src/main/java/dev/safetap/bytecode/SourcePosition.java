package dev.safetap.bytecode;

/** A 1-based line and column in the script source. */
public record SourcePosition(int line, int column) {
}
