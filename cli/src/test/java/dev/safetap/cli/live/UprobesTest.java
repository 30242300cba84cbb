package dev.safetap.cli.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * uprobes and uretprobes on the live kernel, through its uprobe PMU, over resources/live/uprobes.c: a known number of
 * calls with known arguments and results, in the workload's own functions and in Debian's libc.
 */
class UprobesTest {
    private static final int N = 1000;
    private static final Path UPROBE_EVENTS = Path.of("/sys/kernel/tracing/uprobe_events");

    private static Path workload() throws IOException, InterruptedException {
        return LiveTracer.compile("uprobes.c", "stwl_uprobes", List.of("-O2"));
    }

    @Test
    void everyCallIsCountedWithItsArgumentsAndItsReturnValue() throws Exception {
        Path binary = workload();
        LiveTracer.Result r = LiveTracer.trace("--strict", "-c", binary + " " + N, "-e",
                "uprobe:" + binary + ":target_add { @calls = count(); @a = sum(arg0); @b = sum(arg1); }"
                        + " uretprobe:" + binary + ":target_* { @returned[func] = sum(retval); }");
        r.assertOk();
        long n = N;
        assertEquals(Map.of("@a", n * (n + 1) / 2, "@b", n * (n + 1), "@calls", n, "@returned[target_add]", 3 * n * (n + 1) / 2,
                "@returned[target_mul]", 3 * n * (n + 1) / 2), r.values(), r.out());
    }

    @Test
    void aLibraryNamedByItsShortNameIsProbedInTheCommandAloneWhileAnotherProcessCallsItToo() throws Exception {
        Path binary = workload();
        Process neighbour = new ProcessBuilder(binary.toString(), "100000", "wait").start();
        try {
            neighbour.getOutputStream().write('\n');
            neighbour.getOutputStream().flush();
            LiveTracer.Result r = LiveTracer.trace("--strict", "-c", binary + " " + N, "-e",
                    "uprobe:libc:getppid /pid == cpid/ { @calls = count(); } uprobe:" + binary + ":target_mul /pid == cpid/"
                            + " { @mul = count(); }");
            r.assertOk();
            assertEquals(Map.of("@calls", (long) N, "@mul", (long) N), r.values(), r.out());
        } finally {
            neighbour.destroyForcibly().waitFor();
        }
    }

    @Test
    void userStacksAtAUprobeReachMainThroughTheDwarfWalk() throws Exception {
        Path binary = workload();
        LiveTracer.Result r = LiveTracer.trace("--call-graph", "dwarf", "-c", binary + " 5", "-e",
                "uprobe:" + binary + ":target_add { @[ustack] = count(); } uprobe:libc:getppid /pid == cpid/ { @g[ustack(2)] = count(); }");
        r.assertOk();
        assertTrue(r.out().contains("@[\n    target_add+0\n    main+") && r.out().contains("    _start+")
                && r.out().contains("]: 5\n"), r.out());
        assertTrue(r.out().contains("@g[\n    getppid+0\n    main+"), r.out());
    }

    @Test
    void nothingIsLeftInTracefsWhileOrAfterUprobesAreAttached() throws Exception {
        // a short path, so that each probe's name fits a string (64 bytes, as in bpftrace)
        Path binary = Files.copy(workload(), Files.createTempDirectory("up").resolve("w"));
        binary.toFile().setExecutable(true);
        binary.toFile().deleteOnExit();
        binary.getParent().toFile().deleteOnExit();
        String before = Files.exists(UPROBE_EVENTS) ? Files.readString(UPROBE_EVENTS) : "";
        LiveTracer.Result r = LiveTracer.trace("-c", binary + " 3", "-e",
                "uprobe:" + binary + ":target_* { @[probe] = count(); } BEGIN { printf(\"%d\\n\", 1); }");
        r.assertOk();
        assertEquals(Map.of("@[uprobe:" + binary.toRealPath() + ":target_add]", 3L, "@[uprobe:" + binary.toRealPath()
                + ":target_mul]", 3L), r.values(), r.out());
        assertEquals(before, Files.exists(UPROBE_EVENTS) ? Files.readString(UPROBE_EVENTS) : "",
                "the uprobe PMU adds nothing to uprobe_events");
    }

    @Test
    void theFunctionsOfABinaryAreListedAsBpftraceListsThem() throws Exception {
        Path binary = workload().toRealPath();
        LiveTracer.Result r = LiveTracer.trace("-l", "uprobe:" + binary + ":target_*");
        r.assertOk();
        assertEquals("uprobe:" + binary + ":target_add\nuprobe:" + binary + ":target_mul\n", r.out());
        LiveTracer.Result libc = LiveTracer.trace("-l", "uprobe:libc:getpp*");
        assertTrue(libc.out().matches("uprobe:/\\S+/libc\\.so\\.6:getppid\n"), libc.out());
    }

    @Test
    void aFunctionTheBinaryDoesNotHaveIsAnErrorWithTheClosestName() throws Exception {
        Path binary = workload();
        LiveTracer.Result r = LiveTracer.trace("-e", "uprobe:" + binary + ":target_ad { @ = count(); }");
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("has no function `target_ad`") && r.err().contains("did you mean `target_add`?"), r.err());
    }
}
