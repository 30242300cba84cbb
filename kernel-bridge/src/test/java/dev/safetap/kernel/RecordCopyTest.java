package dev.safetap.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shape of the fixed record-copy program, without a kernel: straight-line code with forward jumps only, every
 * copy bounded, the record's {@code __data_loc} words read at their offsets. The kernel's verifier checks the same
 * program at every live run (DiskIoTest in cli).
 */
class RecordCopyTest {
    private static final TracepointCatalog CATALOG = TracepointCatalog.snapshot();

    private record Insn(int opcode, int dst, int src, int offset, int imm) {
    }

    private static List<Insn> decode(BpfAssembler program) {
        Memory code = program.assemble();
        List<Insn> insns = new ArrayList<>();
        for (int pc = 0; pc < program.size(); pc++) {
            int regs = code.getByte(8L * pc + 1) & 0xff;
            insns.add(new Insn(code.getByte(8L * pc) & 0xff, regs & 0xf, regs >> 4, code.getShort(8L * pc + 2),
                    code.getInt(8L * pc + 4)));
        }
        return insns;
    }

    @Test
    void theProgramOnlyJumpsForwardAndEndsEveryPathInAnExit() {
        TracepointFormat fork = CATALOG.format("sched:sched_process_fork").orElseThrow();
        List<Insn> insns = decode(RecordCopy.program(fork, new RecordCopy.Shared(3, 4), 5, 6));
        for (int pc = 0; pc < insns.size(); pc++) {
            Insn in = insns.get(pc);
            boolean jump = (in.opcode() & 0x07) == 0x05 && in.opcode() != 0x85 && in.opcode() != 0x95;
            if (jump) {
                int target = pc + 1 + in.offset();
                assertTrue(in.offset() >= 0 && target < insns.size(), "jump at " + pc + " to " + target);
            }
        }
        assertEquals(0x95, insns.get(insns.size() - 1).opcode(), "the last instruction exits");
        assertTrue(insns.size() < 100, "a fixed program of a few dozen instructions: " + insns.size());
    }

    @Test
    void readsEveryDataLocWordAndBoundsTheCopy() {
        TracepointFormat fork = CATALOG.format("sched:sched_process_fork").orElseThrow();
        List<Insn> insns = decode(RecordCopy.program(fork, new RecordCopy.Shared(3, 4), 5, 6));
        for (FormatField field : fork.fields()) {
            if (field.dataLoc()) {
                assertTrue(insns.stream().anyMatch(i -> i.opcode() == 0x61 && i.src() == 7 && i.offset() == field.offset()),
                        "reads the __data_loc word of " + field.name());
            }
        }
        assertTrue(insns.stream().anyMatch(i -> i.opcode() == 0xb5 && i.dst() == 8 && i.imm() == RecordCopy.MAX_RECORD),
                "the size is capped at " + RecordCopy.MAX_RECORD);
        long calls = insns.stream().filter(i -> i.opcode() == 0x85).map(Insn::imm).distinct().count();
        assertEquals(5, calls, "map lookup, cpu id, probe read, pid/tgid, perf output: no other helper");
        assertTrue(RecordCopy.copies(fork));
        assertFalse(insns.stream().anyMatch(i -> i.opcode() == 0x18 && i.src() == 1 && i.imm() == 0),
                "maps are loaded by their fds");
    }
}
