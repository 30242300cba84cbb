package dev.safetap.cli;

import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.SlotKind;
import dev.safetap.kernel.FormatField;
import dev.safetap.kernel.TracepointFormat;
import java.util.ArrayList;
import java.util.List;

/**
 * Safety contract point 7: before attaching, the running kernel's format of each tracepoint must
 * match the layout the program was verified against, slot by slot.
 */
final class LayoutCheck {
    private LayoutCheck() {
    }

    /** The differences between the verified layout and the live format; empty when they match. */
    static List<String> differences(EventLayout layout, TracepointFormat live) {
        List<String> out = new ArrayList<>();
        if (layout.recordSize() > live.fixedSize()) {
            out.add("the record is " + live.fixedSize() + " bytes in the running kernel, but the program expects "
                    + layout.recordSize());
        }
        for (LayoutSlot slot : layout.slots()) {
            String expected = describe(slot);
            String actual = liveSlot(slot, live);
            if (!expected.equals(actual)) {
                out.add("field " + slot.name() + " is " + actual + " in the running kernel, but the program was verified against "
                        + expected);
            }
        }
        return out;
    }

    private static String liveSlot(LayoutSlot slot, TracepointFormat live) {
        String name = slot.name();
        int index = 0;
        int bracket = name.indexOf('[');
        if (bracket > 0) {
            index = Integer.parseInt(name.substring(bracket + 1, name.length() - 1));
            name = name.substring(0, bracket);
        }
        for (FormatField f : live.fields()) {
            if (!f.name().equals(name)) {
                continue;
            }
            if (f.dataLoc()) {
                return describe(new LayoutSlot(slot.name(), f.offset(), 4, SlotKind.DATA_LOC));
            }
            if (f.arrayLength() > 0 && f.type().equals("char") && bracket < 0) {
                return describe(new LayoutSlot(slot.name(), f.offset(), f.size(), SlotKind.CHARS));
            }
            int elementSize = f.arrayLength() > 0 ? f.size() / f.arrayLength() : f.size();
            if (f.arrayLength() > 0 && index >= f.arrayLength()) {
                return "absent (the array has " + f.arrayLength() + " elements)";
            }
            return describe(new LayoutSlot(slot.name(), f.offset() + index * elementSize, elementSize,
                    f.signed() ? SlotKind.SIGNED : SlotKind.UNSIGNED));
        }
        return "absent";
    }

    private static String describe(LayoutSlot s) {
        return s.kind().name().toLowerCase() + " at offset " + s.offset() + " size " + s.size();
    }
}
