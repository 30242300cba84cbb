package dev.safetap.session;

import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.RecordFormat;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.UprobeRegisters;
import dev.safetap.kernel.TracepointCatalog;
import dev.safetap.kernel.TracepointFormat;
import java.util.ArrayList;
import java.util.List;

/**
 * Safety contract point 7: before attaching, the running kernel's format of each tracepoint must give the
 * layout the program was verified against. The live layout is built from the live format by the one rule
 * the compiler builds layouts with ({@link EventLayout#of}); every slot the program declares must be in it
 * at the same offset, size and kind, and the live record may not be shorter.
 */
final class LayoutCheck {
    private LayoutCheck() {
    }

    /** Checks every probe with a record; throws an {@link AttachException} naming the first that does not match. */
    static void check(Program program, TracepointCatalog catalog) {
        for (ProbeDecl probe : program.probes()) {
            if (!probe.kind().hasRecord()) {
                continue;
            }
            RecordFormat registers = UprobeRegisters.format(probe.kind());
            if (registers != null) {
                List<String> diffs = differences(program.layouts().get(probe.layout()), EventLayout.of(registers));
                if (!diffs.isEmpty()) {
                    throw AttachException.attach("refusing to attach " + probe.name() + ": its layout is not that of a uprobe's"
                            + " sampled registers:\n  " + String.join("\n  ", diffs) + "\nrecompile the script with this safetap");
                }
                continue;
            }
            String name = probe.attach().tracepointName();
            TracepointFormat live = catalog.format(name).orElseThrow(() -> AttachException.attach(
                    "tracepoint " + name + " does not exist in the running kernel; recompile the script on this machine"));
            List<String> diffs = differences(program.layouts().get(probe.layout()), EventLayout.of(KernelProbeCatalog.formatOf(live)));
            if (!diffs.isEmpty()) {
                throw AttachException.attach("refusing to attach " + probe.name() + ": the kernel's record format differs from the one "
                        + "the program was verified against:\n  " + String.join("\n  ", diffs) + "\nrecompile the script on this machine");
            }
        }
    }

    /** The differences between the verified layout and the live one; empty when they match. */
    static List<String> differences(EventLayout verified, EventLayout live) {
        List<String> out = new ArrayList<>();
        if (verified.recordSize() > live.recordSize()) {
            out.add("the record is " + live.recordSize() + " bytes in the running kernel, but the program expects "
                    + verified.recordSize());
        }
        for (LayoutSlot slot : verified.slots()) {
            int i = live.slotIndex(slot.name());
            String actual = i < 0 ? "absent" : describe(live.slots().get(i));
            String expected = describe(slot);
            if (!expected.equals(actual)) {
                out.add("field " + slot.name() + " is " + actual + " in the running kernel, but the program was verified against "
                        + expected);
            }
        }
        return out;
    }

    private static String describe(LayoutSlot s) {
        return s.kind().name().toLowerCase() + " at offset " + s.offset() + " size " + s.size();
    }
}
