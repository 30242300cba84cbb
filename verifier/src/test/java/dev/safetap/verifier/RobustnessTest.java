package dev.safetap.verifier;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.Action;
import dev.safetap.bytecode.AttachPoint;
import dev.safetap.bytecode.BytecodeFormatException;
import dev.safetap.bytecode.CodeBuilder;
import dev.safetap.bytecode.DebugInfo;
import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.Limits;
import dev.safetap.bytecode.LineEntry;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeDecl;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.ProgramCodec;
import dev.safetap.bytecode.SlotKind;
import dev.safetap.bytecode.ValueType;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Random and mutated inputs are rejected cleanly or accepted; never another exception, never a hang. */
class RobustnessTest {

    static Program valid() {
        CodeBuilder b = new CodeBuilder();
        b.emit(Opcode.FIELD, 0, 0);
        b.emit(Opcode.FIELD_STR, 1, 1);
        b.emit(Opcode.CONST_INT, 2, 3);
        int skip = b.jumpForward(Opcode.JZ, 0);
        int loop = b.beginLoop(4);
        b.emit(Opcode.ADD, 2, 2, 0);
        b.emitRegs(Opcode.MAP_AGG, new int[] {1}, 0, 0, 2);
        b.endLoop(loop);
        b.land(skip);
        b.emitRegs(Opcode.MAP_GET, new int[] {1}, 3, 0, 0);
        b.emitRegs(Opcode.PRINTF, new int[] {1, 3}, 0, 0);
        b.emit(Opcode.RET);
        return new Program(List.of("%s %d\n"),
                List.of(new EventLayout("syscalls:sys_enter_openat", 48, List.of(
                        new LayoutSlot("dfd", 16, 8, SlotKind.SIGNED), new LayoutSlot("filename", 24, 4, SlotKind.DATA_LOC)))),
                List.of(MapDecl.of("@bytes", List.of(ValueType.STR), MapKind.SUM, ValueType.INT, 1024)),
                List.of(ProbeDecl.tracepoint("syscalls", "sys_enter_openat", 0, 0)),
                List.of(b.build(4)), DebugInfo.NONE);
    }

    private static void decodeAndVerify(byte[] bytes) {
        Program p;
        try {
            p = ProgramCodec.decode(bytes);
        } catch (BytecodeFormatException rejected) {
            return;
        }
        verifyOrReject(p);
    }

    private static void verifyOrReject(Program p) {
        try {
            VerifiedProgram v = Verifier.verify(p);
            for (int a = 0; a < p.actions().size(); a++) {
                assertTrue(v.worstCaseInstructions(a) >= 1 && v.worstCaseInstructions(a) <= Limits.INSTRUCTION_BUDGET);
            }
            assertTrue(v.report().toJson().startsWith("{"));
            assertTrue(!v.report().render().isEmpty());
        } catch (VerifyException rejected) {
            assertTrue(rejected.render().contains(": error: "), rejected.render());
        }
    }

    @Test
    void theBaseProgramIsValid() {
        Verifier.verify(valid());
    }

    @Test
    void randomByteArrays() {
        Random random = new Random(1);
        byte[] prefix = ProgramCodec.encode(valid());
        for (int i = 0; i < 10_000; i++) {
            byte[] bytes = new byte[random.nextInt(300)];
            random.nextBytes(bytes);
            if (i % 2 == 0 && bytes.length >= 6) {
                System.arraycopy(prefix, 0, bytes, 0, 6);
            }
            decodeAndVerify(bytes);
        }
    }

    @Test
    void singleByteMutationsOfAnEncodedProgram() {
        Random random = new Random(2);
        byte[] valid = ProgramCodec.encode(valid());
        for (int i = 0; i < 10_000; i++) {
            byte[] bytes = valid.clone();
            bytes[random.nextInt(bytes.length)] = (byte) random.nextInt(256);
            decodeAndVerify(bytes);
        }
    }

    @Test
    void mutationsOfTheCodeAlone() {
        Random random = new Random(3);
        Program base = valid();
        byte[] code = base.actions().get(0).code();
        for (int i = 0; i < 10_000; i++) {
            byte[] mutated = code.clone();
            for (int k = 1 + random.nextInt(3); k > 0; k--) {
                mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
            }
            verifyOrReject(new Program(base.strings(), base.layouts(), base.maps(), base.probes(),
                    List.of(new Action(random.nextInt(6), mutated)), base.debug()));
        }
    }

    @Test
    void nonsenseHeaderValues() {
        Program base = valid();
        long[] odd = {Long.MIN_VALUE, Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE, Long.MAX_VALUE};
        for (long v : odd) {
            int iv = (int) v;
            verifyOrReject(withMaps(base, new MapDecl("@h", List.of(), MapKind.LHIST, ValueType.INT, v, -v, v, iv, false)));
            verifyOrReject(withMaps(base, new MapDecl("@h", List.of(), MapKind.LHIST, ValueType.INT, Long.MIN_VALUE, Long.MAX_VALUE, v, 1, false)));
            verifyOrReject(new Program(base.strings(), List.of(new EventLayout("x", iv, List.of(new LayoutSlot("a", iv, iv, SlotKind.CHARS)))),
                    base.maps(), base.probes(), base.actions(), base.debug()));
            verifyOrReject(new Program(base.strings(), base.layouts(), base.maps(),
                    List.of(new ProbeDecl(ProbeKind.INTERVAL, "i", AttachPoint.NONE, v, iv, iv)), base.actions(), base.debug()));
            verifyOrReject(new Program(base.strings(), base.layouts(), base.maps(), base.probes(),
                    List.of(new Action(iv, base.actions().get(0).code())),
                    new DebugInfo("x.bt", "a\nb", List.of(new LineEntry(0, iv, iv, iv)))));
        }
    }

    private static Program withMaps(Program base, MapDecl m) {
        return new Program(base.strings(), base.layouts(), List.of(base.maps().get(0), m), base.probes(), base.actions(), base.debug());
    }
}
