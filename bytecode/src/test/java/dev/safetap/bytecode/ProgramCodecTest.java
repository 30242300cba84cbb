package dev.safetap.bytecode;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ProgramCodecTest {

    @Test
    void encodeDecodeRoundTripKeepsEveryTable() {
        Program p = SamplePrograms.everyTable();
        assertTrue(p.debug().isPresent());
        SamplePrograms.assertSameProgram(p, ProgramCodec.decode(ProgramCodec.encode(p)), true);
    }

    @Test
    void everyTruncationIsAFormatError() {
        byte[] bytes = ProgramCodec.encode(SamplePrograms.everyTable());
        for (int n = 0; n < bytes.length; n++) {
            byte[] cut = Arrays.copyOf(bytes, n);
            assertThrows(BytecodeFormatException.class, () -> ProgramCodec.decode(cut), "truncated at " + n);
        }
    }

    @Test
    void trailingBytesAreAFormatError() {
        byte[] bytes = ProgramCodec.encode(SamplePrograms.everyTable());
        byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
        assertThrows(BytecodeFormatException.class, () -> ProgramCodec.decode(longer));
    }

    @Test
    void garbageDecodesOrFailsWithFormatErrorOnly() {
        Random random = new Random(7);
        byte[] valid = ProgramCodec.encode(SamplePrograms.everyTable());
        for (int i = 0; i < 5000; i++) {
            byte[] input;
            if (i % 2 == 0) {
                input = new byte[random.nextInt(200)];
                random.nextBytes(input);
                if (input.length >= 6 && i % 4 == 0) {
                    System.arraycopy(valid, 0, input, 0, 6);
                }
            } else {
                input = valid.clone();
                input[random.nextInt(input.length)] = (byte) random.nextInt(256);
            }
            try {
                ProgramCodec.decode(input);
            } catch (BytecodeFormatException expected) {
                assertTrue(expected.getMessage() != null && !expected.getMessage().isEmpty());
            }
        }
    }

    @Test
    void filesOfAnotherVersionAreRefusedWithWhatToDo() {
        byte[] bytes = ProgramCodec.encode(SamplePrograms.everyTable());
        bytes[5] = 2;
        BytecodeFormatException older = assertThrows(BytecodeFormatException.class, () -> ProgramCodec.decode(bytes));
        assertEquals("this file is safetap bytecode version 2, made by an older safetap; this safetap reads version 3: "
                + "recompile the script (safetap compile SCRIPT -o FILE)", older.getMessage());
        bytes[5] = 4;
        BytecodeFormatException newer = assertThrows(BytecodeFormatException.class, () -> ProgramCodec.decode(bytes));
        assertTrue(newer.getMessage().contains("made by a newer safetap"), newer.getMessage());
    }

    @Test
    void everyEnumOfTheFormatHasItsOwnCodes() {
        for (Class<? extends Coded> type : List.of(ProbeKind.class, SlotKind.class, ValueType.class, MapKind.class, Builtin.class)) {
            Set<Integer> codes = new HashSet<>();
            for (Coded c : type.getEnumConstants()) {
                assertTrue(c.code() >= 0 && c.code() < 256, type.getSimpleName() + " " + c + " has code " + c.code());
                assertTrue(codes.add(c.code()), type.getSimpleName() + " uses code " + c.code() + " twice");
            }
        }
    }
}
