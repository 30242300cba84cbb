package dev.safetap.symbols;

/**
 * A cursor over the bytes of a call frame section, reading the encodings of DWARF 5 section 7.6 (LEB128) and of
 * the LSB's {@code .eh_frame} pointers ({@code DW_EH_PE_*}). Every read is checked against {@link #limit}; a read
 * past it, or an encoding this reader cannot resolve, throws the one {@link MalformedFrames} instance, which the
 * caller turns into "no information here".
 */
final class DwarfReader {
    /** DW_EH_PE_omit: no value follows. */
    static final int PE_OMIT = 0xff;
    /** DW_EH_PE_absptr: an address-sized (8-byte) value. */
    static final int PE_ABSPTR = 0x00;
    static final int PE_ULEB128 = 0x01;
    static final int PE_UDATA2 = 0x02;
    static final int PE_UDATA4 = 0x03;
    static final int PE_UDATA8 = 0x04;
    static final int PE_SLEB128 = 0x09;
    static final int PE_SDATA2 = 0x0a;
    static final int PE_SDATA4 = 0x0b;
    static final int PE_SDATA8 = 0x0c;
    /** DW_EH_PE_pcrel: relative to the address of the encoded value itself. */
    static final int PE_PCREL = 0x10;
    /** DW_EH_PE_datarel: relative to the start of {@code .eh_frame_hdr} (the only place it is used on x86-64). */
    static final int PE_DATAREL = 0x30;
    /** DW_EH_PE_indirect: the value is the address of the pointer (used by personality routines only). */
    static final int PE_INDIRECT = 0x80;

    /** Thrown by every read that runs off the section or meets what it cannot decode. */
    static final class MalformedFrames extends Exception {
        static final MalformedFrames INSTANCE = new MalformedFrames();

        private MalformedFrames() {
            super("malformed call frame information", null, false, false);
        }
    }

    private byte[] bytes;
    private long address;
    int position;
    int limit;

    /** A reader of {@code bytes}, whose first byte is loaded at ELF virtual address {@code address} (0: not loaded). */
    DwarfReader(byte[] bytes, long address) {
        reset(bytes, address);
    }

    /** Reads {@code bytes} from now on, from their start, as the constructor says. */
    void reset(byte[] bytes, long address) {
        this.bytes = bytes;
        this.address = address;
        this.position = 0;
        this.limit = bytes.length;
    }

    /** The bytes read. */
    byte[] bytes() {
        return bytes;
    }

    /** Reads {@code [position, limit)} next; both are clamped into the bytes. */
    void seek(int position, int limit) {
        this.limit = Math.max(0, Math.min(limit, bytes.length));
        this.position = Math.max(0, Math.min(position, this.limit));
    }

    /** The ELF virtual address of the next byte. */
    long address() {
        return address + position;
    }

    boolean hasMore() {
        return position < limit;
    }

    int u8() throws MalformedFrames {
        need(1);
        return bytes[position++] & 0xff;
    }

    int u16() throws MalformedFrames {
        need(2);
        int value = (bytes[position] & 0xff) | (bytes[position + 1] & 0xff) << 8;
        position += 2;
        return value;
    }

    /** A 4-byte value, sign-extended. */
    int s32() throws MalformedFrames {
        need(4);
        int value = (bytes[position] & 0xff) | (bytes[position + 1] & 0xff) << 8 | (bytes[position + 2] & 0xff) << 16
                | (bytes[position + 3] & 0xff) << 24;
        position += 4;
        return value;
    }

    long u32() throws MalformedFrames {
        return Integer.toUnsignedLong(s32());
    }

    long u64() throws MalformedFrames {
        long low = u32();
        return low | u32() << 32;
    }

    /** An unsigned LEB128; bits beyond the 64th are dropped, and at most 10 bytes make one value. */
    long uleb() throws MalformedFrames {
        long value = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            int b = u8();
            if (shift < 64) {
                value |= (long) (b & 0x7f) << shift;
            }
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw MalformedFrames.INSTANCE;
    }

    /** A signed LEB128, as {@link #uleb} bounded. */
    long sleb() throws MalformedFrames {
        long value = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            int b = u8();
            if (shift < 64) {
                value |= (long) (b & 0x7f) << shift;
            }
            if ((b & 0x80) == 0) {
                if (shift + 7 < 64 && (b & 0x40) != 0) {
                    value |= -1L << (shift + 7);
                }
                return value;
            }
        }
        throw MalformedFrames.INSTANCE;
    }

    /** A ULEB128 that must fit a non-negative int (a register number, a block length). */
    int ulebInt() throws MalformedFrames {
        long value = uleb();
        if (value < 0 || value > Integer.MAX_VALUE) {
            throw MalformedFrames.INSTANCE;
        }
        return (int) value;
    }

    /**
     * A pointer encoded as {@code encoding} says, with its application applied: pc-relative ones resolved
     * against this value's own address, data-relative ones against {@code dataBase}. An indirect pointer is
     * returned as the address it points to (nothing else can be read). Text-, function-relative and aligned
     * pointers, which x86-64 Linux toolchains do not emit, are refused.
     */
    long pointer(int encoding, long dataBase) throws MalformedFrames {
        long at = address();
        long value = value(encoding);
        switch (encoding & 0x70) {
            case 0:
                return value;
            case PE_PCREL:
                return value + at;
            case PE_DATAREL:
                return value + dataBase;
            default:
                throw MalformedFrames.INSTANCE;
        }
    }

    /** The value of a pointer encoded as {@code encoding}, without its application (an FDE's address range). */
    long value(int encoding) throws MalformedFrames {
        switch (encoding & 0x0f) {
            case PE_ABSPTR:
            case PE_UDATA8:
            case PE_SDATA8:
                return u64();
            case PE_ULEB128:
                return uleb();
            case PE_UDATA2:
                return u16();
            case PE_UDATA4:
                return u32();
            case PE_SLEB128:
                return sleb();
            case PE_SDATA2:
                return (short) u16();
            case PE_SDATA4:
                return s32();
            default:
                throw MalformedFrames.INSTANCE;
        }
    }

    /** Skips {@code length} bytes. */
    void skip(long length) throws MalformedFrames {
        if (length < 0 || length > limit - position) {
            throw MalformedFrames.INSTANCE;
        }
        position += (int) length;
    }

    /** A NUL-terminated ASCII string of at most {@code max} characters. */
    String string(int max) throws MalformedFrames {
        StringBuilder text = new StringBuilder();
        for (int b = u8(); b != 0; b = u8()) {
            if (text.length() == max) {
                throw MalformedFrames.INSTANCE;
            }
            text.append((char) b);
        }
        return text.toString();
    }

    private void need(int n) throws MalformedFrames {
        if (limit - position < n) {
            throw MalformedFrames.INSTANCE;
        }
    }
}
