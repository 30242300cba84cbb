package dev.safetap.bytecode;

import java.util.List;

/**
 * The record layout an action was compiled and verified against. {@code name} is the tracepoint
 * ({@code syscalls:sys_enter_read}); {@code recordSize} the size of the fixed part of the record,
 * which every delivered record is at least as long as. Re-checked against the live kernel format
 * at attach.
 */
public record EventLayout(String name, int recordSize, List<LayoutSlot> slots) {
    public EventLayout {
        slots = List.copyOf(slots);
    }

    /** Index of the slot with this name, or -1. */
    public int slotIndex(String slotName) {
        for (int i = 0; i < slots.size(); i++) {
            if (slots.get(i).name().equals(slotName)) {
                return i;
            }
        }
        return -1;
    }
}
