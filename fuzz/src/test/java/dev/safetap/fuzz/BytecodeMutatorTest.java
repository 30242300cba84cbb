package dev.safetap.fuzz;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.ProgramCodec;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BytecodeMutatorTest {
    private static final Program BASE = Scripts.compile(
            "tracepoint:syscalls:sys_enter_read /args->fd > 2/ { @[comm] = count(); if (args->count > 10) { printf(\"%d\\n\", args->count); } }"
                    + " BEGIN { unroll(3) { @x = sum(1); } }", 4096);

    @Test
    void everyMutationKindChangesTheProgram() {
        SplittableRandom random = new SplittableRandom(5);
        BytecodeMutator mutator = new BytecodeMutator(random);
        byte[] original = ProgramCodec.encode(BASE);
        for (BytecodeMutator.Mutation m : BytecodeMutator.Mutation.values()) {
            int changed = 0;
            for (int i = 0; i < 20; i++) {
                if (!Arrays.equals(original, ProgramCodec.encode(mutator.mutate(BASE, m)))) {
                    changed++;
                }
            }
            assertTrue(changed >= 10, m + " changed the program only " + changed + " times in 20");
        }
    }

    @Test
    void encodedMutationsFlipBits() {
        byte[] original = ProgramCodec.encode(BASE);
        byte[] mutated = new BytecodeMutator(new SplittableRandom(6)).mutateEncoded(original);
        assertFalse(Arrays.equals(original, mutated));
        assertTrue(original.length == mutated.length);
    }
}
