package dev.safetap.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real stacks ({@link CapturedStack}) unwound with call frame information and with frame pointers, and named by
 * the symbolizer, libc's functions from its Debian debug file. Each frame is named by its address, as perf and
 * bpftrace print stacks (a return address at the very end of a function would name the next one; none of these
 * chains has one). Names are compared without their symbol version: glibc's debug file lists
 * {@code __libc_start_main@@GLIBC_2.34}.
 */
class DwarfUnwinderTest {
    /** The frames below main in every chain: glibc 2.34's start code. */
    private static final List<String> START = List.of("__libc_start_call_main", "__libc_start_main", "_start");

    @TempDir
    Path dir;

    private final UserSymbolizer symbolizer = new UserSymbolizer(DebugFileDirectory.system(), Path.of("/proc"),
            Path.of("/tmp"));

    @Test
    void anO2PieWithoutFramePointersUnwindsToStartWhereItsFramePointersAreLostInCapture() throws Exception {
        Path binary = CapturedStack.compile(dir, "o2pie", "-O2", "-fomit-frame-pointer", "-fPIE", "-pie");
        CapturedStack captured = CapturedStack.run(binary, dir, CapturedStack.Chain.HOT);
        assertEquals(chain("capture", "hot_b", "hot_a", "main"), names(captured, new DwarfUnwinder(symbolizer)));
        List<String> framePointers = names(captured, new FramePointerUnwinder());
        assertEquals("capture", framePointers.get(0));
        assertFalse(framePointers.contains("hot_b"), "rbp is no frame pointer in -fomit-frame-pointer code: "
                + framePointers);
    }

    @Test
    void anO2ExecutableThatIsNotPieUnwindsToStart() throws Exception {
        Path binary = CapturedStack.compile(dir, "o2exec", "-O2", "-fomit-frame-pointer", "-no-pie");
        CapturedStack captured = CapturedStack.run(binary, dir, CapturedStack.Chain.HOT);
        assertEquals(chain("capture", "hot_b", "hot_a", "main"), names(captured, new DwarfUnwinder(symbolizer)));
        assertFalse(names(captured, new FramePointerUnwinder()).contains("hot_a"));
    }

    @Test
    void anO0BuildUnwindsToStartAndItsFramePointersToLibc() throws Exception {
        Path binary = CapturedStack.compile(dir, "o0", "-O0", "-fPIE", "-pie");
        CapturedStack captured = CapturedStack.run(binary, dir, CapturedStack.Chain.HOT);
        assertEquals(chain("capture", "hot_b", "hot_a", "main"), names(captured, new DwarfUnwinder(symbolizer)));
        List<String> framePointers = names(captured, new FramePointerUnwinder());
        assertEquals(List.of("capture", "hot_b", "hot_a", "main"), framePointers.subList(0, 4));
        assertTrue(framePointers.size() < 7, "libc saves no frame pointer: " + framePointers);
    }

    @Test
    void qsortsFramesInLibcWithoutFramePointersAreWalkedThroughToMain() throws Exception {
        Path binary = CapturedStack.compile(dir, "o2pie", "-O2", "-fomit-frame-pointer", "-fPIE", "-pie");
        CapturedStack captured = CapturedStack.run(binary, dir, CapturedStack.Chain.QSORT);
        long[] pcs = new long[StackUnwinder.MAX_FRAMES];
        int n = new DwarfUnwinder(symbolizer).unwind(captured.pid(), captured.space(), captured.stack(), pcs);
        List<String> names = names(captured, pcs, n);
        int main = names.indexOf("main");
        assertEquals(List.of("capture", "compare"), names.subList(0, 2), names.toString());
        assertEquals(chain("main"), names.subList(main, names.size()), names.toString());
        assertTrue(main > 2, "qsort's frames lie between compare and main: " + names);
        for (int i = 2; i < main; i++) {
            assertTrue(captured.space().find(pcs[i] - 1).orElseThrow().path().endsWith("/libc.so.6"), names.toString());
        }
        assertTrue(names.subList(2, main).contains("qsort_r"), names.toString());
        assertFalse(names(captured, new FramePointerUnwinder()).contains("main"));
    }

    @Test
    void aWalkThroughBinariesAlreadyReadAllocatesNothing() throws Exception {
        Path binary = CapturedStack.compile(dir, "o2pie", "-O2", "-fomit-frame-pointer", "-fPIE", "-pie");
        CapturedStack captured = CapturedStack.run(binary, dir, CapturedStack.Chain.QSORT);
        DwarfUnwinder unwinder = new DwarfUnwinder(symbolizer);
        long[] pcs = new long[StackUnwinder.MAX_FRAMES];
        UserStack reused = new UserStack();
        UserStack stack = captured.stack();
        int n = unwinder.unwind(captured.pid(), captured.space(), stack, pcs);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 1000; i++) {
            reused.set(stack.registerMask(), stack.registers(), stack.stack(), stack.stackOffset(), stack.stackSize());
            assertEquals(n, unwinder.unwind(captured.pid(), captured.space(), reused, pcs));
        }
        assertEquals(0, threads.getCurrentThreadAllocatedBytes() - before, "bytes allocated by 1000 walks of " + n
                + " frames each");
    }

    @Test
    void aSignalHandlersStackIsWalkedThroughTheSignalFrameToMain() throws Exception {
        Path binary = CapturedStack.compile(dir, "o2pie", "-O2", "-fomit-frame-pointer", "-fPIE", "-pie");
        CapturedStack captured = CapturedStack.run(binary, dir, CapturedStack.Chain.SIGNAL);
        List<String> names = names(captured, new DwarfUnwinder(symbolizer));
        assertEquals(List.of("capture", "on_signal", "__restore_rt"), names.subList(0, 3), names.toString());
        int main = names.indexOf("main");
        assertTrue(names.subList(3, main).contains("raise"), "the frames raise was interrupted in: " + names);
        assertEquals(chain("main"), names.subList(main, names.size()));
        assertFalse(names(captured, new FramePointerUnwinder()).contains("main"));
    }

    @Test
    void theInstructionStackAndFramePointersAloneAreEnough() throws Exception {
        Path binary = CapturedStack.compile(dir, "o2pie", "-O2", "-fomit-frame-pointer", "-fPIE", "-pie");
        CapturedStack captured = CapturedStack.run(binary, dir, CapturedStack.Chain.QSORT);
        UserStack full = captured.stack();
        long[] values = {full.value(X86Register.BP), full.value(X86Register.SP), full.value(X86Register.IP)};
        UserStack minimum = new UserStack(UserStack.MINIMUM_MASK, values, full.stack(), 0, full.stackSize());
        CapturedStack fewer = new CapturedStack(minimum, captured.space(), captured.pid(), binary);
        assertEquals(names(captured, new DwarfUnwinder(symbolizer)), names(fewer, new DwarfUnwinder(symbolizer)));
    }

    @Test
    void codeWithoutCallFrameInformationIsWalkedByItsFramePointers() throws Exception {
        Path binary = CapturedStack.compile(dir, "nocfi", "-O0", "-fno-asynchronous-unwind-tables", "-fno-unwind-tables");
        CapturedStack captured = CapturedStack.run(binary, dir, CapturedStack.Chain.HOT);
        assertEquals(chain("capture", "hot_b", "hot_a", "main"), names(captured, new DwarfUnwinder(symbolizer)),
                "the program's frames by their frame pointers, then libc's by its call frame information");
    }

    @Test
    void aStackCopiedShortEndsTheWalkWhereItsBytesEnd() throws Exception {
        Path binary = CapturedStack.compile(dir, "o2pie", "-O2", "-fomit-frame-pointer", "-fPIE", "-pie");
        CapturedStack captured = CapturedStack.run(binary, dir, CapturedStack.Chain.QSORT);
        UserStack full = captured.stack();
        DwarfUnwinder unwinder = new DwarfUnwinder(symbolizer);
        long[] all = new long[StackUnwinder.MAX_FRAMES];
        int complete = unwinder.unwind(captured.pid(), captured.space(), full, all);
        int previous = 1;
        for (int size = 0; size <= full.stackSize(); size += 8) {
            UserStack cut = new UserStack(full.registerMask(), full.registers(), full.stack(), 0, size);
            long[] pcs = new long[StackUnwinder.MAX_FRAMES];
            int n = unwinder.unwind(captured.pid(), captured.space(), cut, pcs);
            assertTrue(n >= previous && n <= complete, size + " bytes gave " + n + " frames after " + previous);
            for (int i = 0; i < n; i++) {
                assertEquals(all[i], pcs[i], "frame " + i + " of a stack cut to " + size + " bytes");
            }
            previous = n;
        }
        assertEquals(complete, previous);
    }

    @Test
    void noMoreFramesAreWrittenThanAskedFor() throws Exception {
        Path binary = CapturedStack.compile(dir, "o2pie", "-O2", "-fomit-frame-pointer", "-fPIE", "-pie");
        CapturedStack captured = CapturedStack.run(binary, dir, CapturedStack.Chain.HOT);
        long[] pcs = new long[3];
        DwarfUnwinder unwinder = new DwarfUnwinder(symbolizer);
        assertEquals(3, unwinder.unwind(captured.pid(), captured.space(), captured.stack(), pcs));
        assertEquals(List.of("capture", "hot_b", "hot_a"), names(captured, pcs, 3));
        assertEquals(0, unwinder.unwind(captured.pid(), captured.space(), captured.stack(), new long[0]));
        assertEquals(1, unwinder.cachedFiles(), "only the program's call frame information: the last frame asked for"
                + " is not unwound past, and libc is not read");
    }

    @Test
    void anUnwinderReusedAcrossProgramsAndEvictingAtEveryFileWalksAsFreshOnesDo() throws Exception {
        Path o2 = CapturedStack.compile(dir, "o2pie", "-O2", "-fomit-frame-pointer", "-fPIE", "-pie");
        Path o0 = CapturedStack.compile(dir, "o0exec", "-O0", "-no-pie");
        List<CapturedStack> stacks = new ArrayList<>();
        for (CapturedStack.Chain chain : CapturedStack.Chain.values()) {
            stacks.add(CapturedStack.run(o2, dir, chain));
            stacks.add(CapturedStack.run(o0, dir, chain));
        }
        List<List<Long>> fresh = new ArrayList<>();
        for (CapturedStack captured : stacks) {
            fresh.add(walk(new DwarfUnwinder(symbolizer), captured));
        }
        DwarfUnwinder reused = new DwarfUnwinder(symbolizer);
        DwarfUnwinder evicting = new DwarfUnwinder(symbolizer, 1, DwarfUnwinder.MAX_BYTES);
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < stacks.size(); i++) {
                assertEquals(fresh.get(i), walk(reused, stacks.get(i)), "stack " + i + ", round " + round);
                assertEquals(fresh.get(i), walk(evicting, stacks.get(i)), "stack " + i + ", round " + round);
            }
        }
        assertEquals(3, reused.cachedFiles(), "the two programs and libc");
        assertEquals(1, evicting.cachedFiles());
    }

    private static List<Long> walk(DwarfUnwinder unwinder, CapturedStack captured) {
        long[] pcs = new long[StackUnwinder.MAX_FRAMES];
        int n = unwinder.unwind(captured.pid(), captured.space(), captured.stack(), pcs);
        List<Long> frames = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            frames.add(pcs[i]);
        }
        assertTrue(n >= 7, "reaches _start: " + frames);
        return frames;
    }

    /** {@code names} followed by {@link #START}. */
    private static List<String> chain(String... names) {
        List<String> chain = new ArrayList<>(List.of(names));
        chain.addAll(START);
        return chain;
    }

    private List<String> names(CapturedStack captured, StackUnwinder unwinder) {
        long[] pcs = new long[StackUnwinder.MAX_FRAMES];
        int n = unwinder.unwind(captured.pid(), captured.space(), captured.stack(), pcs);
        return names(captured, pcs, n);
    }

    private List<String> names(CapturedStack captured, long[] pcs, int n) {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            String name = Symbol.name(symbolizer.lookup(captured.pid(), captured.space(), pcs[i]), pcs[i]);
            names.add(name.contains("@") ? name.substring(0, name.indexOf('@')) : name);
        }
        return names;
    }
}
