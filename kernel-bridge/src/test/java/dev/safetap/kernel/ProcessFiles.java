package dev.safetap.kernel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** What this process holds open: file descriptors and perf ring mappings, read from /proc/self. */
final class ProcessFiles {
    private ProcessFiles() {
    }

    static int openFiles() {
        String[] entries = Path.of("/proc/self/fd").toFile().list();
        if (entries == null) {
            throw new IllegalStateException("cannot list /proc/self/fd");
        }
        return entries.length;
    }

    static int perfMappings() {
        try {
            return (int) Files.readAllLines(Path.of("/proc/self/maps")).stream()
                    .filter(line -> line.contains("perf_event")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
