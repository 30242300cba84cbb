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
            assertEquals("T", state(command.pid()), "held: stopped");
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
    void killedWhileHeldNeverRunsAndLeavesNothing() throws Exception {
        Path marker = Files.createTempFile("safetap-killed", ".txt");
        Files.delete(marker);
        List<Path> tmpBefore = tmpFiles();
        HeldCommand command = HeldCommand.start(List.of("/bin/sh", "-c", "echo ran > \"$0\"", marker.toString()));
        assertEquals(tmpBefore, tmpFiles(), "holding creates no file");
        assertEquals(1, watchers(command.pid()));
        command.kill();
        assertFalse(command.isAlive());
        assertFalse(Files.exists(marker));
        assertEquals(0, watchers(command.pid()), "the watcher exits with the command");
        assertFalse(Files.exists(Path.of("/proc", Integer.toString(command.pid()))), "the command is reaped");
    }

    @Test
    void terminateSendsSigterm() throws Exception {
        Path trapped = Files.createTempFile("safetap-trapped", ".txt");
        Files.delete(trapped);
        try {
            HeldCommand command = HeldCommand.start(List.of("/bin/sh", "-c",
                    "trap 'exit 5' TERM; echo > \"$0\"; while :; do sleep 0.01; done", trapped.toString()));
            command.release();
            while (!Files.exists(trapped)) {
                Thread.sleep(1);
            }
            command.terminate();
            assertEquals(5, command.waitFor());
            assertEquals(0, watchers(command.pid()));
        } finally {
            Files.deleteIfExists(trapped);
        }
    }

    @Test
    void executableLooksUpPathAndRefusesDirectories() {
        assertTrue(HeldCommand.executable("sh").isPresent());
        assertFalse(HeldCommand.executable("safetap-no-such-command").isPresent());
        assertFalse(HeldCommand.executable("/tmp").isPresent(), "a directory is not executable");
    }

    private static String state(int pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
        return stat.substring(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    }

    /** The watchers of {@code pid} among this JVM's children. */
    private static long watchers(int pid) {
        return ProcessHandle.current().children()
                .filter(p -> p.info().arguments().map(a -> a.length > 0 && a[a.length - 1].equals(Integer.toString(pid)))
                        .orElse(false))
                .count();
    }

    private static List<Path> tmpFiles() throws Exception {
        try (var entries = Files.list(Path.of(System.getProperty("java.io.tmpdir")))) {
            return entries.filter(p -> p.getFileName().toString().startsWith("safetap-")).sorted().toList();
        }
    }
}
