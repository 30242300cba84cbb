package dev.safetap.symbols;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A real user stack, taken as perf would take it: a C program whose function {@code capture} reads its own
 * registers (rip through a {@code lea}, then rsp, rbp and the callee-saved rbx and r12-r15, all in one asm
 * statement, so they agree with the call frame information at that rip), copies the {@value #STACK_BYTES}
 * bytes above rsp (less if the stack mapping ends sooner), writes them, the registers and its /proc/self/maps
 * to a directory, then exits.
 *
 * <p>Run with a directory and a {@link Chain}, it captures in that chain of calls.
 *
 * @param stack  the registers and the stack bytes, with the mask of {@link #MASK}
 * @param space  the program's mappings when it captured
 * @param pid    the program's process id (it has exited)
 * @param binary the program
 */
record CapturedStack(UserStack stack, AddressSpace space, int pid, Path binary) {
    static final int STACK_BYTES = 16384;
    /** The registers captured: IP, SP, BP, BX, R12-R15. */
    static final long MASK = UserStack.MINIMUM_MASK | X86Register.BX.mask() | X86Register.R12.mask()
            | X86Register.R13.mask() | X86Register.R14.mask() | X86Register.R15.mask();

    static final String PROGRAM = """
            #include <fcntl.h>
            #include <signal.h>
            #include <stdint.h>
            #include <stdio.h>
            #include <stdlib.h>
            #include <string.h>
            #include <unistd.h>

            #define STACK_BYTES %d

            static unsigned char copy[STACK_BYTES];
            static const char *out_dir;
            volatile long sink;

            static void write_file(const char *name, const void *data, size_t size) {
                char path[4200];
                snprintf(path, sizeof path, "%%s/%%s", out_dir, name);
                int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
                if (fd < 0 || write(fd, data, size) != (ssize_t) size) {
                    perror(path);
                    exit(2);
                }
                close(fd);
            }

            __attribute__((noipa)) static uintptr_t mapping_end(uintptr_t address) {
                FILE *maps = fopen("/proc/self/maps", "r");
                char line[4096];
                uintptr_t low, high, end = address;
                while (maps && fgets(line, sizeof line, maps)) {
                    if (sscanf(line, "%%lx-%%lx", &low, &high) == 2 && low <= address && address < high) {
                        end = high;
                    }
                }
                if (maps) {
                    fclose(maps);
                }
                return end;
            }

            __attribute__((noipa)) void capture(void) {
                uint64_t r[8];
                __asm__ volatile(
                    "lea 0(%%%%rip), %%%%rax\\n\\t"
                    "mov %%%%rax, 0(%%0)\\n\\t"
                    "mov %%%%rsp, 8(%%0)\\n\\t"
                    "mov %%%%rbp, 16(%%0)\\n\\t"
                    "mov %%%%rbx, 24(%%0)\\n\\t"
                    "mov %%%%r12, 32(%%0)\\n\\t"
                    "mov %%%%r13, 40(%%0)\\n\\t"
                    "mov %%%%r14, 48(%%0)\\n\\t"
                    "mov %%%%r15, 56(%%0)\\n\\t"
                    : : "r"(r) : "rax", "memory");
                uintptr_t sp = r[1];
                uintptr_t end = mapping_end(sp);
                size_t size = end - sp < STACK_BYTES ? end - sp : STACK_BYTES;
                memcpy(copy, (void *) sp, size);
                write_file("stack", copy, size);
                char text[256];
                int n = snprintf(text, sizeof text, "%%lx %%lx %%lx %%lx %%lx %%lx %%lx %%lx\\n",
                                 r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7]);
                write_file("registers", text, n);
                static char maps[1 << 20];
                int fd = open("/proc/self/maps", O_RDONLY);
                size_t length = 0;
                ssize_t got;
                while (fd >= 0 && (got = read(fd, maps + length, sizeof maps - length)) > 0) {
                    length += got;
                }
                write_file("maps", maps, length);
                exit(0);
            }

            __attribute__((noipa)) long hot_b(long n) {
                capture();
                return n + sink;
            }

            __attribute__((noipa)) long hot_a(long n) {
                return hot_b(n + 1) * 3;
            }

            static int compare(const void *a, const void *b) {
                static int captured;
                if (!captured) {
                    captured = 1;
                    capture();
                }
                return *(const int *) a - *(const int *) b;
            }

            static void on_signal(int signal) {
                capture();
                sink = signal;
            }

            int main(int argc, char **argv) {
                out_dir = argv[1];
                if (argc > 2 && strcmp(argv[2], "signal") == 0) {
                    signal(SIGUSR1, on_signal);
                    raise(SIGUSR1);
                } else if (argc > 2 && strcmp(argv[2], "qsort") == 0) {
                    int v[64];
                    for (int i = 0; i < 64; i++) {
                        v[i] = (i * 37) %% 64;
                    }
                    qsort(v, 64, sizeof v[0], compare);
                    sink = v[0];
                } else {
                    sink = hot_a(argc);
                }
                return 0;
            }
            """.formatted(STACK_BYTES);

    /** Compiles {@link #PROGRAM} into {@code dir/name} with the gcc {@code flags}. */
    static Path compile(Path dir, String name, String... flags) throws IOException {
        return NativeBuild.compileSource(dir, name, PROGRAM, flags);
    }

    /** Where the program captures its stack. */
    enum Chain {
        /** main → hot_a → hot_b → capture. */
        HOT,
        /** main → qsort (libc) → compare → capture. */
        QSORT,
        /** main → raise (libc) → the kernel's signal frame → on_signal → capture. */
        SIGNAL
    }

    /** Runs {@code binary} to capture in {@code chain} and reads what it captured. */
    static CapturedStack run(Path binary, Path dir, Chain chain) throws IOException, InterruptedException {
        Path out = Files.createDirectories(dir.resolve(binary.getFileName() + "-" + chain));
        ProcessBuilder builder = new ProcessBuilder(binary.toString(), out.toString(), chain.name().toLowerCase());
        Process process = builder.redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            process.destroyForcibly();
            throw new AssertionError(binary + " " + chain + " did not capture: " + output);
        }
        String[] r = Files.readString(out.resolve("registers")).trim().split(" ");
        long ip = hex(r[0]);
        long sp = hex(r[1]);
        long bp = hex(r[2]);
        long[] values = {hex(r[3]), bp, sp, ip, hex(r[4]), hex(r[5]), hex(r[6]), hex(r[7])};
        byte[] bytes = Files.readAllBytes(out.resolve("stack"));
        UserStack stack = new UserStack(MASK, values, ByteBuffer.wrap(bytes), 0, bytes.length);
        AddressSpace space = AddressSpace.of(ProcessMaps.read(out.resolve("maps")));
        return new CapturedStack(stack, space, (int) process.pid(), binary);
    }

    private static long hex(String text) {
        return Long.parseUnsignedLong(text, 16);
    }
}
