package dev.safetap.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.Action;
import dev.safetap.bytecode.Assembler;
import dev.safetap.bytecode.DebugInfo;
import dev.safetap.bytecode.Disassembler;
import dev.safetap.bytecode.Instruction;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.ProgramCodec;
import dev.safetap.compiler.CompileException;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Property 5: the binary codec and the assembler round-trip every generated program and every
 * mutant of one: decode(encode(p)) encodes to the same bytes, assemble(disassemble(p)) is p
 * without the line table and source text (which the text form does not carry), and every
 * instruction that decodes re-encodes to its own bytes.
 */
class RoundTripPropertyTest {
    private static final long BASE_SEED = 0x40a7d7L;

    @Test
    void encodeDecodeAndAssembleDisassembleRoundTrip() {
        int checked = 0;
        for (int i = 0, n = Scripts.iterations(200); i < n; i++) {
            SplittableRandom random = new SplittableRandom(BASE_SEED + i);
            Program p;
            try {
                p = Scripts.compile(new ProgramGenerator(Scripts.CATALOG, random).next().render(), 4096);
            } catch (CompileException e) {
                continue;
            }
            BytecodeMutator mutator = new BytecodeMutator(random);
            for (Program q : List.of(p, mutator.mutate(p), mutator.mutate(mutator.mutate(p)))) {
                roundTrip(q, BASE_SEED + i);
                checked++;
            }
        }
        assertTrue(checked > 0);
    }

    private static void roundTrip(Program p, long seed) {
        byte[] bytes = ProgramCodec.encode(p);
        assertArrayEquals(bytes, ProgramCodec.encode(ProgramCodec.decode(bytes)), "codec round trip, seed " + seed);
        Program withoutLines = new Program(p.strings(), p.layouts(), p.maps(),
                p.probes(), p.actions(), new DebugInfo(p.debug().sourceName(), "", List.of()));
        String text = Disassembler.disassemble(p);
        Program back = Assembler.assemble(text);
        assertArrayEquals(ProgramCodec.encode(withoutLines), ProgramCodec.encode(back), () -> "assembler round trip, seed " + seed + ":\n" + text);
        assertEquals(Disassembler.disassemble(withoutLines), Disassembler.disassemble(back), "disassembly is stable, seed " + seed);
        for (Action a : p.actions()) {
            for (Instruction insn : BytecodeMutator.instructions(a.code())) {
                byte[] one = BytecodeMutator.encode(List.of(insn));
                assertArrayEquals(Arrays.copyOfRange(a.code(), insn.pc(), insn.pc() + insn.length()), one,
                        () -> "instruction round trip of " + insn + ", seed " + seed);
            }
        }
    }
}
