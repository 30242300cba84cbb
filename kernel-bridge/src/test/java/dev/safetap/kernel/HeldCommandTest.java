package dev.safetap.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class HeldCommandTest {

    @Test
    void commandWaitsUntilReleasedThenRunsAsTheSamePid() throws Exception {
        Path marker = Files.createTempFile("safetap-held", ".txt");
        Files.delete(marker);
        HeldCommand command = HeldCommand.start(List.of("/bin/sh", "-c", "echo $$ > \"$1\"; exit 3", "x",
                marker.toString()));
        try {
            assertTrue(command.isAlive());
            assertEquals("sh", Files.readString(Path.of("/proc", Integer.toString(command.pid()), "comm")).strip());
            assertFalse(Files.exists(marker), "the command ran before release");
            command.release();
            assertEquals(3, command.waitFor());
            assertFalse(command.isAlive());
            assertEquals(Integer.toString(command.pid()), Files.readString(marker).strip());
        } finally {
            Files.deleteIfExists(marker);
        }
    }

    @Test
    void argumentsArePassedVerbatim() throws Exception {
        Path out = Files.createTempFile("safetap-args", ".txt");
        try {
            HeldCommand command = HeldCommand.start(List.of("/bin/sh", "-c", "printf '%s|' \"$@\" > \"$0\"",
                    out.toString(), "a b", "$HOME", "'q'", ""));
            command.release();
            assertEquals(0, command.waitFor());
            assertEquals("a b|$HOME|'q'||", Files.readString(out));
        } finally {
            Files.deleteIfExists(out);
        }
    }

    @Test
    void missingCommandExitsWith127() {
        HeldCommand command = HeldCommand.start(List.of("/nonexistent/safetap-command"));
        command.release();
        assertEquals(127, command.waitFor());
    }

    @Test
    void killedWhileHeldNeverRunsAndLeavesNoFifo() throws Exception {
        Path marker = Files.createTempFile("safetap-killed", ".txt");
        Files.delete(marker);
        long before = heldDirectories();
        HeldCommand command = HeldCommand.start(List.of("/bin/sh", "-c", "echo ran > \"$0\"", marker.toString()));
        assertEquals(before + 1, heldDirectories());
        command.kill();
        assertFalse(command.isAlive());
        assertFalse(Files.exists(marker));
        assertEquals(before, heldDirectories());
    }

    private static long heldDirectories() throws Exception {
        try (var entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(p -> p.getFileName().toString().startsWith("safetap-")
                    && Files.exists(p.resolve("hold"))).count();
        }
    }
}
