package dev.safetap.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.safetap.bytecode.Diagnostic;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.SafetapException;
import dev.safetap.compiler.CompileOptions;
import dev.safetap.compiler.Compiler;
import dev.safetap.kernel.SyntheticRecord;
import dev.safetap.kernel.TracepointCatalog;
import dev.safetap.kernel.TracepointFormat;
import dev.safetap.session.KernelProbeCatalog;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.verifier.Verifier;
import dev.safetap.vm.EventContext;
import dev.safetap.vm.Interpreter;
import dev.safetap.vm.VmOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
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
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The golden corpus: each script under resources/corpus carries its expectations inline and runs
 * compiler -> verifier -> interpreter on synthetic events built from real tracepoint formats.
 *
 * <ul>
 *   <li>{@code // event: PROBE key=value ...} feeds one event (pid, tid, cpu, comm, time set the
 *       context; other keys set record fields; values are integers, "quoted" or bare strings);
 *   <li>{@code // args: A B} sets the positional parameters;
 *   <li>{@code // expect: LINE} is the next line of output, exactly ({@code // expect:} alone is an empty line);
 *   <li>{@code // stderr: TEXT} is a fragment that must appear in the warnings printed at exit;
 *   <li>{@code // error: TEXT} on a source line: compiling or verifying fails with a diagnostic on that line whose
 *       message contains TEXT, and no other line has a diagnostic.
 * </ul>
 */
class CorpusTest {
    private static final Path CORPUS = Path.of("src/test/resources/corpus");
    private static final Pattern DIRECTIVE = Pattern.compile("//\\s*(event|args|expect|stderr|error):\\s?(.*)$");
    private static final Pattern VALUE = Pattern.compile("(\\w+)=(\"(?:[^\"\\\\]|\\\\.)*\"|\\S+)");
    private static final TracepointCatalog CATALOG = TracepointCatalog.snapshot();

    @TestFactory
    Stream<DynamicTest> corpus() throws IOException {
        List<Path> scripts;
        try (Stream<Path> files = Files.list(CORPUS)) {
            scripts = files.filter(p -> p.toString().endsWith(".bt")).sorted().toList();
        }
        assertFalse(scripts.isEmpty(), "no corpus scripts under " + CORPUS.toAbsolutePath());
        return scripts.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> run(p)));
    }

    private static void run(Path script) throws IOException {
        String source = Files.readString(script);
        String name = script.getFileName().toString();
        List<String> events = new ArrayList<>();
        List<String> args = new ArrayList<>();
        StringBuilder expected = new StringBuilder();
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
                case "expect" -> expected.append(text).append('\n');
                case "stderr" -> stderr.add(text);
                default -> errors.put(i + 1, text.trim());
            }
        }
        CompileOptions options = new CompileOptions(KernelProbeCatalog.of(CATALOG), args, 4096);
        VerifiedProgram verified;
        try {
            Program program = Compiler.compile(name, source, options);
            verified = Verifier.verify(program);
        } catch (SafetapException e) {
            if (errors.isEmpty()) {
                fail(name + " was rejected unexpectedly:\n" + e.render());
            }
            Map<Integer, String> seen = new TreeMap<>();
            for (Diagnostic d : e.diagnostics()) {
                seen.merge(d.line(), d.message() + " " + d.hint(), (a, b) -> a + " | " + b);
            }
            assertEquals(errors.keySet(), seen.keySet(), name + ": lines with errors\n" + e.render());
            errors.forEach((line, fragment) -> assertTrue(seen.get(line).contains(fragment),
                    name + ":" + line + ": expected an error containing '" + fragment + "', got:\n" + e.render()));
            return;
        }
        assertTrue(errors.isEmpty(), name + " compiled, but errors were expected on lines " + errors.keySet());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Interpreter vm = new Interpreter(verified, new VmOptions(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), 0, 4242));
        vm.begin();
        long time = 1_000_000;
        for (String event : events) {
            if (vm.exitRequested()) {
                break;
            }
            time += 1_000_000;
            fire(verified.program(), vm, event, time, name);
        }
        vm.end();
        vm.state().reportProblems();
        assertEquals(expected.toString(), out.toString(StandardCharsets.UTF_8), name + ": output");
        String warnings = err.toString(StandardCharsets.UTF_8);
        for (String fragment : stderr) {
            assertTrue(warnings.contains(fragment), name + ": stderr lacks '" + fragment + "':\n" + warnings);
        }
        if (stderr.isEmpty()) {
            assertEquals("", warnings, name + ": unexpected warnings");
        }
    }

    private static void fire(Program program, Interpreter vm, String event, long time, String name) {
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
                default -> fields.put(m.group(1), value);
            }
        }
        byte[] c = comm.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(c, 0, ctx.comm, 0, Math.min(c.length, ctx.comm.length));
        ctx.commLength = Math.min(c.length, ctx.comm.length);
        if (probeName.startsWith("tracepoint:")) {
            TracepointFormat format = CATALOG.format(probeName.substring("tracepoint:".length())).orElseThrow();
            fields.putIfAbsent("common_pid", (long) ctx.pid);
            byte[] record = SyntheticRecord.build(format, fields);
            ctx.record = ByteBuffer.wrap(record);
            ctx.offset = 0;
            ctx.length = record.length;
        }
        vm.fire(probe, ctx);
    }

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
