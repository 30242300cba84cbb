package dev.safetap.cli;

import dev.safetap.bytecode.ProgramCodec;
import dev.safetap.compiler.CompileOptions;
import dev.safetap.compiler.Compiler;
import dev.safetap.session.KernelProbeCatalog;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded fuzz of the command line, run on every build: random bytes, random mutations of the corpus scripts and of
 * their bytecode, given to {@code verify}, {@code compile}, {@code fuzz} and {@code -e}. Whatever the input, every run
 * must keep the bounds of {@link CommandLineBounds}: exit 0, 1 or 2, no stack trace or internal error, no control
 * character on stderr, output bounded by the input, time bounded. The seed is fixed and each case is derived from
 * its index alone, so a failure names the case that reproduces it.
 */
class CommandLineFuzzTest {
    private static final long SEED = 8;
    private static final int CASES = 400;
    /** What is inserted into scripts: terminal escapes, invisible and wide characters, bytes that are not UTF-8. */
    private static final String[] HOSTILE = {
        "\u001b[2J", "\u001b[1A\u001b[2K", "\r", "\t", "\u0000", "\u0007", "\u007f", "\u009b", "\u202e", "\u200b", "\ufeff",
        "\u2028", "\uD83D\uDE00", "\u00e9", "\"", "/*", "*/", "//", "\n", "{", "}", "(", ")", ";", "$", "@", "#", "\\",
    };

    @TempDir
    Path dir;

    @Test
    void noInputKnocksOverTheCommandLine() throws IOException {
        List<byte[]> scripts = new ArrayList<>();
        List<byte[]> bytecode = new ArrayList<>();
        CompileOptions options = new CompileOptions(KernelProbeCatalog.snapshot(), List.of("1", "a"), 4096);
        try (Stream<Path> walk = Files.walk(Path.of("../corpus"))) {
            for (Path p : walk.filter(f -> f.toString().endsWith(".bt")).sorted().toList()) {
                byte[] text = Files.readAllBytes(p);
                scripts.add(text);
                try {
                    bytecode.add(ProgramCodec.encode(Compiler.compile(p.getFileName().toString(),
                            new String(text, StandardCharsets.UTF_8), options)));
                } catch (RuntimeException rejected) {
                    continue;
                }
            }
        }
        for (int i = 0; i < CASES; i++) {
            Random r = new Random(SEED * 1_000_003 + i);
            byte[] input = switch (r.nextInt(4)) {
                case 0 -> randomBytes(r);
                case 1, 2 -> mutate(r, scripts.get(r.nextInt(scripts.size())));
                default -> flip(r, bytecode.get(r.nextInt(bytecode.size())));
            };
            Path file = dir.resolve("case-" + i + ".bt");
            Files.write(file, input);
            String[] args = switch (r.nextInt(4)) {
                case 0 -> new String[] {"verify", file.toString()};
                case 1 -> new String[] {"compile", file.toString(), "-o", dir.resolve("out.sftp").toString()};
                case 2 -> new String[] {"fuzz", file.toString(), "--events", "20", "--seed", String.valueOf(i)};
                default -> new String[] {"verify", "-e", new String(input, StandardCharsets.UTF_8)};
            };
            CommandLineBounds.run(args, input.length);
        }
    }

    private static byte[] randomBytes(Random r) {
        byte[] b = new byte[r.nextInt(3000)];
        r.nextBytes(b);
        if (r.nextBoolean()) {
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (b[i] & 0x7f);
            }
        }
        if (b.length >= 4 && r.nextInt(4) == 0) {
            System.arraycopy(new byte[] {'S', 'F', 'T', 'P'}, 0, b, 0, 4);
        }
        return b;
    }

    /** A script with a few edits: hostile text inserted, a range deleted, or a range repeated many times. */
    private static byte[] mutate(Random r, byte[] script) {
        byte[] out = script;
        for (int e = 1 + r.nextInt(4); e > 0; e--) {
            int at = out.length == 0 ? 0 : r.nextInt(out.length);
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            b.write(out, 0, at);
            switch (r.nextInt(4)) {
                case 0 -> {
                    String hostile = HOSTILE[r.nextInt(HOSTILE.length)];
                    b.writeBytes(hostile.repeat(1 + (r.nextInt(4) == 0 ? r.nextInt(200) : 0)).getBytes(StandardCharsets.UTF_8));
                    b.write(out, at, out.length - at);
                }
                case 1 -> {
                    int skip = Math.min(out.length - at, r.nextInt(40));
                    b.write(out, at + skip, out.length - at - skip);
                }
                case 2 -> {
                    int len = Math.min(out.length - at, 1 + r.nextInt(60));
                    for (int n = r.nextInt(300); n >= 0; n--) {
                        b.write(out, at, len);
                    }
                    b.write(out, at, out.length - at);
                }
                default -> {
                    b.write(r.nextInt(256));
                    b.write(out, at, out.length - at);
                }
            }
            out = b.toByteArray();
        }
        return out;
    }

    /** Bytecode with a few bytes changed: the verifier and the codec must reject it cleanly, or accept it. */
    private static byte[] flip(Random r, byte[] bytecode) {
        byte[] b = bytecode.clone();
        for (int n = 1 + r.nextInt(4); n > 0; n--) {
            int at = 6 + r.nextInt(b.length - 6);
            b[at] = r.nextInt(3) == 0 ? (byte) 0x1b : (byte) r.nextInt(256);
        }
        return b;
    }
}
