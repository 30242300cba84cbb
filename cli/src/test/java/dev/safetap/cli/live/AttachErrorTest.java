package dev.safetap.cli.live;

import static dev.safetap.cli.live.LiveTracer.javaCommand;
import static dev.safetap.cli.live.LiveTracer.trace;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.bytecode.Assembler;
import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.ProgramCodec;
import dev.safetap.cli.live.LiveTracer.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Failures to attach name their cause and the fix, and exit with code 3 (1 for a script error). */
class AttachErrorTest {
    private static final String ALL_SYSCALLS = "tracepoint:syscalls:sys_enter_* { @[probe] = count(); }";

    /** The limit the message names is enough: the same run under it succeeds. */
    @Test
    void tooManyOpenFilesNamesAUlimitThatIsEnough() throws Exception {
        Result r = underUlimit(256, ALL_SYSCALLS);
        assertEquals(3, r.code(), r.err());
        Matcher m = Pattern.compile("too many open files: raise `ulimit -n` to at least (\\d+) \\(now 256; \\d+ more perf"
                + " events to open, and a few files for safetap\\)\n").matcher(r.err());
        assertTrue(m.find(), r.err());
        Result enough = underUlimit(Integer.parseInt(m.group(1)), ALL_SYSCALLS + " BEGIN { exit(); }");
        assertEquals(0, enough.code(), enough.err());
    }

    /**
     * Whatever the limit, too few file descriptors is one sentence naming `ulimit -n`, never a stack trace: the
     * JVM and JNA themselves fail to load below a dozen, the /proc scan and perf events just above.
     */
    @Test
    void aTinyUlimitIsASentenceNeverAStackTrace() throws Exception {
        for (int limit = 8; limit <= 16; limit++) {
            Result r = underUlimit(limit, "tracepoint:syscalls:sys_enter_read { @[comm] = count(); } BEGIN { exit(); }");
            if (r.code() != 0) {
                assertEquals(3, r.code(), "ulimit -n " + limit + ": " + r.err());
                assertEquals(1, r.err().lines().count(), "ulimit -n " + limit + ": " + r.err());
                assertTrue(r.err().startsWith("safetap: ") && r.err().contains("raise `ulimit -n`")
                        && !r.err().contains("mounted?"), "ulimit -n " + limit + ": " + r.err());
            }
        }
    }

    @Test
    void noPermissionNamesParanoidAndCapabilities() throws Exception {
        // Root without CAP_PERFMON and CAP_SYS_ADMIN is an unprivileged tracer to perf_event_open.
        List<String> command = new ArrayList<>(List.of("capsh", "--drop=cap_perfmon,cap_sys_admin", "--", "-c"));
        command.add(shell(javaCommand(List.of(), "-e", "tracepoint:syscalls:sys_enter_read { @reads = count(); }")));
        Result r = LiveTracer.run(command);
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("kernel.perf_event_paranoid is "), r.err());
        assertTrue(r.err().contains(" and safetap has neither CAP_PERFMON nor CAP_SYS_ADMIN (it runs as root, but without"
                + " these capabilities): run as root or grant CAP_PERFMON"), r.err());
    }

    /** Root with every capability refused by a seccomp filter, as in a container: the filter is named, not root. */
    @Test
    void refusedByASeccompFilterWhileRootSaysSo() throws Exception {
        List<String> command = new ArrayList<>(List.of(LiveTracer.workload().toString(), "noperf", "stwl"));
        command.addAll(javaCommand(List.of(), "-e", "tracepoint:syscalls:sys_enter_read { @reads = count(); }"));
        Result r = LiveTracer.run(command);
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("(EPERM: Operation not permitted): safetap has CAP_PERFMON or CAP_SYS_ADMIN, so a"
                + " seccomp filter refuses perf_event_open (Seccomp: 2 in /proc/self/status)"), r.err());
        assertFalse(r.err().contains("run as root"), r.err());
    }

    /** Root of a user namespace has capabilities there only: the namespace is named. */
    @Test
    void refusedInAUserNamespaceSaysSo() throws Exception {
        List<String> command = new ArrayList<>(List.of("unshare", "--user", "--map-root-user"));
        command.addAll(javaCommand(List.of(), "-e", "tracepoint:syscalls:sys_enter_read { @reads = count(); }"));
        Result r = LiveTracer.run(command);
        assertEquals(3, r.code(), r.err());
        assertTrue(r.err().contains("safetap runs in a user namespace (a rootless container or `unshare -U`), whose"
                + " capabilities do not count for perf events"), r.err());
    }

    @Test
    void aMisspeltTracepointSuggestsTheRightOne() {
        Result r = trace("-e", "tracepoint:syscalls:sys_enter_raed { @reads = count(); }");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("tracepoint `syscalls:sys_enter_raed` does not exist"), r.err());
        assertTrue(r.err().contains("did you mean `sys_enter_read`?"), r.err());
    }

    @Test
    void aProgramVerifiedAgainstAnotherFormatIsRefused() throws Exception {
        Path dir = Files.createTempDirectory("safetap-layout-");
        Path compiled = dir.resolve("reads.stb");
        Path altered = dir.resolve("altered.stb");
        try {
            trace("compile", "-o", compiled.toString(), "-e",
                    "tracepoint:syscalls:sys_enter_read { @bytes = sum(args.count); }").assertOk();
            Program program = ProgramCodec.decode(Files.readAllBytes(compiled));
            // The same program as if built on a kernel whose sys_enter_read keeps count at offset 24.
            List<EventLayout> layouts = new ArrayList<>();
            for (EventLayout layout : program.layouts()) {
                List<LayoutSlot> slots = new ArrayList<>();
                for (LayoutSlot s : layout.slots()) {
                    slots.add(s.name().equals("count") ? new LayoutSlot(s.name(), 24, s.size(), s.kind()) : s);
                }
                layouts.add(new EventLayout(layout.name(), layout.recordSize(), slots));
            }
            Files.write(altered, ProgramCodec.encode(new Program(program.strings(), layouts, program.maps(),
                    program.probes(), program.actions(), program.debug())));
            Result r = trace(altered.toString());
            assertEquals(3, r.code(), r.out() + r.err());
            assertTrue(r.err().contains("refusing to attach tracepoint:syscalls:sys_enter_read: the kernel's record format "
                    + "differs from the one the program was verified against"), r.err());
            assertTrue(r.err().contains("recompile the script on this machine"), r.err());
            assertTrue(!r.out().contains("Attaching"), "nothing may be attached: " + r.out());
        } finally {
            Files.deleteIfExists(compiled);
            Files.deleteIfExists(altered);
            Files.deleteIfExists(dir);
        }
    }

    /** A verified probe of a kind this safetap cannot attach yet (hand-made bytecode: the compiler refuses it) exits 3. */
    @Test
    void aProbeKindThatCannotBeAttachedIsRefusedBeforeAnythingIsAttached() throws Exception {
        Path dir = Files.createTempDirectory("safetap-kind-");
        Path file = dir.resolve("usdt.stb");
        try {
            Files.write(file, ProgramCodec.encode(Assembler.assemble("""
                    .probe 0 USDT usdt:/bin/sh:main attach "/bin/sh" "main" 0 layout -1 period 0 action 0
                    .probe 1 BEGIN BEGIN layout -1 period 0 action 0
                    .action 0 registers 0
                      EXIT
                      RET
                    """)));
            assertEquals(0, trace("verify", file.toString()).code(), "the verifier accepts a well-formed usdt probe");
            Result r = trace(file.toString());
            assertEquals(3, r.code(), r.out() + r.err());
            assertEquals("safetap: cannot attach usdt:/bin/sh:main: usdt probes are not supported by this version of safetap; "
                    + "it attaches tracepoint, uprobe, uretprobe, interval, profile, software, hardware, BEGIN and END probes\n",
                    r.err());
            assertTrue(!r.out().contains("Attaching"), "nothing may be attached: " + r.out());
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    /** Ring buffers are counted in the memory budget: a run whose rings would not fit does not start. */
    @Test
    void ringBuffersOverTheMemoryBudgetAreRefusedBeforeAnythingIsAttached() {
        Result r = trace("--ring-pages", "65536", "--memory", "64M", "-e", "tracepoint:syscalls:sys_enter_read { @n = count(); }");
        assertEquals(3, r.code(), r.out() + r.err());
        assertTrue(r.err().startsWith("safetap: the maps (up to 8 B) and the ring buffers of 65536 pages per CPU ("), r.err());
        assertTrue(r.err().contains("over the memory budget of 64.0 MiB; lower --ring-pages or raise the budget with --memory"), r.err());
        // A probe the workers run: each holds a part of its map, and each CPU has a second ring for their samples.
        Result sharded = trace("--ring-pages", "65536", "--memory", "64M", "-e", "tracepoint:syscalls:sys_enter_read { @[comm] = count(); }");
        assertEquals(3, sharded.code(), sharded.out() + sharded.err());
        assertTrue(sharded.err().matches("(?s)safetap: the maps \\(up to [0-9.]+ KiB, and [0-9.]+ KiB for the parts \\d+ workers hold\\)"
                + " and the ring buffers of 65536 pages per CPU, two per CPU \\(.* \\(or --workers 0: one ring per CPU, no parts\\)\n"),
                sharded.err());
        assertTrue(!r.out().contains("Attaching"), "nothing may be attached: " + r.out());
    }

    private static Result underUlimit(int limit, String script) throws Exception {
        return LiveTracer.run(List.of("/bin/sh", "-c", "ulimit -n " + limit + "; exec "
                + shell(javaCommand(List.of(), "-e", script))));
    }

    private static String shell(List<String> words) {
        return String.join(" ", words.stream().map(AttachErrorTest::quote).toList());
    }

    private static String quote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
