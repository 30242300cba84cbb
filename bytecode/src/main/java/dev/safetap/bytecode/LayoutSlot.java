package dev.safetap.bytecode;

/**
 * One readable field of an event record: a tracepoint format field, or one element of an array
 * field (named {@code args[2]}). Offsets are from the start of the raw record.
 */
public record LayoutSlot(String name, int offset, int size, SlotKind kind) {
    public boolean isString() {
        return kind == SlotKind.CHARS || kind == SlotKind.DATA_LOC;
    }
}
