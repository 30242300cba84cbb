package dev.safetap.session;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.SlotKind;
import dev.safetap.kernel.FormatField;
import dev.safetap.kernel.TracepointFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The attach-time check compares layouts built by the one rule the compiler uses. */
class LayoutCheckTest {
    private static final FormatField PID = new FormatField("int", "common_pid", 4, 4, true, true, -1, false);
    private static final FormatField NAME = new FormatField("const char", "name", 8, 16, false, false, 16, false);
    private static final FormatField ARGS = new FormatField("unsigned long", "args", 24, 16, false, false, 2, false);

    private static EventLayout live(FormatField... fields) {
        return EventLayout.of(KernelProbeCatalog.formatOf(new TracepointFormat("test", "event", 1, List.of(fields))));
    }

    @Test
    void aConstCharArrayIsTheStringTheCompilerReads() {
        EventLayout compiled = live(PID, NAME, ARGS);
        assertEquals(new LayoutSlot("name", 8, 16, SlotKind.CHARS), compiled.slots().get(compiled.slotIndex("name")));
        assertEquals(List.of(), LayoutCheck.differences(compiled, live(PID, NAME, ARGS)));
    }

    @Test
    void aMovedOrMissingFieldAndAShorterRecordAreReported() {
        EventLayout compiled = live(PID, NAME, ARGS);
        FormatField moved = new FormatField("const char", "name", 12, 12, false, false, 12, false);
        FormatField oneArg = new FormatField("unsigned long", "args", 24, 8, false, false, 1, false);
        assertEquals(List.of("the record is 32 bytes in the running kernel, but the program expects 40",
                "field name is chars at offset 12 size 12 in the running kernel, but the program was verified against chars at offset 8 size 16",
                "field args[1] is absent in the running kernel, but the program was verified against unsigned at offset 32 size 8"),
                LayoutCheck.differences(compiled, live(PID, moved, oneArg)));
    }

    /** A hand-made or altered layout's slot names are only looked up, never parsed: "args[x]" is just absent. */
    @Test
    void aMutatedSlotNameIsAbsentNotACrash() {
        EventLayout altered = new EventLayout("test:event", 40, List.of(new LayoutSlot("args[x]", 24, 8, SlotKind.UNSIGNED),
                new LayoutSlot("args[99999999999]", 24, 8, SlotKind.UNSIGNED)));
        assertEquals(List.of("field args[x] is absent in the running kernel, but the program was verified against unsigned at offset 24 size 8",
                "field args[99999999999] is absent in the running kernel, but the program was verified against unsigned at offset 24 size 8"),
                LayoutCheck.differences(altered, live(PID, NAME, ARGS)));
    }
}
