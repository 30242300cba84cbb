package dev.safetap.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Native;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs {@link BridgeProbe} where privileges or tracefs are missing and checks what the bridge does. */
class PermissionTest {

    @Test
    void unprivilegedUserIsToldWhatToChange() throws Exception {
        Path dir = Files.createTempDirectory("safetap-perm");
        try {
            Path jna = Path.of(Native.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path jnaCopy = Files.copy(jna, dir.resolve("jna.jar"), StandardCopyOption.REPLACE_EXISTING);
            dir.toFile().setReadable(true, false);
            dir.toFile().setExecutable(true, false);
            dir.toFile().setWritable(true, false);
            jnaCopy.toFile().setReadable(true, false);
            String classPath = jnaCopy + File.pathSeparator + System.getProperty("java.class.path");
            String output = probe(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"), classPath,
                    "-Djna.tmpdir=" + dir, "-Duser.home=" + dir);
            assertTrue(line(output, "catalog: ").contains("run as root or make tracefs readable"), output);
            String paranoid = PerfEvent.sysctl("kernel.perf_event_paranoid");
            assertTrue(line(output, "session: ").contains("(EACCES: Permission denied): kernel.perf_event_paranoid is "
                    + paranoid + " and safetap has neither CAP_PERFMON nor CAP_SYS_ADMIN: run as root or grant CAP_PERFMON"),
                    output);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void rootMountsTracefsWhenItIsAbsent() throws Exception {
        String script = "umount /sys/kernel/tracing 2>/dev/null; umount /sys/kernel/debug 2>/dev/null; "
                + "grep -c ' tracefs ' /proc/self/mounts; exec \"$@\"";
        String output = probe(List.of("unshare", "--mount", "--propagation", "private", "/bin/sh", "-c", script,
                "sh"), System.getProperty("java.class.path"));
        int id = TracepointCatalog.live().format("syscalls:sys_enter_read").orElseThrow().id();
        assertTrue(output.startsWith("0\n"), "tracefs still mounted in the namespace: " + output);
        assertEquals("catalog: ok " + id, line(output, "catalog: "), output);
        assertTrue(line(output, "mount: ").startsWith("mount: nodev /sys/kernel/tracing tracefs "), output);
        assertEquals("session: ok " + Runtime.getRuntime().availableProcessors(), line(output, "session: "));
    }

    private static String probe(List<String> prefix, String classPath, String... properties) throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(properties));
        command.addAll(List.of("-cp", classPath, BridgeProbe.class.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), output);
        return output;
    }

    private static String line(String output, String prefix) {
        return output.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .orElseThrow(() -> new AssertionError("no '" + prefix + "' line in: " + output));
    }
}
