package dev.safetap.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real binary truncated at many lengths, with bytes flipped at random and with its header and section table
 * fields set to extreme values: reading and resolving never throws, never hangs, and what is read of a file cut
 * after its symbols still resolves.
 */
class MalformedElfTest {
    private static final long SEED = 0x5eed_e1f0L;

    @TempDir
    Path dir;

    @Test
    void truncatedFilesNeverThrow() throws IOException {
        Path binary = NativeBuild.compile(dir, "prog", "-O2", "-fPIE", "-pie");
        byte[] bytes = Files.readAllBytes(binary);
        List<Integer> lengths = new ArrayList<>();
        for (int length = 0; length < bytes.length; length += length < 512 ? 1 : 7) {
            lengths.add(length);
        }
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int length : lengths) {
                exercise(write(Arrays.copyOf(bytes, length)), "truncated to " + length);
            }
        });
    }

    @Test
    void libcTruncatedAtManyLengthsNeverThrows() throws IOException {
        byte[] libc = Files.readAllBytes(Path.of("/usr/lib/x86_64-linux-gnu/libc.so.6"));
        Random random = new Random(SEED);
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int i = 0; i < 60; i++) {
                int length = i < 30 ? libc.length - 1 - i * 97 : random.nextInt(libc.length);
                exercise(write(Arrays.copyOf(libc, length)), "libc truncated to " + length);
            }
        });
    }

    @Test
    void flippedBytesNeverThrow() throws IOException {
        Path binary = NativeBuild.compile(dir, "prog", "-O2");
        byte[] bytes = Files.readAllBytes(binary);
        Random random = new Random(SEED);
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int round = 0; round < 3000; round++) {
                byte[] copy = bytes.clone();
                int flips = 1 + random.nextInt(16);
                boolean headers = round % 2 == 0;
                for (int f = 0; f < flips; f++) {
                    int at = headers ? headerByte(copy, random) : random.nextInt(copy.length);
                    copy[at] = (byte) random.nextInt(256);
                }
                exercise(write(copy), "round " + round + " of seed " + Long.toHexString(SEED));
            }
        });
    }

    @Test
    void extremeHeaderFieldsNeverThrow() throws IOException {
        Path binary = NativeBuild.compile(dir, "prog", "-O2");
        byte[] bytes = Files.readAllBytes(binary);
        ByteBuffer elf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = elf.getLong(40);
        int shnum = Short.toUnsignedInt(elf.getShort(60));
        long[] extremes = {0, 1, 0xffff, 0x7fffffffffffffffL, -1L, 0x8000000000000000L, bytes.length, bytes.length - 1};
        List<String> cases = new ArrayList<>();
        assertTimeoutPreemptively(Duration.ofSeconds(120), () -> {
            for (int field : new int[] {32, 40}) {
                for (long value : extremes) {
                    exercise(write(with(bytes, field, 8, value)), "header field " + field + " = " + value);
                    cases.add("header field " + field);
                }
            }
            for (int field : new int[] {54, 56, 58, 60, 62}) {
                for (long value : extremes) {
                    exercise(write(with(bytes, field, 2, value)), "header field " + field + " = " + value);
                    cases.add("header field " + field);
                }
            }
            for (int section = 0; section < shnum; section++) {
                int at = (int) shoff + section * 64;
                for (int[] field : new int[][] {{0, 4}, {4, 4}, {16, 8}, {24, 8}, {32, 8}, {40, 4}, {56, 8}}) {
                    for (long value : extremes) {
                        exercise(write(with(bytes, at + field[0], field[1], value)),
                                "section " + section + " field " + field[0] + " = " + value);
                        cases.add("section " + section);
                    }
                }
            }
        });
        assertTrue(cases.size() > 500, cases.size() + " cases");
    }

    @Test
    void extendedNumberingFromSectionZeroNeverThrows() throws IOException {
        Path binary = NativeBuild.compile(dir, "prog", "-O2");
        byte[] bytes = Files.readAllBytes(binary);
        int zero = (int) ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(40);
        byte[] extended = with(with(with(bytes, 62, 2, 0xffff), 60, 2, 0), 56, 2, 0xffff);
        long[] extremes = {0, 1, 13, 0xffff, 0x7fffffff, 0x80000000L, 0xffffffffL, -1L};
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> {
            for (long link : extremes) {
                for (long size : extremes) {
                    for (long info : extremes) {
                        byte[] copy = with(with(with(extended, zero + 40, 4, link), zero + 32, 8, size), zero + 44, 4, info);
                        exercise(write(copy), "sh_link " + link + ", sh_size " + size + ", sh_info " + info);
                    }
                }
            }
        });
    }

    @Test
    void aFileCutAfterItsSymbolTablesStillResolves() throws IOException {
        Path binary = NativeBuild.compile(dir, "prog", "-O2");
        long hotA = NativeBuild.nm(binary).get("hot_a");
        byte[] bytes = Files.readAllBytes(binary);
        long shoff = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(40);
        Path cut = write(Arrays.copyOf(bytes, (int) shoff + 64));
        ElfFile elf = ElfFile.read(cut).orElseThrow();
        assertEquals(List.of(), elf.sections(), "the section table is cut");
        assertEquals(NativeBuild.loads(binary), elf.segments(), "the program headers are whole");
        assertEquals(Optional.of(NativeBuild.buildId(binary)), elf.buildId(), "from the PT_NOTE segment");
        assertEquals(0, elf.symtab().size());
        assertTrue(ElfFile.read(binary).orElseThrow().symtab().lookup(hotA).isPresent());
    }

    /** Reads {@code file} every way the symbolizer does, at a few addresses. */
    private void exercise(Path file, String what) {
        try {
            ElfFile.read(file).ifPresent(elf -> {
                elf.frameSections();
                elf.virtualAddress(0x1000);
                elf.symtab().lookup(0x1139);
                elf.dynsym().lookup(0x1139);
            });
            BinaryImage image = BinaryImage.read(file, new DebugFileDirectory(dir.resolve("debug")));
            for (long offset : new long[] {0, 0x1000, 0x1139, 0x2000, -1}) {
                image.lookupFileOffset(offset);
                image.lookup(offset);
            }
            image.frameSections();
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": " + e, e);
        }
    }

    /** Overwrites one file in place (truncating a file to nothing and refilling it costs a millisecond on ext4). */
    private Path write(byte[] bytes) throws IOException {
        Path file = dir.resolve("mangled");
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(bytes), 0);
            channel.truncate(bytes.length);
        }
        return file;
    }

    /** A byte of the ELF header, program headers or section headers, where a change matters most. */
    private static int headerByte(byte[] bytes, Random random) {
        ByteBuffer elf = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long shoff = elf.getLong(40);
        int choice = random.nextInt(3);
        if (choice == 0 || shoff <= 0 || shoff >= bytes.length) {
            return random.nextInt(Math.min(64 + 13 * 56, bytes.length));
        }
        return (int) shoff + random.nextInt((int) Math.min(bytes.length - shoff, 40 * 64));
    }

    private static byte[] with(byte[] bytes, int at, int width, long value) {
        byte[] copy = bytes.clone();
        ByteBuffer buffer = ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN);
        switch (width) {
            case 2 -> buffer.putShort(at, (short) value);
            case 4 -> buffer.putInt(at, (int) value);
            default -> buffer.putLong(at, value);
        }
        return copy;
    }
}
