package dev.safetap.symbols;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Measures what unwinding costs at print time, on real stacks {@link CapturedStack} takes of a gcc -O2
 * -fomit-frame-pointer program (main → hot_a → hot_b → capture; through qsort in libc; through a signal frame):
 * the first walk of a fresh unwinder (it reads the binaries and their call frame information), then walks per
 * second, frames per second and bytes allocated per walk over {@code SECONDS} seconds of repeated walks, with
 * the frame-pointer walk of the same stacks for comparison. Usage: UnwindBenchmark [SECONDS]
 */
public final class UnwindBenchmark {
    private UnwindBenchmark() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2;
        Path dir = Files.createTempDirectory("safetap-unwind");
        Path binary = CapturedStack.compile(dir, "prog", "-O2", "-fomit-frame-pointer", "-fPIE", "-pie");
        for (CapturedStack.Chain chain : CapturedStack.Chain.values()) {
            CapturedStack captured = CapturedStack.run(binary, dir, chain);
            UserSymbolizer symbolizer = UserSymbolizer.system();
            long start = System.nanoTime();
            DwarfUnwinder dwarf = new DwarfUnwinder(symbolizer);
            int frames = dwarf.unwind(captured.pid(), captured.space(), captured.stack(), new long[StackUnwinder.MAX_FRAMES]);
            double firstMs = (System.nanoTime() - start) / 1e6;
            System.out.printf("%-6s %2d frames; first walk %.1f ms (reads the program, libc and libc's debug file)%n",
                    chain, frames, firstMs);
            measure("dwarf", dwarf, captured, seconds);
            measure("fp", new FramePointerUnwinder(), captured, seconds);
        }
    }

    private static void measure(String name, StackUnwinder unwinder, CapturedStack captured, double seconds) {
        long[] pcs = new long[StackUnwinder.MAX_FRAMES];
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long thread = Thread.currentThread().getId();
        for (int i = 0; i < 20_000; i++) {
            unwinder.unwind(captured.pid(), captured.space(), captured.stack(), pcs);
        }
        long walks = 0;
        long frames = 0;
        long allocatedBefore = threads.getThreadAllocatedBytes(thread);
        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        long now = start;
        while (now < deadline) {
            for (int i = 0; i < 1000; i++) {
                frames += unwinder.unwind(captured.pid(), captured.space(), captured.stack(), pcs);
            }
            walks += 1000;
            now = System.nanoTime();
        }
        double elapsed = (now - start) / 1e9;
        long allocated = threads.getThreadAllocatedBytes(thread) - allocatedBefore;
        System.out.printf("  %-5s %,10.0f walks/s %,12.0f frames/s %6.0f ns/frame %6.0f bytes allocated/walk%n", name,
                walks / elapsed, frames / elapsed, elapsed * 1e9 / frames, (double) allocated / walks);
    }
}
