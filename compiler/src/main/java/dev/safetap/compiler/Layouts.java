package dev.safetap.compiler;

import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.SlotKind;
import java.util.ArrayList;
import java.util.List;

/** Builds the event layout of a tracepoint format: one slot per field, one per element of integer arrays. */
final class Layouts {
    private Layouts() {
    }

    static EventLayout of(TracepointSchema schema) {
        List<LayoutSlot> slots = new ArrayList<>();
        int recordSize = 0;
        for (SchemaField f : schema.fields()) {
            recordSize = Math.max(recordSize, f.offset() + f.size());
            if (f.dataLoc()) {
                slots.add(new LayoutSlot(f.name(), f.offset(), 4, SlotKind.DATA_LOC));
            } else if (f.arrayLength() > 0 && isChar(f)) {
                slots.add(new LayoutSlot(f.name(), f.offset(), f.size(), SlotKind.CHARS));
            } else if (f.arrayLength() > 0) {
                int element = f.size() / f.arrayLength();
                if (isIntegerSize(element) && element * f.arrayLength() == f.size()) {
                    for (int i = 0; i < f.arrayLength(); i++) {
                        slots.add(new LayoutSlot(f.name() + "[" + i + "]", f.offset() + i * element, element, integer(f)));
                    }
                }
            } else if (isIntegerSize(f.size())) {
                slots.add(new LayoutSlot(f.name(), f.offset(), f.size(), integer(f)));
            }
        }
        return new EventLayout(schema.name(), recordSize, slots);
    }

    static boolean isChar(SchemaField f) {
        String t = f.type().replace("const ", "").trim();
        return t.equals("char") || t.equals("char[]") || t.equals("__data_loc char[]");
    }

    static boolean isIntegerSize(int size) {
        return size == 1 || size == 2 || size == 4 || size == 8;
    }

    private static SlotKind integer(SchemaField f) {
        return f.signed() ? SlotKind.SIGNED : SlotKind.UNSIGNED;
    }
}
