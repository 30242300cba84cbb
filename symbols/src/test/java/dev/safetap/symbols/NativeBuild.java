package dev.safetap.symbols;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Real binaries for the tests: C programs compiled with gcc, and what binutils (nm, readelf) say about them,
 * the reference every lookup is checked against. A missing tool fails the test, naming it (with a plain
 * AssertionError, so that benchmarks can build programs without JUnit on their class path).
 */
final class NativeBuild {
    /**
     * The test program: two hot functions, main, and {@code bare_asm}, a function written in assembly without a
     * size. Run with an argument it prints {@code &hot_a}, {@code &hot_b} and {@code &main}, then waits for its
     * standard input to close.
     */
    static final String PROGRAM = """
            #include <stdio.h>
            #include <unistd.h>

            __asm__(".text\\n.globl bare_asm\\n.type bare_asm,@function\\nbare_asm:\\n"
                    "\\tnop\\n\\tnop\\n\\tnop\\n\\tnop\\n\\tret\\n");
            void bare_asm(void);

            volatile long sink;

            __attribute__((noinline)) long hot_a(long n) {
                long s = 0;
                for (long i = 0; i < n; i++) {
                    s += i * 3 + (s >> 1);
                }
                return s;
            }

            __attribute__((noinline)) long hot_b(long n) {
                long s = 1;
                for (long i = 0; i < n; i++) {
                    s ^= hot_a(i & 7) + i;
                }
                return s;
            }

            int main(int argc, char **argv) {
                (void) argv;
                if (argc > 1) {
                    char c;
                    printf("%p %p %p\\n", (void *) &hot_a, (void *) &hot_b, (void *) &main);
                    fflush(stdout);
                    while (read(0, &c, 1) > 0) {
                    }
                }
                sink = hot_b(argc);
                bare_asm();
                return 0;
            }
            """;

    /** A function symbol as readelf lists it. */
    record ElfEntry(String name, long value, long size, String binding) {
    }

    private NativeBuild() {
    }

    /** Compiles {@link #PROGRAM} into {@code dir/name} with the gcc {@code flags}. */
    static Path compile(Path dir, String name, String... flags) throws IOException {
        return compileSource(dir, name, PROGRAM, flags);
    }

    /** Compiles {@code source} into {@code dir/name} with the gcc {@code flags}. */
    static Path compileSource(Path dir, String name, String source, String... flags) throws IOException {
        Path c = dir.resolve(name + ".c");
        Files.writeString(c, source);
        Path binary = dir.resolve(name);
        List<String> command = new ArrayList<>(List.of("gcc", "-o", binary.toString()));
        command.addAll(List.of(flags));
        command.add(c.toString());
        run(command.toArray(String[]::new));
        return binary;
    }

    /** Runs {@code command} to completion and returns its standard output; fails when it cannot run or exits non-zero. */
    static String run(String... command) throws IOException {
        Path errors = Files.createTempFile("safetap-native", ".err");
        try {
            Process process;
            try {
                process = new ProcessBuilder(command).redirectError(errors.toFile()).start();
            } catch (IOException e) {
                throw new AssertionError("cannot run " + command[0] + " (is it installed?): " + e.getMessage(), e);
            }
            process.getOutputStream().close();
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError(String.join(" ", command) + " did not finish");
            }
            if (process.exitValue() != 0) {
                throw new AssertionError(String.join(" ", command) + " exited with " + process.exitValue() + ": "
                        + Files.readString(errors));
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            Files.deleteIfExists(errors);
        }
    }

    /** The defined symbols nm lists ({@code options} such as -D), by name: address; versions (@GLIBC_2.2.5) dropped. */
    static Map<String, Long> nm(Path binary, String... options) throws IOException {
        List<String> command = new ArrayList<>(List.of("nm", "--defined-only"));
        command.addAll(List.of(options));
        command.add(binary.toString());
        Map<String, Long> symbols = new HashMap<>();
        for (String line : run(command.toArray(String[]::new)).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3) {
                symbols.putIfAbsent(unversioned(f[2]), Long.parseUnsignedLong(f[0], 16));
            }
        }
        return symbols;
    }

    /** Every name nm lists at each address. */
    static Map<Long, List<String>> namesByAddress(Map<String, Long> nm) {
        Map<Long, List<String>> names = new TreeMap<>();
        nm.forEach((name, address) -> names.computeIfAbsent(address, a -> new ArrayList<>()).add(name));
        return names;
    }

    /** The defined FUNC and IFUNC symbols of {@code .symtab} (or with --dyn-syms, {@code .dynsym}) per readelf. */
    static List<ElfEntry> functions(Path binary, boolean dynamic) throws IOException {
        String listing = run("readelf", "-W", dynamic ? "--dyn-syms" : "--syms", binary.toString());
        List<ElfEntry> functions = new ArrayList<>();
        for (String line : listing.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length < 8 || !f[0].endsWith(":") || !(f[3].equals("FUNC") || f[3].equals("IFUNC")) || f[6].equals("UND")) {
                continue;
            }
            long size = f[2].startsWith("0x") ? Long.parseLong(f[2].substring(2), 16) : Long.parseLong(f[2]);
            functions.add(new ElfEntry(unversioned(f[7]), Long.parseUnsignedLong(f[1], 16), size, f[4]));
        }
        return functions;
    }

    /** The build id readelf -n prints, or "" when the file has none. */
    static String buildId(Path binary) throws IOException {
        for (String line : run("readelf", "-n", binary.toString()).split("\n")) {
            if (line.trim().startsWith("Build ID: ")) {
                return line.trim().substring("Build ID: ".length());
            }
        }
        return "";
    }

    /** The PT_LOAD segments as readelf -lW prints them. */
    static List<LoadSegment> loads(Path binary) throws IOException {
        List<LoadSegment> loads = new ArrayList<>();
        for (String line : run("readelf", "-lW", binary.toString()).split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 8 && f[0].equals("LOAD")) {
                String flags = String.join(" ", List.of(f).subList(6, f.length - 1));
                loads.add(new LoadSegment(hex(f[1]), hex(f[2]), hex(f[4]), hex(f[5]), flags.contains("E")));
            }
        }
        return loads;
    }

    /** The call frame sections with contents in {@code file}, as readelf -SW lists them. */
    static List<FrameSection> frameSections(Path file) throws IOException {
        List<FrameSection> frames = new ArrayList<>();
        for (String line : run("readelf", "-SW", file.toString()).split("\n")) {
            int bracket = line.indexOf(']');
            String[] f = bracket < 0 ? new String[0] : line.substring(bracket + 1).trim().split("\\s+");
            if (f.length > 4 && List.of(".eh_frame", ".eh_frame_hdr", ".debug_frame").contains(f[0])
                    && !f[1].equals("NOBITS") && Long.parseLong(f[4], 16) > 0) {
                frames.add(new FrameSection(file, f[0], Long.parseLong(f[3], 16), Long.parseLong(f[2], 16),
                        Long.parseLong(f[4], 16)));
            }
        }
        return frames;
    }

    private static long hex(String field) {
        return Long.parseUnsignedLong(field.substring(2), 16);
    }

    private static String unversioned(String name) {
        int at = name.indexOf('@');
        return at > 0 ? name.substring(0, at) : name;
    }
}
