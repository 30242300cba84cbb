package dev.safetap.symbols;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the symbolizer needs of an ELF file ({@code man 5 elf}): its type, the PT_LOAD segments that map file
 * offsets to ELF virtual addresses, the section headers, the GNU build id, the {@code .gnu_debuglink}, and the
 * functions of {@code .symtab} and {@code .dynsym}.
 *
 * <p>Only 64-bit little-endian files are read (x86_64 and arm64 Linux); anything else is refused. Reading never
 * throws and holds no file open afterwards: every read is positioned and bounded by the file's size, a section
 * over {@link #MAX_SECTION} bytes is skipped, and a part that is malformed (a truncated section table, a symbol
 * table whose string table is missing) is left out while the rest is kept. What a file lacks is empty.
 */
public final class ElfFile {
    /** The largest section read; a larger one is skipped as if absent. */
    public static final long MAX_SECTION = 256L << 20;
    /** The most section headers read (linked binaries have tens; an object file built with -ffunction-sections more). */
    static final int MAX_SECTIONS = 1 << 17;
    /** The most program headers read. */
    static final int MAX_SEGMENTS = 1 << 16;

    private static final int HEADER_SIZE = 64;
    private static final int PHDR_SIZE = 56;
    private static final int SHDR_SIZE = 64;
    private static final int SYM_SIZE = 24;
    private static final int PT_LOAD = 1;
    private static final int PT_NOTE = 4;
    private static final int PF_X = 1;
    private static final int SHT_SYMTAB = 2;
    private static final int SHT_NOTE = 7;
    private static final int SHT_DYNSYM = 11;
    private static final long SHF_ALLOC = 2;
    private static final int SHN_UNDEF = 0;
    private static final int SHN_LORESERVE = 0xff00;
    private static final int SHN_XINDEX = 0xffff;
    private static final int PN_XNUM = 0xffff;
    private static final int STT_FUNC = 2;
    private static final int STT_GNU_IFUNC = 10;
    private static final int STB_GLOBAL = 1;
    private static final int STB_WEAK = 2;
    private static final int NT_GNU_BUILD_ID = 3;
    private static final int MAX_NOTES = 1 << 20;
    private static final int MAX_BUILD_ID = 64;
    private static final int SYMBOLS_PER_READ = 1 << 12;

    private final Path path;
    private final ElfType type;
    private final List<LoadSegment> segments;
    private final List<ElfSection> sections;
    private final Optional<String> buildId;
    private final Optional<DebugLink> debugLink;
    private final ElfSymbols symtab;
    private final ElfSymbols dynsym;

    private ElfFile(Path path, ElfType type, List<LoadSegment> segments, List<ElfSection> sections,
            Optional<String> buildId, Optional<DebugLink> debugLink, ElfSymbols symtab, ElfSymbols dynsym) {
        this.path = path;
        this.type = type;
        this.segments = segments;
        this.sections = sections;
        this.buildId = buildId;
        this.debugLink = debugLink;
        this.symtab = symtab;
        this.dynsym = dynsym;
    }

    /**
     * The ELF file at {@code path}; empty when it cannot be opened, is not ELF, is not 64-bit little-endian, or
     * its header is malformed, or it is not a regular file (a FIFO would block the open). Symbols are labelled with
     * {@code path}.
     */
    public static Optional<ElfFile> read(Path path) {
        if (!Files.isRegularFile(path)) {
            return Optional.empty();
        }
        try (FileChannel channel = FileChannel.open(path, StandardOpenOption.READ)) {
            return Optional.ofNullable(new Parser(path, channel).parse());
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return Optional.empty();
        }
    }

    /** The file this was read from. */
    public Path path() {
        return path;
    }

    /** The file's e_type. */
    public ElfType type() {
        return type;
    }

    /** The PT_LOAD segments, in program header order. */
    public List<LoadSegment> segments() {
        return segments;
    }

    /** The section headers, in order (index 0 is the null section); empty when the table could not be read. */
    public List<ElfSection> sections() {
        return sections;
    }

    /** The GNU build id in lowercase hex, from the NT_GNU_BUILD_ID note. */
    public Optional<String> buildId() {
        return buildId;
    }

    /** The {@code .gnu_debuglink} naming the separate debug file. */
    public Optional<DebugLink> debugLink() {
        return debugLink;
    }

    /** The functions of {@code .symtab}; empty when the file has none (it was stripped). */
    public ElfSymbols symtab() {
        return symtab;
    }

    /** The functions of {@code .dynsym} (those a shared object exports). */
    public ElfSymbols dynsym() {
        return dynsym;
    }

    /** Roughly how many bytes of heap the symbol tables hold. */
    public long retainedBytes() {
        return symtab.retainedBytes() + dynsym.retainedBytes();
    }

    /** Whether the file has a {@code .symtab} with at least one function. */
    public boolean hasSymtab() {
        return symtab.size() > 0;
    }

    /** The ELF virtual address that the byte at {@code fileOffset} is loaded at, from the first PT_LOAD holding it. */
    public OptionalLong virtualAddress(long fileOffset) {
        long address = virtualAddressOr(fileOffset, -1);
        return address == -1 && segmentAt(fileOffset) < 0 ? OptionalLong.empty() : OptionalLong.of(address);
    }

    /** As {@link #virtualAddress}, {@code none} when no segment loads the byte; allocates nothing. */
    public long virtualAddressOr(long fileOffset, long none) {
        int i = segmentAt(fileOffset);
        if (i < 0) {
            return none;
        }
        LoadSegment segment = segments.get(i);
        return fileOffset - segment.offset() + segment.virtualAddress();
    }

    private int segmentAt(long fileOffset) {
        for (int i = 0; i < segments.size(); i++) {
            if (segments.get(i).containsFileOffset(fileOffset)) {
                return i;
            }
        }
        return -1;
    }

    /** The call frame sections with contents in this file: {@code .eh_frame}, {@code .eh_frame_hdr}, {@code .debug_frame}. */
    public List<FrameSection> frameSections() {
        List<FrameSection> frames = new ArrayList<>();
        for (ElfSection section : sections) {
            boolean frame = section.name().equals(".eh_frame") || section.name().equals(".eh_frame_hdr")
                    || section.name().equals(".debug_frame");
            if (frame && section.hasContents()) {
                frames.add(new FrameSection(path, section.name(), section.offset(), section.address(), section.size()));
            }
        }
        return frames;
    }

    /** Where some bytes lie in the file. */
    private record FileRange(long offset, long length) {
    }

    /** A part of the file that is not what the ELF format says; the part is left out. */
    private static final class Malformed extends Exception {
        Malformed() {
            super(null, null, false, false);
        }
    }

    /** One pass over one open file: every read positioned and checked against the file's size. */
    private static final class Parser {
        private final Path path;
        private final FileChannel channel;
        private final long fileSize;

        Parser(Path path, FileChannel channel) throws IOException {
            this.path = path;
            this.channel = channel;
            this.fileSize = channel.size();
        }

        /** The file, or null when its header is not that of a 64-bit little-endian ELF file. */
        ElfFile parse() throws IOException {
            ByteBuffer header;
            try {
                header = bytes(0, HEADER_SIZE);
            } catch (Malformed e) {
                return null;
            }
            boolean magic = header.getInt(0) == 0x464c457f;
            boolean elf64LittleEndian = header.get(4) == 2 && header.get(5) == 1 && header.get(6) == 1;
            ElfType type = ElfType.of(Short.toUnsignedInt(header.getShort(16)));
            if (!magic || !elf64LittleEndian || type == null) {
                return null;
            }
            long phoff = header.getLong(32);
            long shoff = header.getLong(40);
            int phentsize = Short.toUnsignedInt(header.getShort(54));
            long phnum = Short.toUnsignedInt(header.getShort(56));
            int shentsize = Short.toUnsignedInt(header.getShort(58));
            long shnum = Short.toUnsignedInt(header.getShort(60));
            int shstrndx = Short.toUnsignedInt(header.getShort(62));
            ElfSection first = null;
            if (shoff != 0 && shentsize == SHDR_SIZE) {
                try {
                    first = section(bytes(shoff, SHDR_SIZE), 0, "");
                } catch (Malformed e) {
                    first = null;
                }
            }
            if (first != null) {
                shnum = shnum == 0 ? first.size() : shnum;
                shstrndx = shstrndx == SHN_XINDEX ? first.link() : shstrndx;
                phnum = phnum == PN_XNUM ? Integer.toUnsignedLong(first.info()) : phnum;
            }
            List<LoadSegment> segments = new ArrayList<>();
            List<FileRange> notes = new ArrayList<>();
            segments(phoff, phentsize, phnum, segments, notes);
            List<ElfSection> sections = first == null ? List.of() : sections(shoff, shnum, shstrndx);
            Optional<String> buildId = buildId(sections, notes);
            Optional<DebugLink> debugLink = debugLink(sections);
            String source = path.toString();
            ElfSymbols symtab = symbols(sections, SHT_SYMTAB, source);
            ElfSymbols dynsym = symbols(sections, SHT_DYNSYM, source);
            return new ElfFile(path, type, List.copyOf(segments), sections, buildId, debugLink, symtab, dynsym);
        }

        private void segments(long phoff, int phentsize, long phnum, List<LoadSegment> segments, List<FileRange> notes)
                throws IOException {
            if (phoff == 0 || phnum == 0 || phentsize != PHDR_SIZE || phnum > MAX_SEGMENTS) {
                return;
            }
            ByteBuffer table;
            try {
                table = bytes(phoff, phnum * PHDR_SIZE);
            } catch (Malformed e) {
                return;
            }
            for (int i = 0; i < phnum; i++) {
                int at = i * PHDR_SIZE;
                int type = table.getInt(at);
                int flags = table.getInt(at + 4);
                long offset = table.getLong(at + 8);
                long vaddr = table.getLong(at + 16);
                long filesz = table.getLong(at + 32);
                long memsz = table.getLong(at + 40);
                if (offset < 0 || filesz < 0) {
                    continue;
                }
                if (type == PT_LOAD) {
                    segments.add(new LoadSegment(offset, vaddr, filesz, memsz, (flags & PF_X) != 0));
                } else if (type == PT_NOTE) {
                    notes.add(new FileRange(offset, filesz));
                }
            }
        }

        private List<ElfSection> sections(long shoff, long shnum, int shstrndx) throws IOException {
            if (shnum <= 0 || shnum > MAX_SECTIONS) {
                return List.of();
            }
            ByteBuffer table;
            try {
                table = bytes(shoff, shnum * SHDR_SIZE);
            } catch (Malformed e) {
                return List.of();
            }
            byte[] names = new byte[0];
            if (shstrndx >= 0 && shstrndx < shnum) {
                ElfSection nameTable = section(table, shstrndx * SHDR_SIZE, "");
                try {
                    names = contents(nameTable);
                } catch (Malformed e) {
                    names = new byte[0];
                }
            }
            List<ElfSection> sections = new ArrayList<>((int) shnum);
            for (int i = 0; i < shnum; i++) {
                int nameOffset = table.getInt(i * SHDR_SIZE);
                sections.add(section(table, i * SHDR_SIZE, string(names, nameOffset, 256)));
            }
            return List.copyOf(sections);
        }

        private static ElfSection section(ByteBuffer table, int at, String name) {
            return new ElfSection(name, table.getInt(at + 4), table.getLong(at + 8), table.getLong(at + 16),
                    table.getLong(at + 24), table.getLong(at + 32), table.getInt(at + 40), table.getInt(at + 44),
                    table.getLong(at + 56));
        }

        private Optional<String> buildId(List<ElfSection> sections, List<FileRange> noteSegments) throws IOException {
            List<FileRange> places = new ArrayList<>();
            for (ElfSection section : sections) {
                if (section.type() == SHT_NOTE && section.hasContents()) {
                    places.add(new FileRange(section.offset(), section.size()));
                }
            }
            if (places.isEmpty()) {
                places.addAll(noteSegments);
            }
            for (FileRange place : places) {
                if (place.length() > MAX_NOTES) {
                    continue;
                }
                try {
                    Optional<String> id = buildId(bytes(place.offset(), place.length()));
                    if (id.isPresent()) {
                        return id;
                    }
                } catch (Malformed e) {
                    continue;
                }
            }
            return Optional.empty();
        }

        /** The NT_GNU_BUILD_ID of owner "GNU" among the notes in {@code notes}: namesz, descsz, type, name, desc. */
        private static Optional<String> buildId(ByteBuffer notes) {
            int at = 0;
            int limit = notes.limit();
            while (limit - at >= 12) {
                long nameSize = Integer.toUnsignedLong(notes.getInt(at));
                long descSize = Integer.toUnsignedLong(notes.getInt(at + 4));
                int type = notes.getInt(at + 8);
                long name = at + 12L;
                long desc = name + align4(nameSize);
                long next = desc + align4(descSize);
                if (desc + descSize > limit) {
                    return Optional.empty();
                }
                boolean gnu = nameSize == 4 && notes.get((int) name) == 'G' && notes.get((int) name + 1) == 'N'
                        && notes.get((int) name + 2) == 'U' && notes.get((int) name + 3) == 0;
                if (gnu && type == NT_GNU_BUILD_ID && descSize > 0 && descSize <= MAX_BUILD_ID) {
                    byte[] id = new byte[(int) descSize];
                    notes.get((int) desc, id);
                    return Optional.of(HexFormat.of().formatHex(id));
                }
                if (next > limit) {
                    return Optional.empty();
                }
                at = (int) next;
            }
            return Optional.empty();
        }

        /** The debug link: the file name, NUL, padding to 4 bytes, then the CRC; a name with a '/' is refused. */
        private Optional<DebugLink> debugLink(List<ElfSection> sections) throws IOException {
            for (ElfSection section : sections) {
                if (!section.name().equals(".gnu_debuglink") || section.size() > 8192) {
                    continue;
                }
                byte[] link;
                try {
                    link = contents(section);
                } catch (Malformed e) {
                    return Optional.empty();
                }
                int nul = 0;
                while (nul < link.length && link[nul] != 0) {
                    nul++;
                }
                int crcAt = (int) align4(nul + 1L);
                if (nul == 0 || crcAt + 4 > link.length) {
                    return Optional.empty();
                }
                String name = new String(link, 0, nul, StandardCharsets.UTF_8);
                if (name.contains("/") || name.equals(".") || name.equals("..")) {
                    return Optional.empty();
                }
                int crc = ByteBuffer.wrap(link).order(ByteOrder.LITTLE_ENDIAN).getInt(crcAt);
                return Optional.of(new DebugLink(name, crc));
            }
            return Optional.empty();
        }

        /** The functions of the first section of {@code type}, read {@link #SYMBOLS_PER_READ} entries at a time. */
        private ElfSymbols symbols(List<ElfSection> sections, int type, String source) throws IOException {
            for (ElfSection table : sections) {
                if (table.type() != type) {
                    continue;
                }
                try {
                    return symbols(sections, table, source);
                } catch (Malformed e) {
                    return ElfSymbols.empty();
                }
            }
            return ElfSymbols.empty();
        }

        private ElfSymbols symbols(List<ElfSection> sections, ElfSection table, String source)
                throws IOException, Malformed {
            boolean entrySizeOk = table.entrySize() == SYM_SIZE || table.entrySize() == 0;
            if (!entrySizeOk || table.link() <= 0 || table.link() >= sections.size() || !table.hasContents()
                    || table.size() > MAX_SECTION) {
                throw new Malformed();
            }
            checkInFile(table.offset(), table.size());
            ElfSymbols.Builder functions = new ElfSymbols.Builder(contents(sections.get(table.link())));
            long count = table.size() / SYM_SIZE;
            for (long first = 0; first < count && !functions.full(); first += SYMBOLS_PER_READ) {
                int n = (int) Math.min(SYMBOLS_PER_READ, count - first);
                ByteBuffer entries = bytes(table.offset() + first * SYM_SIZE, (long) n * SYM_SIZE);
                for (int i = 0; i < n; i++) {
                    int at = i * SYM_SIZE;
                    int info = entries.get(at + 4);
                    int kind = info & 0xf;
                    int shndx = Short.toUnsignedInt(entries.getShort(at + 6));
                    if ((kind != STT_FUNC && kind != STT_GNU_IFUNC) || shndx == SHN_UNDEF) {
                        continue;
                    }
                    int bind = (info >> 4) & 0xf;
                    int binding = bind == STB_GLOBAL ? AddressOrder.GLOBAL
                            : bind == STB_WEAK ? AddressOrder.WEAK : AddressOrder.LOCAL;
                    long sectionEnd = 0;
                    if (shndx < SHN_LORESERVE && shndx < sections.size()) {
                        ElfSection home = sections.get(shndx);
                        sectionEnd = (home.flags() & SHF_ALLOC) != 0 ? home.address() + home.size() : 0;
                    }
                    functions.add(entries.getLong(at + 8), entries.getLong(at + 16), entries.getInt(at), binding,
                            sectionEnd);
                }
            }
            return functions.build(source);
        }

        /** The bytes of {@code section}; a section without contents in the file has none. */
        private byte[] contents(ElfSection section) throws IOException, Malformed {
            if (!section.hasContents()) {
                return new byte[0];
            }
            ByteBuffer buffer = bytes(section.offset(), section.size());
            byte[] bytes = new byte[buffer.limit()];
            buffer.get(0, bytes);
            return bytes;
        }

        private void checkInFile(long offset, long length) throws Malformed {
            if (offset < 0 || length < 0 || length > MAX_SECTION || offset > fileSize - length) {
                throw new Malformed();
            }
        }

        /** {@code length} bytes at {@code offset}, little-endian; Malformed when not all in the file. */
        private ByteBuffer bytes(long offset, long length) throws IOException, Malformed {
            checkInFile(offset, length);
            ByteBuffer buffer = ByteBuffer.allocate((int) length).order(ByteOrder.LITTLE_ENDIAN);
            while (buffer.hasRemaining()) {
                if (channel.read(buffer, offset + buffer.position()) < 0) {
                    throw new Malformed();
                }
            }
            return buffer.flip();
        }

        private static String string(byte[] table, int offset, int max) {
            if (offset < 0 || offset >= table.length) {
                return "";
            }
            int end = offset;
            while (end < table.length && end - offset < max && table[end] != 0) {
                end++;
            }
            return new String(table, offset, end - offset, StandardCharsets.UTF_8);
        }

        private static long align4(long n) {
            return (n + 3) & ~3L;
        }
    }
}
