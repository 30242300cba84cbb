package dev.safetap.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.safetap.bytecode.Diagnostic;
import dev.safetap.bytecode.Disassembler;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.ProgramCodec;
import dev.safetap.bytecode.SafetapException;
import dev.safetap.compiler.CompileOptions;
import dev.safetap.compiler.Compiler;
import dev.safetap.kernel.SyntheticRecord;
import dev.safetap.kernel.TracepointFormat;
import dev.safetap.session.KernelProbeCatalog;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.verifier.Verifier;
import dev.safetap.vm.CodeSymbols;
import dev.safetap.vm.EventContext;
import dev.safetap.vm.StackTable;
import dev.safetap.vm.OutputFormat;
import dev.safetap.vm.Tier;
import dev.safetap.vm.TierKind;
import dev.safetap.vm.VmOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The golden corpus (the top-level {@code corpus/}, one folder per feature; corpus/README.md gives the format):
 * every script runs compiler, codec round trip, verifier and then every execution tier ({@link TierKind}) on
 * synthetic events built from real tracepoint formats, and must print exactly what it expects: its inline
 * {@code // expect:} lines, or {@code NAME.out} and {@code NAME.json.out}, which are what bpftrace 0.17 printed
 * for the script ({@code bpftrace} and {@code bpftrace -q -f json}).
 */
class CorpusTest {
    private static final Path CORPUS = Path.of("../corpus");
    private static final Pattern DIRECTIVE = Pattern.compile("//\\s*(event|args|expect|stderr|error):\\s?(.*)$");
    private static final Pattern VALUE = Pattern.compile("(\\w+)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S+)");
    private static final KernelProbeCatalog CATALOG = KernelProbeCatalog.snapshot();

    /** A corpus script and what it expects. */
    private record Script(Path path, String name, String source, List<String> events, List<String> args,
            Map<OutputFormat, String> expected, List<String> stderr, Map<Integer, String> errors) {
    }

    @TestFactory
    Stream<DynamicNode> corpus() throws IOException {
        List<Path> files;
        try (Stream<Path> walk = Files.walk(CORPUS)) {
            files = walk.filter(p -> p.toString().endsWith(".bt")).sorted().toList();
        }
        assertFalse(files.isEmpty(), "no corpus scripts under " + CORPUS.toAbsolutePath());
        List<DynamicNode> nodes = new ArrayList<>();
        for (Path file : files) {
            Script script = read(file);
            List<DynamicNode> runs = new ArrayList<>();
            runs.add(DynamicTest.dynamicTest("compiles as expected", () -> compile(script)));
            if (script.errors().isEmpty()) {
                for (TierKind tier : TierKind.values()) {
                    for (OutputFormat format : script.expected().keySet()) {
                        runs.add(DynamicTest.dynamicTest(tier.label() + " " + format.name().toLowerCase(), () -> run(script, tier, format)));
                    }
                }
            }
            nodes.add(DynamicContainer.dynamicContainer(script.name(), runs));
        }
        return nodes.stream();
    }

    private static Script read(Path file) throws IOException {
        String source = Files.readString(file);
        List<String> events = new ArrayList<>();
        List<String> args = new ArrayList<>();
        StringBuilder inline = new StringBuilder();
        boolean hasInline = false;
        List<String> stderr = new ArrayList<>();
        Map<Integer, String> errors = new TreeMap<>();
        String[] lines = source.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = DIRECTIVE.matcher(lines[i]);
            if (!m.find()) {
                continue;
            }
            String text = m.group(2);
            switch (m.group(1)) {
                case "event" -> events.add(text);
                case "args" -> args.addAll(List.of(text.trim().split("\\s+")));
                case "expect" -> {
                    inline.append(text).append('\n');
                    hasInline = true;
                }
                case "stderr" -> stderr.add(text);
                default -> errors.put(i + 1, text.trim());
            }
        }
        Map<OutputFormat, String> expected = new LinkedHashMap<>();
        String base = file.toString().substring(0, file.toString().length() - ".bt".length());
        Path text = Path.of(base + ".out");
        Path json = Path.of(base + ".json.out");
        if (Files.exists(text)) {
            expected.put(OutputFormat.TEXT, Files.readString(text));
        }
        if (Files.exists(json)) {
            expected.put(OutputFormat.JSON, Files.readString(json));
        }
        if (hasInline) {
            assertTrue(expected.isEmpty(), file + ": inline expectations and golden files both");
            expected.put(OutputFormat.TEXT, inline.toString());
        }
        String name = CORPUS.relativize(file).toString();
        assertTrue(!expected.isEmpty() || !errors.isEmpty(), name + " expects nothing: give it // expect: lines, a golden file or // error:");
        return new Script(file, name, source, events, args, expected, stderr, errors);
    }

    /** Compiles and verifies; a program must survive the codec unchanged. Expected errors must be exactly those. */
    private static VerifiedProgram compile(Script s) {
        CompileOptions options = new CompileOptions(CATALOG, s.args(), 4096);
        try {
            Program program = Compiler.compile(s.path().getFileName().toString(), s.source(), options);
            byte[] bytes = ProgramCodec.encode(program);
            Program back = ProgramCodec.decode(bytes);
            assertArrayEquals(bytes, ProgramCodec.encode(back), s.name() + ": the codec round trip changed the program");
            assertEquals(Disassembler.disassemble(program), Disassembler.disassemble(back), s.name() + ": disassembly after the round trip");
            VerifiedProgram verified = Verifier.verify(back);
            assertTrue(s.errors().isEmpty(), s.name() + " compiled, but errors were expected on lines " + s.errors().keySet());
            return verified;
        } catch (SafetapException e) {
            if (s.errors().isEmpty()) {
                fail(s.name() + " was rejected unexpectedly:\n" + e.render());
            }
            Map<Integer, String> seen = new TreeMap<>();
            for (Diagnostic d : e.diagnostics()) {
                seen.merge(d.line(), d.message() + " " + d.hint(), (a, b) -> a + " | " + b);
            }
            assertEquals(s.errors().keySet(), seen.keySet(), s.name() + ": lines with errors\n" + e.render());
            s.errors().forEach((line, fragment) -> assertTrue(seen.get(line).contains(fragment),
                    s.name() + ":" + line + ": expected an error containing '" + fragment + "', got:\n" + e.render()));
            return null;
        }
    }

    private static void run(Script s, TierKind kind, OutputFormat format) {
        VerifiedProgram verified = compile(s);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Tier tier = kind.create(verified, new VmOptions(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), 0, 4242, format, new StackTable(SYMBOLS)));
        tier.begin();
        long time = 1_000_000;
        for (String event : s.events()) {
            if (tier.exitRequested()) {
                break;
            }
            time += 1_000_000;
            fire(verified.program(), tier, event, time, s.name());
        }
        tier.end();
        tier.state().reportProblems();
        assertEquals(s.expected().get(format), out.toString(StandardCharsets.UTF_8), s.name() + ": output of the " + kind.label() + " tier");
        String warnings = err.toString(StandardCharsets.UTF_8);
        for (String fragment : s.stderr()) {
            assertTrue(warnings.contains(fragment), s.name() + ": stderr lacks '" + fragment + "':\n" + warnings);
        }
        if (s.stderr().isEmpty()) {
            assertEquals("", warnings, s.name() + ": unexpected warnings");
        }
    }

    private static void fire(Program program, Tier tier, String event, long time, String name) {
        String[] words = event.trim().split("\\s+", 2);
        String probeName = words[0];
        int probe = -1;
        for (int i = 0; i < program.probes().size() && probe < 0; i++) {
            if (program.probes().get(i).name().equals(probeName)) {
                probe = i;
            }
        }
        assertTrue(probe >= 0, name + ": no probe named " + probeName);
        EventContext ctx = new EventContext();
        ctx.pid = 100;
        ctx.tid = 100;
        ctx.timeNanos = time;
        String comm = "bash";
        String kernelStack = "";
        String userStack = "";
        Map<String, Object> fields = new LinkedHashMap<>();
        Matcher m = VALUE.matcher(words.length > 1 ? words[1] : "");
        while (m.find()) {
            Object value = parse(m.group(2));
            switch (m.group(1)) {
                case "pid" -> ctx.pid = ((Long) value).intValue();
                case "tid" -> ctx.tid = ((Long) value).intValue();
                case "cpu" -> ctx.cpu = ((Long) value).intValue();
                case "time" -> ctx.timeNanos = (Long) value;
                case "comm" -> comm = value.toString();
                case "kstack" -> kernelStack = m.group(2);
                case "ustack" -> userStack = m.group(2);
                default -> fields.put(m.group(1), value);
            }
        }
        byte[] c = comm.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(c, 0, ctx.comm, 0, Math.min(c.length, ctx.comm.length));
        ctx.commLength = Math.min(c.length, ctx.comm.length);
        byte[] record = new byte[0];
        if (program.probes().get(probe).kind().hasRecord()) {
            TracepointFormat format = CATALOG.tracepointCatalog().format(program.probes().get(probe).attach().tracepointName()).orElseThrow();
            fields.putIfAbsent("common_pid", (long) ctx.tid);
            record = SyntheticRecord.build(format, fields);
        }
        List<Long> chain = callchain(kernelStack, userStack);
        int chainAt = (record.length + 7) & ~7;
        ByteBuffer buffer = ByteBuffer.allocate(chainAt + 8 * chain.size()).order(ByteOrder.LITTLE_ENDIAN);
        buffer.put(record);
        for (int i = 0; i < chain.size(); i++) {
            buffer.putLong(chainAt + 8 * i, chain.get(i));
        }
        ctx.record = buffer;
        ctx.offset = 0;
        ctx.length = record.length;
        ctx.callchainOffset = chainAt;
        ctx.callchainLength = chain.size();
        tier.fire(probe, ctx);
    }

    /** A perf call chain of the comma-separated addresses {@code kstack=} and {@code ustack=} give, innermost first. */
    private static List<Long> callchain(String kernel, String user) {
        List<Long> chain = new ArrayList<>();
        if (!kernel.isEmpty()) {
            chain.add(-128L);
            for (String a : kernel.split(",")) {
                chain.add((Long) parse(a));
            }
        }
        if (!user.isEmpty()) {
            chain.add(-512L);
            for (String a : user.split(",")) {
                chain.add((Long) parse(a));
            }
        }
        return chain;
    }

    /**
     * The corpus's symbols: a few kernel functions from 0xffffffff81000000 and a program's from 0x401000, each 0x100
     * bytes, in process 100 only; other addresses are unknown.
     */
    private static final CodeSymbols SYMBOLS = new CodeSymbols() {
        private static final String[] KERNEL = {"entry_SYSCALL_64", "do_syscall_64", "ksys_read", "vfs_read"};
        private static final String[] USER = {"main", "hot_a", "hot_b"};

        @Override
        public Named kernel(long address) {
            long i = Long.divideUnsigned(address - 0xffffffff81000000L, 0x100);
            return i >= 0 && i < KERNEL.length ? new Named(KERNEL[(int) i], (address - 0xffffffff81000000L) % 0x100, null) : null;
        }

        @Override
        public Named user(int pid, long address) {
            long i = (address - 0x401000L) / 0x100;
            return pid == 100 && address >= 0x401000L && i < USER.length
                    ? new Named(USER[(int) i], (address - 0x401000L) % 0x100, "/usr/bin/app") : null;
        }
    };

    private static Object parse(String text) {
        if (text.startsWith("\"")) {
            return text.substring(1, text.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
        }
        try {
            return text.startsWith("0x") ? Long.parseUnsignedLong(text.substring(2), 16) : Long.parseLong(text);
        } catch (NumberFormatException e) {
            return text;
        }
    }
}
