package dev.safetap.cli.live;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.safetap.cli.HeadlessBrowser;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Stacks of a known call path (resources/live/stacks.c: main, hot_a, hot_b, leaf, which makes the system calls with
 * its own syscall instruction), on the live kernel: counted exactly, one key per distinct stack, named by the kernel's
 * symbols and by the workload's own, which -c has exited by the time the maps print.
 */
class StacksTest {
    private static final Pattern COUNT = Pattern.compile("\\]: (\\d+)$", Pattern.MULTILINE);

    private static Path framePointers() throws IOException, InterruptedException {
        return LiveTracer.compile("stacks.c", "stwl_stacks", List.of("-O2", "-fno-omit-frame-pointer"));
    }

    /** resources/live/unwind.c: main, outer, middle, then qsort in Debian's libc, then compare; no frame pointers. */
    private static Path withoutFramePointers() throws IOException, InterruptedException {
        return LiveTracer.compile("unwind.c", "stwl_unwind", List.of("-O2", "-fomit-frame-pointer"));
    }

    /** The printed counts of a keyed map, in print order. */
    private static List<Long> counts(String out) {
        Matcher m = COUNT.matcher(out);
        return m.results().map(r -> Long.parseLong(r.group(1))).toList();
    }

    /** Whether {@code text} has these lines in this order (others may come between). */
    private static boolean inOrder(String text, String... fragments) {
        int at = 0;
        for (String f : fragments) {
            int i = text.indexOf(f, at);
            if (i < 0) {
                return false;
            }
            at = i + f.length();
        }
        return true;
    }

    @Test
    void theStacksOfAKnownCallPathAreCountedExactlyAndNamedAfterTheProcessExited() throws Exception {
        Path binary = framePointers();
        LiveTracer.Result r = LiveTracer.trace("--strict", "-c", binary + " calls 20000",
                "-e", "tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @[kstack, ustack] = count(); }");
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of(20000L), counts(r.out()), "one stack, every call:\n" + r.out());
        assertTrue(inOrder(r.out(), "@[\n    perf_syscall_enter+", "\n    syscall_trace_enter+", "\n    do_syscall_64+",
                "\n    entry_SYSCALL_64_after_hwframe+", "\n, \n    leaf+", "\n    hot_a+", "\n    main+", "\n]: 20000"),
                "kernel frames from the tracepoint's caller down, then the user's from leaf up:\n" + r.out());
        assertTrue(!r.out().contains("0x5") && !r.out().contains("0x4"), "every frame of the binary is named:\n" + r.out());
    }

    private static final Pattern LOST_AT_EXIT = Pattern.compile("warning: (\\d+) events lost \\(");

    /**
     * Under load: two busy neighbours take both CPUs while the workload makes 200,000 calls as fast as it can, and the
     * stacks of every call are taken (the record copy, a call chain per event). Every call is either counted or
     * reported lost, to the event: with the default rings, and with rings of one page that must overflow.
     */
    @Test
    void underLoadEveryStackIsCountedOrReportedLostToTheEvent() throws Exception {
        Path binary = framePointers();
        List<Process> spinners = List.of(new ProcessBuilder("sh", "-c", "while :; do :; done").start(),
                new ProcessBuilder("sh", "-c", "while :; do :; done").start());
        try {
            for (List<String> ring : List.of(List.<String>of(), List.of("--ring-pages", "1"))) {
                List<String> args = new java.util.ArrayList<>(ring);
                args.addAll(List.of("-c", binary + " calls 200000", "-e",
                        "tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @[kstack, ustack] = count(); }"));
                LiveTracer.Result r = LiveTracer.trace(args.toArray(String[]::new));
                assertEquals(0, r.code(), r.err());
                long counted = counts(r.out()).stream().mapToLong(Long::longValue).sum();
                Matcher lost = LOST_AT_EXIT.matcher(r.err());
                long reported = lost.find() ? Long.parseLong(lost.group(1)) : 0;
                assertEquals(200000, counted + reported, ring + ": counted " + counted + ", reported lost " + reported
                        + "\n" + r.err());
                if (!ring.isEmpty()) {
                    assertTrue(reported > 0, "one page per CPU cannot hold them: " + r.err());
                }
            }
        } finally {
            for (Process p : spinners) {
                p.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void perfModePrintsAddressSymbolAndFileAndStacksPrintAsValuesAndThroughPrintf() throws Exception {
        Path binary = framePointers();
        LiveTracer.Result r = LiveTracer.trace("-c", binary + " calls 3",
                "-e", "tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @[ustack(perf, 2)] = count();"
                        + " @last = kstack(1); printf(\"<%s>\\n\", ustack(1)); }");
        assertEquals(0, r.code(), r.err());
        assertTrue(Pattern.compile("@\\[\n\t[0-9a-f]+ leaf\\+\\d+ \\(" + Pattern.quote(binary.toString()) + "\\)\n\t[0-9a-f]+ hot_a\\+\\d+ \\("
                + Pattern.quote(binary.toString()) + "\\)\n\\]: 3\n").matcher(r.out()).find(), r.out());
        assertTrue(Pattern.compile("<\n        leaf\\+\\d+\n>\n").matcher(r.out()).find(), r.out());
        assertTrue(Pattern.compile("@last: \n        perf_syscall_enter\\+\\d+\n\n").matcher(r.out()).find(), r.out());
    }

    @Test
    void stackKeysInJsonAreTheirTextAsBpftracePrintsThem() throws Exception {
        Path binary = framePointers();
        LiveTracer.Result r = LiveTracer.trace("-f", "json", "-c", binary + " calls 5",
                "-e", "tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @[ustack(1), comm] = count(); }");
        assertEquals(0, r.code(), r.err());
        assertTrue(Pattern.compile("\\{\"type\": \"map\", \"data\": \\{\"@\": \\{\"\\\\n    leaf\\+\\d+\\\\n,stwl_stacks\": 5\\}\\}\\}")
                .matcher(r.out()).find(), r.out());
    }

    /** Sum of the counts of the entries whose key holds {@code frames}, in this order. */
    private static long samplesThrough(String out, String... frames) {
        long total = 0;
        for (String entry : out.split("\n(?=@\\[)")) {
            Matcher m = COUNT.matcher(entry);
            if (inOrder(entry, frames) && m.find()) {
                total += Long.parseLong(m.group(1));
            }
        }
        return total;
    }

    @Test
    void aProfileOfAKnownWorkloadSplitsItsCpuTwoToOneAndTheFlameGraphDrawsItSo() throws Exception {
        profileSplitsTwoToOne(framePointers(), true);
    }

    @Test
    void aProfileOfTheWorkloadBuiltWithoutFramePointersSplitsTwoToOneAndEveryStackReachesMain() throws Exception {
        profileSplitsTwoToOne(LiveTracer.compile("stacks.c", "stwl_stacks_nofp", List.of("-O2", "-fomit-frame-pointer")),
                false);
    }

    /**
     * 997 Hz over resources/live/stacks.c burning 1.5 s of CPU, two thirds in hot_a and one third in hot_b: the samples
     * match the CPU time, split 2:1, and each stack of either reaches main; with {@code flameGraph}, the flame graph
     * Chromium draws has the same 2:1 widths.
     */
    private static void profileSplitsTwoToOne(Path binary, boolean flameGraph) throws Exception {
        Path cpu = Files.createTempFile("stacks-cpu", ".txt");
        Path svg = Files.createTempFile("stacks", ".svg");
        LiveTracer.Result r = LiveTracer.trace("--flamegraph", svg.toString(), "-c", binary + " burn 1500 " + cpu,
                "-e", "profile:hz:997 /pid == cpid/ { @[ustack] = count(); }");
        assertEquals(0, r.code(), r.err());
        long a = samplesThrough(r.out(), "    hot_a+");
        long b = samplesThrough(r.out(), "    hot_b+");
        long all = counts(r.out()).stream().mapToLong(Long::longValue).sum();
        double seconds = Double.parseDouble(Files.readString(cpu).trim()) / 1000;
        assertEquals(997 * seconds, all, 0.1 * 997 * seconds, "samples against 997 Hz x the CPU time the workload used:\n" + r.out());
        assertEquals(2.0, (double) a / b, 0.2, "hot_a " + a + ", hot_b " + b + ":\n" + r.out());
        assertTrue(a + b >= 0.95 * all, "nearly every sample is in hot_a or hot_b:\n" + r.out());
        assertEquals(a + b, samplesThrough(r.out(), "    hot_a+", "    main+") + samplesThrough(r.out(), "    hot_b+", "    main+"),
                "each stack of hot_a and hot_b reaches main:\n" + r.out());
        if (!flameGraph) {
            return;
        }
        List<String> widths = HeadlessBrowser.measure(svg, """
                var out = [];
                d.querySelectorAll('g.frame').forEach(function (g) {
                  out.push(g.getAttribute('data-name') + ' ' + g.querySelector('rect').getBoundingClientRect().width);
                });
                return out;
                """);
        double wa = widths.stream().filter(w -> w.startsWith("hot_a ")).mapToDouble(w -> Double.parseDouble(w.substring(6))).sum();
        double wb = widths.stream().filter(w -> w.startsWith("hot_b ")).mapToDouble(w -> Double.parseDouble(w.substring(6))).sum();
        assertEquals(2.0, wa / wb, 0.2, "the flame graph's boxes: " + widths);
    }

    /** The entries of a keyed map's text, each {@code @[...]: N}. */
    private static List<String> entries(String out) {
        return List.of(out.split("\n(?=@\\[)")).stream().filter(e -> e.startsWith("@[")).toList();
    }

    @Test
    void userStacksThroughLibcWithoutFramePointersAreWalkedToMainWithDwarfAndStopAtOnceWithFramePointers() throws Exception {
        Path binary = withoutFramePointers();
        String script = "tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @[ustack] = count(); }";
        LiveTracer.Result dwarf = LiveTracer.trace("--strict", "--call-graph", "dwarf", "-c", binary + " calls 1000", "-e", script);
        assertEquals(0, dwarf.code(), dwarf.err());
        assertEquals(1000, counts(dwarf.out()).stream().mapToLong(Long::longValue).sum(), "every call:\n" + dwarf.out());
        for (String entry : entries(dwarf.out())) {
            assertTrue(inOrder(entry, "@[\n    getppid+", "\n    compare+", "\n    qsort_r+", "\n    middle+", "\n    outer+",
                    "\n    main+", "\n    __libc_start_main+", "\n    _start+"),
                    "from libc's system call wrapper through qsort's frames in libc to main and _start:\n" + entry);
        }
        LiveTracer.Result fp = LiveTracer.trace("--strict", "--call-graph", "fp", "-c", binary + " calls 1000", "-e", script);
        assertEquals(0, fp.code(), fp.err());
        assertEquals(1000, counts(fp.out()).stream().mapToLong(Long::longValue).sum(), fp.out());
        assertTrue(!fp.out().contains("middle+") && !fp.out().contains("main+"),
                "the kernel's frame-pointer walk loses the path at the first frame without one:\n" + fp.out());
    }

    @Test
    void aProfileWalksUserStacksWithDwarfByDefaultSoEverySampleOfCodeWithoutFramePointersReachesMain() throws Exception {
        Path binary = withoutFramePointers();
        String script = "profile:hz:997 /pid == cpid/ { @[ustack] = count(); }";
        LiveTracer.Result r = LiveTracer.trace("-c", binary + " burn 1000", "-e", script);
        assertEquals(0, r.code(), r.err());
        long all = counts(r.out()).stream().mapToLong(Long::longValue).sum();
        long compare = samplesThrough(r.out(), "    compare+");
        assertTrue(compare >= 0.9 * all && all > 500, "the workload burns its CPU in compare: " + compare + " of " + all
                + ":\n" + r.out());
        for (String entry : entries(r.out())) {
            if (entry.contains("    compare+")) {
                assertTrue(inOrder(entry, "\n    compare+", "\n    qsort_r+", "\n    middle+", "\n    outer+", "\n    main+"),
                        "each sample in compare is walked through qsort in libc to main:\n" + entry);
            }
        }
        LiveTracer.Result fp = LiveTracer.trace("--call-graph", "fp", "-c", binary + " burn 300", "-e", script);
        assertEquals(0, fp.code(), fp.err());
        assertTrue(samplesThrough(fp.out(), "    compare+") > 0 && !fp.out().contains("main+"),
                "frame pointers alone do not get there:\n" + fp.out());
    }

    @Test
    void framesInTheVdsoAreNamedAndWalkedThrough() throws Exception {
        Path binary = withoutFramePointers();
        LiveTracer.Result r = LiveTracer.trace("-c", binary + " clock 30000000",
                "-e", "profile:hz:997 /pid == cpid/ { @[ustack(perf)] = count(); }");
        assertEquals(0, r.code(), r.err());
        List<String> inVdso = entries(r.out()).stream().filter(e -> e.contains("([vdso])")).toList();
        assertTrue(samplesThrough(r.out(), "([vdso])") > 0.3 * counts(r.out()).stream().mapToLong(Long::longValue).sum(),
                "the workload reads the clock in the vDSO most of its time:\n" + r.out());
        for (String entry : inVdso) {
            assertTrue(Pattern.compile("\t[0-9a-f]+ [A-Za-z_]*clock_gettime\\+\\d+ \\(\\[vdso\\]\\)\n").matcher(entry).find()
                    && inOrder(entry, "([vdso])", " read_clock+", " main+", " _start+"),
                    "named in the vDSO, then walked through libc to main:\n" + entry);
        }
    }

    @Test
    void framesOfJitCompiledJavaAreNamedFromThePerfMapTheJvmWrites() throws Exception {
        Path dir = Files.createDirectories(Path.of(System.getProperty("user.dir"), "target", "live-workload", "jit"));
        Path source = dir.resolve("JitHot.java");
        try (var in = StacksTest.class.getResourceAsStream("/live/JitHot.java")) {
            Files.copy(in, source, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Path bin = Path.of(System.getProperty("java.home"), "bin");
        LiveTracer.Result javac = LiveTracer.run(List.of(bin.resolve("javac").toString(), "-d", dir.toString(), source.toString()));
        assertEquals(0, javac.code(), javac.err());
        LiveTracer.Result r = LiveTracer.trace("-c", bin.resolve("java") + " -XX:+PreserveFramePointer -XX:+UnlockDiagnosticVMOptions"
                        + " -XX:+DumpPerfMapAtExit -cp " + dir + " JitHot 1500",
                "-e", "BEGIN { printf(\"cpid %d\\n\", cpid); } profile:hz:499 /pid == cpid/ { @[ustack(2)] = count(); }");
        try {
            assertEquals(0, r.code(), r.err());
            long jit = samplesThrough(r.out(), "    long JitHot.spinHot(long)+");
            long all = counts(r.out()).stream().mapToLong(Long::longValue).sum();
            assertTrue(jit > all / 2, "most samples are in the JIT-compiled loop, named from /tmp/perf-PID.map (" + jit + " of "
                    + all + "):\n" + r.out());
        } finally {
            Matcher cpid = Pattern.compile("^cpid (\\d+)$", Pattern.MULTILINE).matcher(r.out());
            if (cpid.find()) {
                Files.deleteIfExists(Path.of("/tmp/perf-" + cpid.group(1) + ".map"));
            }
        }
    }

    @Test
    void kaddrIsTheAddressTheKernelListsAndAnUnknownSymbolIsRefusedBeforeAttaching() throws Exception {
        String listed = Files.readAllLines(Path.of("/proc/kallsyms")).stream().filter(l -> l.endsWith(" ksys_read"))
                .findFirst().orElseThrow().split(" ")[0];
        LiveTracer.Result r = LiveTracer.trace("-e", "BEGIN { printf(\"%x %s\\n\", kaddr(\"ksys_read\"), ksym(kaddr(\"ksys_read\")));"
                + " exit(); }");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(Long.toHexString(Long.parseUnsignedLong(listed, 16)) + " ksys_read\n"), listed + ":\n" + r.out());
        LiveTracer.Result unknown = LiveTracer.trace("-e", "BEGIN { printf(\"%d\\n\", kaddr(\"no_such_symbol_here\")); exit(); }");
        assertEquals(3, unknown.code(), unknown.err());
        assertTrue(unknown.err().contains("kaddr(\"no_such_symbol_here\"): the kernel lists no symbol"), unknown.err());
    }

    @Test
    void hiddenKernelAddressesSayWhichSysctlToChange() throws Exception {
        Path sysctl = Path.of("/proc/sys/kernel/kptr_restrict");
        String before = Files.readString(sysctl).trim();
        Path binary = framePointers();
        try {
            Files.writeString(sysctl, "2\n");
            LiveTracer.Result r = LiveTracer.trace("-c", binary + " calls 2",
                    "-e", "tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @[kstack(2)] = count(); }");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("kernel.kptr_restrict"), r.err());
            assertEquals(List.of(2L), counts(r.out()), r.out());
        } finally {
            Files.writeString(sysctl, before + "\n");
        }
        assertEquals(before, Files.readString(sysctl).trim());
    }
}
