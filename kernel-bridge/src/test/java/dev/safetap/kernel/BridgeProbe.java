package dev.safetap.kernel;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Run by {@link PermissionTest} in a separate process (as user nobody, or as root in a private mount
 * namespace without tracefs): prints the outcome of finding tracefs and of opening a session.
 */
public final class BridgeProbe {
    private BridgeProbe() {
    }

    public static void main(String[] args) throws Exception {
        try {
            TracepointCatalog catalog = TracepointCatalog.live();
            System.out.println("catalog: ok " + catalog.format("syscalls:sys_enter_read").orElseThrow().id());
        } catch (KernelException e) {
            System.out.println("catalog: " + e.getMessage());
        }
        Files.readAllLines(Path.of("/proc/self/mounts")).stream().filter(line -> line.contains(" tracefs "))
                .forEach(line -> System.out.println("mount: " + line));
        try (TraceSession session = TraceSession.open(TracepointCatalog.snapshot(),
                List.of(new TraceRequest("syscalls:sys_enter_read", 0)), SessionOptions.DEFAULT)) {
            System.out.println("session: ok " + session.probeCount());
        } catch (KernelException e) {
            System.out.println("session: " + e.getMessage());
        }
    }
}
