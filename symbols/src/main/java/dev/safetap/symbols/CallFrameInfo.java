package dev.safetap.symbols;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The call frame information of one binary: for an ELF virtual address, the {@link UnwindRow} that says how to
 * find its caller's frame. Read from the binary's {@code .eh_frame} (searched through its {@code .eh_frame_hdr}
 * when it has one), then, for addresses it does not cover, from a {@code .debug_frame} of the binary or of its
 * debug file (code built with {@code -fno-asynchronous-unwind-tables} has only that one).
 *
 * <p>Bounded: a section over {@link #MAX_SECTION} bytes is not read, a scan indexes at most
 * {@link FrameTable#MAX_DESCRIPTIONS} FDEs, a row takes at most {@link CallFrameInterpreter#MAX_INSTRUCTIONS}
 * instructions. Malformed information is no information: {@link #find} then says false, and nothing here throws.
 * Not thread-safe (CIEs are parsed as FDEs first need them).
 */
public final class CallFrameInfo {
    /** The largest call frame section read (a browser's {@code .eh_frame} has tens of MiB). */
    public static final long MAX_SECTION = 64L << 20;

    private static final String EH_FRAME = ".eh_frame";
    private static final String EH_FRAME_HDR = ".eh_frame_hdr";
    private static final String DEBUG_FRAME = ".debug_frame";

    private final List<FrameTable> tables;

    private CallFrameInfo(List<FrameTable> tables) {
        this.tables = tables;
    }

    /** The call frame information of {@code image}: its binary's sections, then its debug file's. */
    public static CallFrameInfo of(BinaryImage image) {
        return read(image.frameSections());
    }

    /**
     * The call frame information in {@code sections}: the first {@code .eh_frame} that can be read, with the
     * {@code .eh_frame_hdr} of the same file, and the first readable {@code .debug_frame}.
     */
    public static CallFrameInfo read(List<FrameSection> sections) {
        List<FrameTable> tables = new ArrayList<>(2);
        for (FrameSection section : sections) {
            if (!section.name().equals(EH_FRAME)) {
                continue;
            }
            byte[] bytes = contents(section);
            if (bytes == null) {
                continue;
            }
            FrameSection header = sections.stream()
                    .filter(s -> s.name().equals(EH_FRAME_HDR) && s.file().equals(section.file()))
                    .findFirst().orElse(null);
            byte[] headerBytes = header == null ? null : contents(header);
            long headerAddress = header == null ? 0 : header.address();
            tables.add(FrameTable.ehFrame(bytes, section.address(), headerBytes, headerAddress));
            break;
        }
        for (FrameSection section : sections) {
            byte[] bytes = section.name().equals(DEBUG_FRAME) ? contents(section) : null;
            if (bytes != null) {
                tables.add(FrameTable.debugFrame(bytes));
                break;
            }
        }
        return new CallFrameInfo(List.copyOf(tables));
    }

    /**
     * Fills {@code row} with the rules in force at ELF virtual address {@code address}; false when no FDE covers
     * it or the one that does is malformed (the row's contents are then undefined).
     */
    public boolean find(long address, UnwindRow row) {
        for (FrameTable table : tables) {
            if (table.find(address, row)) {
                return true;
            }
        }
        return false;
    }

    /** The rules in force at {@code address}, in a row of their own. */
    public Optional<UnwindRow> row(long address) {
        UnwindRow row = new UnwindRow();
        return find(address, row) ? Optional.of(row) : Optional.empty();
    }

    /** Whether no call frame section could be read. */
    public boolean isEmpty() {
        return tables.isEmpty();
    }

    /** Roughly how many bytes of heap this holds: the sections' bytes and the index (fixed once read). */
    public long retainedBytes() {
        long bytes = 64;
        for (FrameTable table : tables) {
            bytes += table.retainedBytes();
        }
        return bytes;
    }

    /** The tables searched, in order. */
    List<FrameTable> tables() {
        return tables;
    }

    /** The bytes of {@code section}, or null when it is too large, not all in its file, or cannot be read. */
    private static byte[] contents(FrameSection section) {
        if (section.size() <= 0 || section.size() > MAX_SECTION || section.offset() < 0) {
            return null;
        }
        try (FileChannel channel = FileChannel.open(section.file(), StandardOpenOption.READ)) {
            if (section.offset() > channel.size() - section.size()) {
                return null;
            }
            ByteBuffer buffer = ByteBuffer.allocate((int) section.size());
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, section.offset() + buffer.position()) < 0) {
                    return null;
                }
            }
            return buffer.array();
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }
}
