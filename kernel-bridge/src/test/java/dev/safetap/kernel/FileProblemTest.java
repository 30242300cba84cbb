package dev.safetap.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Memory;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** A file of /proc, /sys or tracefs that cannot be read is explained by its cause, not by a guess. */
class FileProblemTest {
    @Test
    void eachCauseHasItsAdvice() {
        assertEquals("; is /proc mounted?", FileProblem.fix(new NoSuchFileException("/proc/mounts"), "is /proc mounted?",
                "run as root"));
        assertEquals("; run as root", FileProblem.fix(new AccessDeniedException("/proc/mounts"), "is /proc mounted?",
                "run as root"));
        assertEquals("", FileProblem.fix(new java.io.IOException("Input/output error"), "is /proc mounted?", "run as root"));
    }

    /** With no file descriptor left, reading /proc names `ulimit -n`, never a missing /proc. */
    @Test
    void runningOutOfFileDescriptorsNamesUlimitWhereverItHappens() {
        List<Supplier<Object>> readers = List.of(Tracefs::locate, CommTable::scan, OnlineCpus::list);
        for (Supplier<Object> reader : readers) {
            reader.get();
            KernelException e = withNoFreeDescriptor(() -> assertThrows(KernelException.class, reader::get));
            assertTrue(e.getMessage().contains("safetap ran out of file descriptors: raise `ulimit -n` (now "),
                    e.getMessage());
            assertFalse(e.getMessage().contains("mounted?"), e.getMessage());
        }
    }

    private static KernelException withNoFreeDescriptor(Supplier<KernelException> run) {
        Memory limit = new Memory(16);
        assertEquals(0, LibC.getrlimit(LibC.RLIMIT_NOFILE, limit));
        long soft = limit.getLong(0);
        assertTrue(FileProblem.fix(new java.io.IOException("x"), "", "").isEmpty(), "loads the classes of the error path");
        try {
            limit.setLong(0, ProcessFiles.openFiles() - 1);
            assertEquals(0, LibC.setrlimit(LibC.RLIMIT_NOFILE, limit));
            return run.get();
        } finally {
            limit.setLong(0, soft);
            assertEquals(0, LibC.setrlimit(LibC.RLIMIT_NOFILE, limit));
        }
    }
}
