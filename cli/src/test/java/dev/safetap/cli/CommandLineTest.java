package dev.safetap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The subcommands that need no tracing, run in-process: their output and exit codes. */
class CommandLineTest {
    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {
    }

    private static Result run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void verifyPrintsTheReportAndAccepts() {
        Result r = run("verify", "-e", "tracepoint:syscalls:sys_enter_read /args.fd == 3/ { @[comm] = count(); }");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("tracepoint:syscalls:sys_enter_read"), r.out());
        assertTrue(r.out().contains("fields read: fd"), r.out());
        assertTrue(r.out().contains("memory bound"), r.out());
    }

    @Test
    void verifyListsTheStacksAProbeTakesAndTheRecordCopyTheKernelFramesOfASystemCallNeed() {
        Result r = run("verify", "-e", "tracepoint:syscalls:sys_enter_read { @[kstack, ustack(perf, 5)] = count(); }"
                + " tracepoint:syscalls:sys_exit_read { @s[ksym(retval)] = count(); }");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("    stacks: kstack, ustack(perf)\n    kernel: record copy\n"), r.out());
        assertTrue(r.out().contains("    stacks: ksym\n    order:"), "a symbol of an address needs no call chain: " + r.out());
        Result json = run("verify", "--json", "-e", "tracepoint:syscalls:sys_enter_read { @[ustack] = count(); }");
        assertTrue(json.out().contains("\"kernel\":[\"record copy\"],\"stacks\":[\"ustack\"]"), json.out());
    }

    @Test
    void aFlameGraphNeedsAStackMapAndAWritableDirectory() {
        Result none = run("--flamegraph", dir.resolve("x.svg").toString(), "-e", "BEGIN { @[1] = count(); exit(); }");
        assertEquals(2, none.code(), none.err());
        assertTrue(none.err().contains("--flamegraph draws the maps keyed by a stack"), none.err());
        Result nowhere = run("--flamegraph", dir.resolve("no/such/dir/x.svg").toString(), "-e", "BEGIN { exit(); }");
        assertEquals(2, nowhere.code(), nowhere.err());
        assertTrue(nowhere.err().contains("its directory does not exist"), nowhere.err());
    }

    @Test
    void aCallGraphIsFpOrDwarfWithASizeTheKernelCopies() {
        for (String bad : List.of("lbr", "dwarf,", "dwarf,0", "dwarf,65536", "dwarf,lots", "DWARF")) {
            Result r = run("--call-graph", bad, "-e", "BEGIN { exit(); }");
            assertEquals(2, r.code(), bad + ": " + r.err());
            assertTrue(r.err().contains("--call-graph " + bad) && (r.err().contains("say fp")
                    || r.err().contains("bytes")), bad + ": " + r.err());
            assertFalse(r.err().contains("Exception"), r.err());
        }
    }

    @Test
    void verifyJsonIsOneObject() {
        Result r = run("verify", "--json", "-e", "BEGIN { @x = count(); exit(); }");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("{") && r.out().endsWith("}\n") && r.out().lines().count() == 1, r.out());
    }

    @Test
    void rejectedScriptExitsOneWithFileLineColumnAndCaret() throws IOException {
        Path script = dir.resolve("bad.bt");
        Files.writeString(script, "BEGIN {\n  @x = 1 + \"a\";\n}\n");
        Result r = run("verify", script.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith(script + ":2:"), r.err());
        assertTrue(r.err().contains("    ^") || r.err().contains("^\n"), r.err());
    }

    @Test
    void usageErrorsExitTwo() {
        assertEquals(2, run("--no-such-option").code());
        Result missing = run(dir.resolve("absent.bt").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("no such file"), missing.err());
    }

    @Test
    void anUnknownOutputFormatIsAUsageError() {
        Result r = run("-f", "yaml", "-e", "BEGIN { exit(); }");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("unknown output format 'yaml': use text, json or folded"), r.err());
    }

    @Test
    void compiledBytecodeIsVerifiedAndDisassembles() throws IOException {
        Path out = dir.resolve("prog.stp");
        assertEquals(0, run("compile", "-e", "BEGIN { printf(\"%d\\n\", 7); exit(); }", "-o", out.toString()).code());
        byte[] bytes = Files.readAllBytes(out);
        Result disasm = run("disasm", out.toString());
        assertEquals(0, disasm.code(), disasm.err());
        assertTrue(disasm.out().contains("PRINTF"), disasm.out());
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(out, bytes);
        Result tampered = run("verify", out.toString());
        assertTrue(tampered.code() == 0 || tampered.code() == 1 && tampered.err().contains("error:") && !tampered.err().contains("Exception"),
                "a tampered file is accepted or cleanly rejected: " + tampered.err());
        Files.write(out, new byte[] {0x53, 0x46, 0x54, 0x50, 0, 1, 0});
        Result truncated = run("verify", out.toString());
        assertEquals(1, truncated.code());
        assertTrue(truncated.err().contains("not a valid bytecode file"), truncated.err());
    }

    @Test
    void fuzzReportsRuntimeErrorsWithTheirLineAndExitsOne() throws IOException {
        Path script = dir.resolve("div.bt");
        Files.writeString(script, "tracepoint:syscalls:sys_enter_read { @q = sum(args.count / args.fd); }\n");
        Result bad = run("fuzz", script.toString(), "--events", "300", "--seed", "7");
        assertEquals(1, bad.code(), bad.out() + bad.err());
        assertTrue(bad.out().contains("division by zero"), bad.out());
        assertTrue(bad.out().contains(script + ":1:"), bad.out());
        Result good = run("fuzz", "-e", "tracepoint:syscalls:sys_enter_read { @n = count(); }", "--events", "300");
        assertEquals(0, good.code(), good.out() + good.err());
        assertTrue(good.out().contains("100%"), good.out());
    }

    @Test
    void listShowsTracepointsAndTheirFields() {
        Result r = run("-lv", "syscalls:sys_enter_read");
        assertEquals(0, r.code(), r.err());
        assertEquals("tracepoint:syscalls:sys_enter_read\n    int __syscall_nr\n    unsigned int fd\n    char * buf\n    size_t count\n", r.out());
    }

    @Test
    void aBytecodeFileOfAnOlderFormatSaysToRecompile() throws IOException {
        Path out = dir.resolve("old.stp");
        assertEquals(0, run("compile", "-e", "BEGIN { exit(); }", "-o", out.toString()).code());
        byte[] bytes = Files.readAllBytes(out);
        bytes[5] = 2;
        Files.write(out, bytes);
        Result r = run("verify", out.toString());
        assertEquals(1, r.code());
        assertEquals(out + ": error: not a valid bytecode file: this file is safetap bytecode version 2, made by an older "
                + "safetap; this safetap reads version 3: recompile the script (safetap compile SCRIPT -o FILE)\n", r.err());
    }

    @Test
    void anErrorNoStageAccountsForIsAnInternalErrorWithItsOwnExitCode() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.handle(new IllegalStateException("broken invariant"), new PrintStream(err, true));
        assertEquals(70, code);
        assertTrue(err.toString().startsWith("safetap: internal error: java.lang.IllegalStateException: broken invariant; "
                + "please report it"), err.toString());
    }

    /** 800 lhist maps keyed by nsecs may take 24.5 GiB: the verifier refuses them under the budget, for every command. */
    @Test
    void mapsOverTheMemoryBudgetAreRejectedBeforeAnythingRuns() throws IOException {
        Path script = dir.resolve("maps.bt");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 800; i++) {
            sb.append("tracepoint:syscalls:sys_enter_read { @h").append(i).append("[nsecs] = lhist(nsecs % 1000, 0, 1000, 1); }\n");
        }
        Files.writeString(script, sb.toString());
        String refusal = script + ": error: the maps of this program may take up to 24.5 GiB (26293043200 B), over the memory budget"
                + " of 1.0 GiB (1073741824 B)\nhint: raise the budget with --memory, or lower --map-capacity (now 4096)\n";
        for (String command : new String[] {"verify", "fuzz", "compile"}) {
            Result r = command.equals("compile") ? run(command, "--memory", "1G", script.toString(), "-o", dir.resolve("x").toString())
                    : run(command, "--memory", "1G", script.toString());
            assertEquals(1, r.code(), command + ": " + r.err());
            assertEquals(refusal, r.err(), command);
        }
        Result bigger = run("verify", "--memory", "32G", script.toString());
        assertEquals(0, bigger.code(), bigger.err());
        assertTrue(bigger.out().endsWith("memory bound: 24.5 GiB (26293043200 B) of a budget of 32.0 GiB (34359738368 B)\n"), bigger.out());
        Result bad = run("verify", "--memory", "lots", script.toString());
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("'lots' is not a size: write bytes, or a number with K, M, G or T, e.g. 512M"), bad.err());
    }

    private static final String TRY_HELP = "Try 'safetap --help' for usage.\n";

    @Test
    void ringPagesOutsideTheRangeAreAUsageError() {
        int pageSize = dev.safetap.kernel.LibC.getpagesize();
        String range = "--ring-pages must be a power of two from 1 to " + (1 << 28) / pageSize + " (256 MiB per CPU with "
                + pageSize + "-byte pages), not ";
        for (String pages : new String[] {"0", "-1", "3", "2147483647", "262144"}) {
            Result r = run("--ring-pages", pages, "-e", "BEGIN { exit(); }");
            assertEquals(2, r.code(), r.err());
            assertEquals("safetap: " + range + pages + "\n" + TRY_HELP, r.err());
        }
        Result notANumber = run("--ring-pages", "many", "-e", "BEGIN { exit(); }");
        assertEquals(2, notANumber.code());
    }

    @Test
    void workersOutsideTheRangeAreAUsageError() {
        for (String workers : new String[] {"-1", "257"}) {
            Result r = run("--workers", workers, "-e", "BEGIN { exit(); }");
            assertEquals(2, r.code(), r.err());
            assertEquals("safetap: --workers takes a number of threads from 0 to 256, not " + workers + "\n" + TRY_HELP, r.err());
        }
    }

    @Test
    void pidMustNameAProcessAndExcludesDashC() {
        for (String pid : new String[] {"-1", "0"}) {
            Result r = run("-p", pid, "-e", "BEGIN { exit(); }");
            assertEquals(2, r.code(), r.err());
            assertEquals("safetap: -p takes the id of a running process, a positive number, not " + pid + "\n" + TRY_HELP,
                    r.err());
        }
        Result both = run("-p", "1", "-c", "/bin/true", "-e", "BEGIN { exit(); }");
        assertEquals(2, both.code());
        assertEquals("safetap: -c and -p cannot be used together: -c traces the command it starts, -p a running process\n"
                + TRY_HELP, both.err());
    }

    @Test
    void aCommandThatCannotRunIsAUsageError() throws IOException {
        Path plain = Files.writeString(dir.resolve("plain.txt"), "not a program\n");
        String[][] cases = {
            {"/no/such/cmd", "/no/such/cmd: no such file"},
            {"safetap-no-such-command --flag", "safetap-no-such-command: no such command in PATH"},
            {dir.toString(), dir + ": it is a directory"},
            {plain.toString(), plain + ": it is not an executable file"},
        };
        for (String[] c : cases) {
            Result r = run("-c", c[0], "-e", "BEGIN { exit(); }");
            assertEquals(2, r.code(), r.err());
            assertEquals("safetap: -c: cannot run " + c[1] + "\n" + TRY_HELP, r.err());
        }
        Result blank = run("-c", " ", "-e", "BEGIN { exit(); }");
        assertEquals(2, blank.code());
        assertEquals("safetap: -c needs a command to run\n" + TRY_HELP, blank.err());
    }

    @Test
    void compileToADirectoryOrAFullDeviceIsAUsageError() {
        Result directory = run("compile", "-e", "BEGIN { exit(); }", "-o", dir.toString());
        assertEquals(2, directory.code(), directory.err());
        assertEquals("safetap: cannot write the bytecode to " + dir + ": it is a directory; give the name of the file to"
                + " write\n" + TRY_HELP, directory.err());
        Result full = run("compile", "-e", "BEGIN { exit(); }", "-o", "/dev/full");
        assertEquals(2, full.code(), full.err());
        assertEquals("safetap: cannot write the bytecode to /dev/full: No space left on device; choose another file for -o\n"
                + TRY_HELP, full.err());
    }

    @Test
    void aListPatternOfAHundredThousandStarsListsEverything() {
        Result all = run("-l", "*");
        assertEquals(0, all.code(), all.err());
        Result stars = run("-l", "*".repeat(100_000));
        assertEquals(0, stars.code(), stars.err());
        assertEquals(all.out(), stars.out());
        Result prefixed = run("-l", "tracepoint:" + "*".repeat(100_000) + ":sys_enter_read");
        assertEquals("tracepoint:syscalls:sys_enter_read\n", prefixed.out());
    }
}
