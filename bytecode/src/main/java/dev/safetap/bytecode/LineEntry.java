package dev.safetap.bytecode;

/** Maps the instruction at {@code pc} of action {@code action} (and those after it, up to the next entry) to a source position. */
public record LineEntry(int action, int pc, int line, int column) {
}
