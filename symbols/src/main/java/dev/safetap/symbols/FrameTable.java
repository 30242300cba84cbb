package dev.safetap.symbols;

import dev.safetap.symbols.DwarfReader.MalformedFrames;
import java.util.Arrays;
import java.util.HashMap;

/**
 * The CIEs and FDEs of one {@code .eh_frame} or {@code .debug_frame} section, and how the FDE of an address is
 * found.
 *
 * <p>The two formats (DWARF 5 section 6.4.1; the LSB's {@code .eh_frame}): each entry starts with a 4-byte length
 * (0xffffffff: an 8-byte length follows), then an id. In {@code .eh_frame} the id is 4 bytes, 0 for a CIE, else
 * the distance back from the id to the FDE's CIE; a zero length ends the section. In {@code .debug_frame} the id
 * is 4 bytes (8 after an 8-byte length), all ones for a CIE, else the CIE's offset from the section's start; its
 * addresses are 8 bytes, absolute.
 *
 * <p>Finding the FDE. With a {@code .eh_frame_hdr} whose table is sorted 4-byte data-relative pairs
 * (initial location, FDE address) and whose {@code eh_frame_ptr} is this section, the table is binary searched
 * in place. Otherwise the section is scanned once, at most {@link #MAX_DESCRIPTIONS} FDEs, into a sorted index
 * (20 bytes an FDE); a malformed entry length ends the scan, an FDE whose CIE is malformed is left out, and so is
 * one for address 0 or of length 0 (code the linker discarded). Either way the FDE of the nearest start at or
 * below the address is parsed and must cover it. CIEs are parsed once each, at most {@link #MAX_CIES} kept.
 * Not thread-safe.
 */
final class FrameTable {
    /** The most FDEs a scan indexes. */
    static final int MAX_DESCRIPTIONS = 1 << 21;
    /** The most CIEs kept parsed. */
    static final int MAX_CIES = 1 << 12;

    private static final int TABLE_ENCODING = DwarfReader.PE_DATAREL | DwarfReader.PE_SDATA4;
    /** The value {@link #entries} keeps for a CIE that could not be parsed. */
    private static final CommonInformationEntry MALFORMED = new CommonInformationEntry(0, 0, 0, false, false, null);

    private final byte[] bytes;
    private final long address;
    private final boolean eh;
    private final byte[] header;
    private final long headerAddress;
    private final int tableAt;
    private final int tableCount;
    private final long[] starts;
    private final int[] offsets;
    private final HashMap<Integer, CommonInformationEntry> entries = new HashMap<>();
    private final DwarfReader in;
    /** The CIE found last and its offset, asked for again by most FDEs (a binary has one or a few). */
    private int lastCieOffset = -1;
    private CommonInformationEntry lastCie;
    private final CallFrameInterpreter interpreter = new CallFrameInterpreter();

    /** The entry header {@link #entry} read last: where the entry ends, where its id lies, the id, whether a CIE. */
    private int entryEnd;
    private int idAt;
    private long id;
    private boolean cie;

    private FrameTable(byte[] bytes, long address, boolean eh, byte[] header, long headerAddress) {
        this.bytes = bytes;
        this.address = address;
        this.eh = eh;
        this.in = new DwarfReader(bytes, address);
        this.header = header;
        this.headerAddress = headerAddress;
        long table = header == null ? -1 : searchTable();
        this.tableAt = (int) (table >> 32);
        this.tableCount = (int) table;
        Index index = tableAt >= 0 ? new Index(new long[0], new int[0]) : scan();
        this.starts = index.starts();
        this.offsets = index.offsets();
    }

    /** FDE starts, ascending, and where each FDE lies in the section. */
    private record Index(long[] starts, int[] offsets) {
    }

    /**
     * The {@code .eh_frame} {@code bytes} loaded at {@code address}, with its {@code .eh_frame_hdr} {@code header}
     * loaded at {@code headerAddress} (null: none).
     */
    static FrameTable ehFrame(byte[] bytes, long address, byte[] header, long headerAddress) {
        return new FrameTable(bytes, address, true, header, headerAddress);
    }

    /** The {@code .debug_frame} {@code bytes}. */
    static FrameTable debugFrame(byte[] bytes) {
        return new FrameTable(bytes, 0, false, null, 0);
    }

    /** Whether the FDEs are found through {@code .eh_frame_hdr}'s table rather than an index of a scan. */
    boolean searchesHeader() {
        return tableAt >= 0;
    }

    /** How many FDEs the header's table or the index lists. */
    int descriptions() {
        return tableAt >= 0 ? tableCount : starts.length;
    }

    /**
     * Roughly how many bytes of heap this holds: the sections and the index. Fixed when built, so that a cache may
     * add and later subtract it; the CIEs parsed later (a few in most binaries) are not counted.
     */
    long retainedBytes() {
        return 256 + bytes.length + (header == null ? 0 : header.length) + 12L * starts.length;
    }

    /** Fills {@code row} with the rules at ELF virtual address {@code pc}; false (the row undefined) when none. */
    boolean find(long pc, UnwindRow row) {
        try {
            int fde = tableAt >= 0 ? searchHeader(pc) : searchIndex(pc);
            return fde >= 0 && describe(fde, pc, row);
        } catch (MalformedFrames e) {
            return false;
        }
    }

    /** The FDE offset of the header's last entry starting at or below {@code pc}, or -1. */
    private int searchHeader(long pc) {
        int low = 0;
        int high = tableCount - 1;
        int found = -1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            long start = headerAddress + s32(header, tableAt + 8 * middle);
            if (Long.compareUnsigned(start, pc) <= 0) {
                found = middle;
                low = middle + 1;
            } else {
                high = middle - 1;
            }
        }
        if (found < 0) {
            return -1;
        }
        long fde = headerAddress + s32(header, tableAt + 8 * found + 4) - address;
        return fde >= 0 && fde < bytes.length ? (int) fde : -1;
    }

    private int searchIndex(long pc) {
        int i = AddressOrder.floor(starts, starts.length, pc);
        return i < 0 ? -1 : offsets[i];
    }

    /** Parses the FDE at {@code offset}; if it covers {@code pc}, runs its instructions into {@code row}. */
    private boolean describe(int offset, long pc, UnwindRow row) throws MalformedFrames {
        in.seek(offset, bytes.length);
        if (!entry() || cie) {
            return false;
        }
        int fdeEnd = entryEnd;
        int afterId = in.position;
        CommonInformationEntry entry = cieOf(idAt, id);
        in.seek(afterId, fdeEnd);
        long begin = in.pointer(entry.fdeEncoding, 0);
        long range = in.value(entry.fdeEncoding);
        long end = begin + range;
        if (Long.compareUnsigned(pc, begin) < 0 || Long.compareUnsigned(pc - begin, range) >= 0) {
            return false;
        }
        if (entry.augmented) {
            in.skip(in.uleb());
        }
        row.copyRules(entry.initial);
        row.signalFrame = entry.signalFrame;
        interpreter.row(in, entry, begin, end, pc, row);
        return row.cfaRegister >= 0 || row.cfaExpression >= 0;
    }

    /**
     * Reads the header of the entry at the reader's position into {@link #entryEnd}, {@link #idAt}, {@link #id}
     * and {@link #cie}, leaving the reader after the id with the entry's end as its limit; false for a zero
     * length (the end of {@code .eh_frame}).
     */
    private boolean entry() throws MalformedFrames {
        long length = in.u32();
        boolean wide = length == 0xffffffffL;
        if (wide) {
            length = in.u64();
        }
        if (length == 0) {
            entryEnd = in.position;
            return false;
        }
        if (length < 0 || length > in.limit - in.position) {
            throw MalformedFrames.INSTANCE;
        }
        entryEnd = in.position + (int) length;
        in.limit = entryEnd;
        idAt = in.position;
        if (eh || !wide) {
            id = in.u32();
            cie = eh ? id == 0 : id == 0xffffffffL;
        } else {
            id = in.u64();
            cie = id == -1L;
        }
        return true;
    }

    /** The CIE of the FDE whose id {@code id} lies at {@code idAt}, parsed or from {@link #entries}. */
    private CommonInformationEntry cieOf(int idAt, long id) throws MalformedFrames {
        long offset = eh ? idAt - id : id;
        if (offset < 0 || offset >= bytes.length) {
            throw MalformedFrames.INSTANCE;
        }
        if (offset == lastCieOffset) {
            return lastCie;
        }
        CommonInformationEntry known = entries.get((int) offset);
        if (known == null) {
            try {
                known = parseCie((int) offset);
            } catch (MalformedFrames e) {
                known = MALFORMED;
            }
            if (entries.size() < MAX_CIES) {
                entries.put((int) offset, known);
            }
        }
        if (known == MALFORMED) {
            throw MalformedFrames.INSTANCE;
        }
        lastCieOffset = (int) offset;
        lastCie = known;
        return known;
    }

    /**
     * The CIE at {@code offset}: version (1 or 3 in {@code .eh_frame}; 1, 3 or 4 in {@code .debug_frame}, 4 adding
     * the address and segment selector sizes, which must be 8 and 0), augmentation string, code and data
     * alignment factors, return address column (a byte in version 1), then for a {@code z} augmentation its data:
     * {@code R} the FDE pointer encoding, {@code P} the personality's encoding and pointer (skipped), {@code L} the
     * LSDA encoding (FDEs skip their LSDA pointer by the augmentation length), {@code S} a signal trampoline; then
     * the initial instructions. An augmentation without {@code z} other than "" cannot be parsed past.
     */
    private CommonInformationEntry parseCie(int offset) throws MalformedFrames {
        in.seek(offset, bytes.length);
        if (!entry() || !cie) {
            throw MalformedFrames.INSTANCE;
        }
        int version = in.u8();
        boolean known = version == 1 || version == 3 || (!eh && version == 4);
        if (!known) {
            throw MalformedFrames.INSTANCE;
        }
        String augmentation = in.string(16);
        if (version == 4 && (in.u8() != 8 || in.u8() != 0)) {
            throw MalformedFrames.INSTANCE;
        }
        long codeAlignment = in.uleb();
        long dataAlignment = in.sleb();
        long returnColumn = version == 1 ? in.u8() : in.uleb();
        if (returnColumn != X86Register.DWARF_RA) {
            throw MalformedFrames.INSTANCE;
        }
        int fdeEncoding = DwarfReader.PE_ABSPTR;
        boolean signal = false;
        boolean augmented = augmentation.startsWith("z");
        if (augmented) {
            long length = in.uleb();
            if (length < 0 || length > in.limit - in.position) {
                throw MalformedFrames.INSTANCE;
            }
            int dataEnd = in.position + (int) length;
            for (int i = 1; i < augmentation.length(); i++) {
                char c = augmentation.charAt(i);
                if (c == 'R') {
                    fdeEncoding = in.u8();
                } else if (c == 'P') {
                    in.value(in.u8());
                } else if (c == 'L') {
                    in.u8();
                } else if (c == 'S') {
                    signal = true;
                } else {
                    break;
                }
            }
            in.position = dataEnd;
        } else if (!augmentation.isEmpty()) {
            throw MalformedFrames.INSTANCE;
        }
        boolean usableEncoding = fdeEncoding != DwarfReader.PE_OMIT && (fdeEncoding & DwarfReader.PE_INDIRECT) == 0
                && ((fdeEncoding & 0x70) == 0 || (fdeEncoding & 0x70) == DwarfReader.PE_PCREL);
        if (!usableEncoding) {
            throw MalformedFrames.INSTANCE;
        }
        UnwindRow initial = new UnwindRow();
        interpreter.initial(in, codeAlignment, dataAlignment, fdeEncoding, initial);
        return new CommonInformationEntry(codeAlignment, dataAlignment, fdeEncoding, augmented, signal, initial);
    }

    /**
     * Where the header's search table starts (high 32 bits) and how many entries it has (low 32 bits), or -1
     * when the header is not version 1, its {@code eh_frame_ptr} is not this section, or its table is not of
     * 4-byte data-relative entries that fit in it.
     */
    private long searchTable() {
        DwarfReader hdr = new DwarfReader(header, headerAddress);
        try {
            int version = hdr.u8();
            int framePointerEncoding = hdr.u8();
            int countEncoding = hdr.u8();
            int tableEncoding = hdr.u8();
            if (version != 1 || framePointerEncoding == DwarfReader.PE_OMIT || countEncoding == DwarfReader.PE_OMIT
                    || tableEncoding != TABLE_ENCODING) {
                return -1;
            }
            long frames = hdr.pointer(framePointerEncoding, headerAddress);
            long count = hdr.value(countEncoding);
            if (frames != address || count < 0 || count > (header.length - hdr.position) / 8) {
                return -1;
            }
            return (long) hdr.position << 32 | count;
        } catch (MalformedFrames e) {
            return -1;
        }
    }

    /** The starts and offsets of the FDEs, sorted by start, as the class comment says. */
    private Index scan() {
        int count = 0;
        long[] begins = new long[64];
        int[] at = new int[64];
        int position = 0;
        while (position < bytes.length && count < MAX_DESCRIPTIONS) {
            int offset = position;
            try {
                in.seek(offset, bytes.length);
                if (!entry()) {
                    if (eh) {
                        break;
                    }
                    position = entryEnd;
                    continue;
                }
                position = entryEnd;
                if (cie) {
                    continue;
                }
            } catch (MalformedFrames e) {
                break;
            }
            try {
                int fdeEnd = entryEnd;
                int afterId = in.position;
                CommonInformationEntry entry = cieOf(idAt, id);
                in.seek(afterId, fdeEnd);
                long begin = in.pointer(entry.fdeEncoding, 0);
                long range = in.value(entry.fdeEncoding);
                if (begin == 0 || range == 0) {
                    continue;
                }
                if (count == begins.length) {
                    begins = Arrays.copyOf(begins, count * 2);
                    at = Arrays.copyOf(at, count * 2);
                }
                begins[count] = begin;
                at[count] = offset;
                count++;
            } catch (MalformedFrames e) {
                continue;
            }
        }
        int[] order = AddressOrder.ascending(begins, count);
        long[] sortedBegins = new long[count];
        int[] sortedOffsets = new int[count];
        for (int i = 0; i < count; i++) {
            sortedBegins[i] = begins[order[i]];
            sortedOffsets[i] = at[order[i]];
        }
        return new Index(sortedBegins, sortedOffsets);
    }

    private static long s32(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | b[at + 3] << 24;
    }
}
