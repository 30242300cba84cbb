package dev.safetap.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Call frame sections truncated, mangled and written by hand to break each bound, and stacks of garbage: finding
 * a row and unwinding never throw, never hang, and end in "no row" or a short walk. Random cases name their seed.
 */
class MalformedFramesTest {
    private static final long SEED = 0xcf1_5eedL;
    private static final Path LIBC = Path.of("/usr/lib/x86_64-linux-gnu/libc.so.6");
    private static final long TEXT = 0x1000;

    @TempDir
    Path dir;

    @Test
    void truncatedSectionsNeverThrow() throws IOException {
        Path binary = NativeBuild.compile(dir, "prog", "-O2", "-fPIE", "-pie");
        FrameSection ehFrame = CallFrameInfoTest.section(binary, ".eh_frame");
        FrameSection header = CallFrameInfoTest.section(binary, ".eh_frame_hdr");
        byte[] frames = CallFrameInfoTest.bytes(ehFrame);
        byte[] table = CallFrameInfoTest.bytes(header);
        long[] pcs = pcs(ehFrame, frames, 64, new Random(SEED));
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int length = 0; length <= frames.length; length++) {
                byte[] cut = Arrays.copyOf(frames, length);
                lookUp(FrameTable.ehFrame(cut, ehFrame.address(), table, header.address()), pcs);
                lookUp(FrameTable.ehFrame(cut, ehFrame.address(), null, 0), pcs);
                lookUp(FrameTable.debugFrame(cut), pcs);
            }
            for (int length = 0; length <= table.length; length++) {
                lookUp(FrameTable.ehFrame(frames, ehFrame.address(), Arrays.copyOf(table, length), header.address()), pcs);
            }
        });
    }

    @Test
    void libcsSectionsWithBytesChangedAtRandomNeverThrow() throws IOException {
        FrameSection ehFrame = CallFrameInfoTest.section(LIBC, ".eh_frame");
        FrameSection header = CallFrameInfoTest.section(LIBC, ".eh_frame_hdr");
        byte[] frames = CallFrameInfoTest.bytes(ehFrame);
        byte[] table = CallFrameInfoTest.bytes(header);
        Random random = new Random(SEED);
        long[] pcs = pcs(ehFrame, frames, 256, random);
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int round = 0; round < 300; round++) {
                byte[] mangledFrames = frames.clone();
                byte[] mangledTable = table.clone();
                for (int f = 1 + random.nextInt(32); f > 0; f--) {
                    byte[] target = random.nextInt(4) == 0 ? mangledTable : mangledFrames;
                    target[random.nextInt(target.length)] = (byte) random.nextInt(256);
                }
                try {
                    lookUp(FrameTable.ehFrame(mangledFrames, ehFrame.address(), mangledTable, header.address()), pcs);
                    if (round % 10 == 0) {
                        lookUp(FrameTable.ehFrame(mangledFrames, ehFrame.address(), null, 0), pcs);
                        lookUp(FrameTable.debugFrame(mangledFrames), pcs);
                    }
                } catch (RuntimeException e) {
                    throw new AssertionError("round " + round + " of seed " + Long.toHexString(SEED), e);
                }
            }
        });
    }

    @Test
    void randomBytesNeverThrow() {
        Random random = new Random(SEED);
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (int round = 0; round < 2000; round++) {
                byte[] bytes = new byte[random.nextInt(4096)];
                random.nextBytes(bytes);
                long[] pcs = random.longs(32, 0, 1 << 20).toArray();
                lookUp(FrameTable.ehFrame(bytes, 0, bytes, 0), pcs);
                lookUp(FrameTable.debugFrame(bytes), pcs);
            }
        });
    }

    @Test
    void tooManyRememberedStatesMakeTheRowMalformed() {
        byte[] remember = new byte[CallFrameInterpreter.MAX_REMEMBERED + 1];
        Arrays.fill(remember, (byte) 0x0a);
        FrameTable deep = table(remember);
        assertFalse(deep.find(TEXT, new UnwindRow()));
        byte[] fits = Arrays.copyOf(remember, CallFrameInterpreter.MAX_REMEMBERED);
        assertTrue(table(fits).find(TEXT, new UnwindRow()));
    }

    @Test
    void aRestoreWithNothingRememberedMakesTheRowMalformed() {
        assertFalse(table(new byte[] {0x0b}).find(TEXT, new UnwindRow()));
    }

    @Test
    void tooManyInstructionsMakeTheRowMalformed() {
        byte[] nops = new byte[CallFrameInterpreter.MAX_INSTRUCTIONS + 1];
        assertFalse(table(nops).find(TEXT, new UnwindRow()));
        assertTrue(table(Arrays.copyOf(nops, CallFrameInterpreter.MAX_INSTRUCTIONS - 8)).find(TEXT, new UnwindRow()),
                "the CIE's own instructions are counted apart");
    }

    @Test
    void anUnknownOpcodeMakesTheRowMalformed() {
        assertFalse(table(new byte[] {0x3f}).find(TEXT, new UnwindRow()));
        assertTrue(table(new byte[] {0x2e, 0x10}).find(TEXT, new UnwindRow()), "DW_CFA_GNU_args_size is ignored");
    }

    @Test
    void theRowIsTheOneInForceAtTheAddress() {
        FrameTable frames = table(new byte[] {
            0x41, 0x0e, 0x10, (byte) 0x86, 0x02,  // advance 1; def_cfa_offset 16; rbp at cfa-16
            0x0a, 0x43, 0x0e, 0x08, 0x41, 0x0b,   // remember; advance 3; def_cfa_offset 8; advance 1; restore_state
            0x41, 0x0d, 0x06, (byte) 0xc6,        // advance 1; def_cfa_register rbp; restore rbp
        });
        UnwindRow row = new UnwindRow();
        assertTrue(frames.find(TEXT, row));
        assertEquals(8, row.cfaOffset());
        assertEquals(UnwindRow.Rule.UNSPECIFIED, row.rule(X86Register.DWARF_BP));
        assertEquals(TEXT, row.start());
        assertEquals(TEXT + 1, row.end());
        assertTrue(frames.find(TEXT + 4, row));
        assertEquals(8, row.cfaOffset());
        assertEquals(-16, row.offset(X86Register.DWARF_BP));
        assertTrue(frames.find(TEXT + 5, row));
        assertEquals(16, row.cfaOffset(), "restore_state restores the CFA rule too");
        assertEquals(X86Register.DWARF_SP, row.cfaRegister());
        assertTrue(frames.find(TEXT + 6, row));
        assertEquals(X86Register.DWARF_BP, row.cfaRegister());
        assertEquals(16, row.cfaOffset());
        assertEquals(UnwindRow.Rule.UNSPECIFIED, row.rule(X86Register.DWARF_BP));
        assertEquals(TEXT + 0x100, row.end());
        assertFalse(frames.find(TEXT + 0x100, row), "past the FDE's range");
        assertFalse(frames.find(TEXT - 1, row));
    }

    @Test
    void expressionsThatLoopOverflowOrReadOutsideTheCopiedStackFail() {
        long base = 0x7ffd_0000L;
        ByteBuffer bytes = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN).putLong(0, 0x1122_3344_5566_7788L);
        UserStack stack = new UserStack(X86Register.SP.mask(), new long[] {base}, bytes, 0, 64);
        long[] registers = new long[X86Register.DWARF_COLUMNS];
        registers[X86Register.DWARF_SP] = base;
        registers[X86Register.DWARF_RA] = 0x100b;
        long known = 1L << X86Register.DWARF_SP | 1L << X86Register.DWARF_RA;
        DwarfExpression expression = new DwarfExpression();
        byte[] plt = {0x77, 0x08, (byte) 0x80, 0x00, 0x3f, 0x1a, 0x3b, 0x2a, 0x33, 0x24, 0x22};
        assertTrue(expression.evaluate(plt, 0, plt.length, registers, known, stack, false, 0));
        assertEquals(base + 16, expression.value(), "the PLT's CFA past its push: rsp + 8 + 8 when (rip & 15) >= 11");
        byte[] derefSp = {0x77, 0x00, 0x06};
        assertTrue(expression.evaluate(derefSp, 0, 3, registers, known, stack, false, 0));
        assertEquals(0x1122_3344_5566_7788L, expression.value());
        byte[] derefSize = {0x77, 0x00, (byte) 0x94, 0x02};
        assertTrue(expression.evaluate(derefSize, 0, 4, registers, known, stack, false, 0));
        assertEquals(0x7788, expression.value());
        byte[] cfaPushed = {0x23, 0x10};
        assertTrue(expression.evaluate(cfaPushed, 0, 2, registers, known, stack, true, 0x40));
        assertEquals(0x50, expression.value());

        byte[] loop = {0x2f, (byte) 0xfd, (byte) 0xff};
        assertFalse(expression.evaluate(loop, 0, loop.length, registers, known, stack, false, 0));
        byte[] deep = new byte[DwarfExpression.MAX_STACK + 1];
        Arrays.fill(deep, (byte) 0x30);
        assertFalse(expression.evaluate(deep, 0, deep.length, registers, known, stack, false, 0));
        byte[] unknownRegister = {0x76, 0x00};
        assertFalse(expression.evaluate(unknownRegister, 0, 2, registers, known, stack, false, 0));
        byte[] belowTheStack = {0x77, 0x7f, 0x06};
        assertFalse(expression.evaluate(belowTheStack, 0, 3, registers, known, stack, false, 0), "rsp - 1");
        byte[] pastTheStack = {0x77, 0x39, 0x06};
        assertFalse(expression.evaluate(pastTheStack, 0, 3, registers, known, stack, false, 0), "rsp + 57, 8 bytes");
        byte[] divideByZero = {0x31, 0x30, 0x1b};
        assertFalse(expression.evaluate(divideByZero, 0, 3, registers, known, stack, false, 0));
        byte[] empty = {(byte) 0x96};
        assertFalse(expression.evaluate(empty, 0, 1, registers, known, stack, false, 0), "no value left");
        byte[] location = {0x57};
        assertFalse(expression.evaluate(location, 0, 1, registers, known, stack, false, 0), "DW_OP_reg7 is no value");
        assertFalse(expression.evaluate(plt, 4, 100, registers, known, stack, false, 0), "a block past its section");
    }

    @Test
    void garbageStacksNeverThrowAndEndWithinTheFrameLimit() throws Exception {
        Path binary = CapturedStack.compile(dir, "o2pie", "-O2", "-fomit-frame-pointer", "-fPIE", "-pie");
        CapturedStack captured = CapturedStack.run(binary, dir, CapturedStack.Chain.QSORT);
        UserSymbolizer symbolizer = new UserSymbolizer(new DebugFileDirectory(dir.resolve("none")), Path.of("/proc"), dir);
        DwarfUnwinder unwinder = new DwarfUnwinder(symbolizer);
        FramePointerUnwinder framePointers = new FramePointerUnwinder();
        UserStack real = captured.stack();
        byte[] original = new byte[real.stackSize()];
        real.stack().get(0, original);
        long[] code = captured.space().mappings().stream().filter(Mapping::executable)
                .flatMapToLong(m -> LongStream.of(m.start(), m.end() - 1)).toArray();
        Random random = new Random(SEED);
        long[] pcs = new long[StackUnwinder.MAX_FRAMES];
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int round = 0; round < 3000; round++) {
                byte[] bytes = original.clone();
                for (int f = 1 + random.nextInt(64); f > 0; f--) {
                    int at = random.nextInt(bytes.length);
                    bytes[at] = (byte) (random.nextBoolean() ? random.nextInt(256) : bytes[at ^ 8]);
                }
                long[] values = real.registers().clone();
                int which = random.nextInt(values.length);
                values[which] = random.nextBoolean() ? random.nextLong() : code[random.nextInt(code.length)];
                ByteBuffer buffer = ByteBuffer.wrap(bytes).order(random.nextBoolean() ? ByteOrder.BIG_ENDIAN
                        : ByteOrder.LITTLE_ENDIAN);
                int offset = random.nextInt(3) == 0 ? random.nextInt(64) - 8 : 0;
                int size = random.nextInt(4) == 0 ? random.nextInt() : bytes.length;
                long mask = random.nextInt(8) == 0 ? random.nextLong() : real.registerMask();
                UserStack stack = new UserStack(mask, values, buffer, offset, size);
                int n = unwinder.unwind(captured.pid(), captured.space(), stack, pcs);
                assertTrue(n >= 0 && n <= StackUnwinder.MAX_FRAMES);
                n = framePointers.unwind(captured.pid(), captured.space(), stack, pcs);
                assertTrue(n >= 0 && n <= StackUnwinder.MAX_FRAMES);
            }
        });
        assertEquals(0, unwinder.unwind(1, new AddressSpace(), new UserStack(0, new long[0], null, 0, 0), pcs));
        assertEquals(1, unwinder.unwind(1, new AddressSpace(),
                new UserStack(X86Register.IP.mask(), new long[] {0x1234}, null, 0, 0), pcs));
    }

    /** FDE starts and random addresses within the section's range of functions, to look up. */
    private static long[] pcs(FrameSection section, byte[] frames, int count, Random random) {
        FrameTable table = FrameTable.ehFrame(frames, section.address(), null, 0);
        long low = Long.MAX_VALUE;
        long high = 0;
        for (long pc = 0; pc < 1L << 22; pc += 61) {
            UnwindRow row = new UnwindRow();
            if (table.find(pc, row)) {
                low = Math.min(low, row.start());
                high = Math.max(high, row.end());
            }
        }
        long from = low;
        long span = Math.max(1, high - low);
        return random.longs(count, 0, span).map(x -> from + x).toArray();
    }

    private static void lookUp(FrameTable table, long[] pcs) {
        UnwindRow row = new UnwindRow();
        for (long pc : pcs) {
            table.find(pc, row);
            table.find(pc - 1, row);
        }
    }

    /**
     * An {@code .eh_frame} at {@link #TEXT} - 0x1000 holding one "zR" CIE (code factor 1, data factor -8, CFA
     * rsp+8, return address at CFA-8) and one FDE for {@code [TEXT, TEXT + 0x100)} with {@code instructions}.
     */
    private static FrameTable table(byte[] instructions) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] cie = {0, 0, 0, 0, 1, 'z', 'R', 0, 1, 0x78, 0x10, 1, 0x1b, 0x0c, 0x07, 0x08, (byte) 0x90, 0x01};
        writeEntry(out, cie);
        int fdeAt = out.size();
        ByteBuffer fde = ByteBuffer.allocate(4 + 4 + 4 + 1 + instructions.length).order(ByteOrder.LITTLE_ENDIAN);
        long section = TEXT - 0x1000;
        fde.putInt(fdeAt + 4);
        fde.putInt((int) (TEXT - (section + fdeAt + 8)));
        fde.putInt(0x100);
        fde.put((byte) 0);
        fde.put(instructions);
        writeEntry(out, fde.array());
        writeEntry(out, new byte[0]);
        return FrameTable.ehFrame(out.toByteArray(), section, null, 0);
    }

    private static void writeEntry(ByteArrayOutputStream out, byte[] body) {
        int length = body.length;
        out.write(length);
        out.write(length >> 8);
        out.write(length >> 16);
        out.write(length >> 24);
        out.writeBytes(body);
    }
}
