package dev.safetap.bytecode;

import java.util.ArrayList;
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

    /**
     * The layout of a record format, the one rule by which the compiler builds layouts and attach checks
     * them: one slot per integer field of 1, 2, 4 or 8 bytes, one per element of an integer array
     * (named {@code args[2]}), a CHARS slot per char array, a DATA_LOC slot per {@code __data_loc}
     * field. Fields of other shapes (structs, pointers to arrays) have no slot and cannot be read.
     */
    public static EventLayout of(RecordFormat format) {
        List<LayoutSlot> slots = new ArrayList<>();
        int recordSize = 0;
        for (RecordField f : format.fields()) {
            recordSize = Math.max(recordSize, f.offset() + f.size());
            SlotKind integer = f.signed() ? SlotKind.SIGNED : SlotKind.UNSIGNED;
            if (f.dataLoc()) {
                slots.add(new LayoutSlot(f.name(), f.offset(), 4, SlotKind.DATA_LOC));
            } else if (f.arrayLength() > 0 && f.isChar()) {
                slots.add(new LayoutSlot(f.name(), f.offset(), f.size(), SlotKind.CHARS));
            } else if (f.arrayLength() > 0) {
                int element = f.size() / f.arrayLength();
                if (isIntegerSize(element) && element * f.arrayLength() == f.size()) {
                    for (int i = 0; i < f.arrayLength(); i++) {
                        slots.add(new LayoutSlot(f.name() + "[" + i + "]", f.offset() + i * element, element, integer));
                    }
                }
            } else if (isIntegerSize(f.size())) {
                slots.add(new LayoutSlot(f.name(), f.offset(), f.size(), integer));
            }
        }
        return new EventLayout(format.name(), recordSize, slots);
    }

    public static boolean isIntegerSize(int size) {
        return size == 1 || size == 2 || size == 4 || size == 8;
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
