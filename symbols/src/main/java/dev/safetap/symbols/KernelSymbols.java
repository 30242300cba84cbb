package dev.safetap.symbols;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The kernel's symbols as /proc/kallsyms lists them ({@code ffffffff816d8f20 T ksys_read}, and for a module
 * {@code ffffffffc0a01230 t ext4_file_read_iter\t[ext4]}), sorted for {@link #lookup} and indexed by name for
 * {@link #address}.
 *
 * <p>Which lines count. Text symbols ({@code t T w W}) are what an address resolves to. Every other symbol with
 * an address ({@code d D b B r R}, ...) only ends the symbol before it: an address in data then resolves to
 * nothing rather than to the last function before the data. Absolute symbols ({@code a A}) are skipped: their
 * values are not addresses in the kernel image (per-CPU offsets start at 0) and would claim low addresses.
 *
 * <p>Where a symbol ends. kallsyms gives no sizes, so a symbol ends where the next listed address starts, but
 * never more than {@link #MAX_EXTENT} past its own start: that bounds the last symbol, the last one of a module
 * (the next module lies anywhere) and the end markers such as {@code _etext}, which are followed by no code.
 *
 * <p>Loading never throws: an unreadable file gives an empty table, a malformed line is skipped, and at most
 * {@link #MAX_SYMBOLS} lines are read. Instances are immutable and safe to share between threads.
 */
public final class KernelSymbols {
    /** The most lines of kallsyms read; a large distribution kernel with its modules lists about 300,000. */
    public static final int MAX_SYMBOLS = 1 << 21;
    /** The farthest past a symbol's start an address still resolves to it (the largest kernel function is ~20 KiB). */
    public static final long MAX_EXTENT = 256 << 10;

    private static final Path KALLSYMS = Path.of("/proc/kallsyms");
    private static final Path SYSCTL = Path.of("/proc/sys/kernel");

    /** The distinct addresses, ascending unsigned. */
    private final long[] starts;
    /** Where the symbol at {@code starts[i]} ends, exclusive. */
    private final long[] ends;
    /** Where in {@link #names} the preferred text symbol at {@code starts[i]} is, or -1 where only data starts. */
    private final int[] nameAt;
    /** The module of that symbol, an index into {@link #modules}. */
    private final int[] moduleOf;
    /** Every name read, each followed by a NUL (names are decoded only when looked up). */
    private final byte[] names;
    /** The module names: {@link Symbol#KERNEL_IMAGE} first, then as listed. */
    private final String[] modules;
    /** The symbols in file order, for {@link #address}: where each one's name is, and its address. */
    private final int[] listedNames;
    private final long[] listedAddresses;
    private final boolean hidden;

    private KernelSymbols(long[] starts, long[] ends, int[] nameAt, int[] moduleOf, byte[] names, String[] modules,
            int[] listedNames, long[] listedAddresses, boolean hidden) {
        this.starts = starts;
        this.ends = ends;
        this.nameAt = nameAt;
        this.moduleOf = moduleOf;
        this.names = names;
        this.modules = modules;
        this.listedNames = listedNames;
        this.listedAddresses = listedAddresses;
        this.hidden = hidden;
    }

    /** The running kernel's symbols, from /proc/kallsyms. */
    public static KernelSymbols load() {
        return load(KALLSYMS);
    }

    /** The symbols listed in {@code kallsyms}, a file in the format of /proc/kallsyms; empty if it cannot be read. */
    public static KernelSymbols load(Path kallsyms) {
        Listing listing = new Listing();
        BoundedLines.read(kallsyms, MAX_SYMBOLS, listing::parse);
        return listing.sorted();
    }

    /**
     * The text symbol containing {@code address} (the nearest at or below it, if it has not ended), with the
     * offset into it; empty when the address is in no kernel function or the addresses are {@link #hidden}.
     */
    public Optional<Symbol> lookup(long address) {
        int i = AddressOrder.floor(starts, starts.length, address);
        if (i < 0 || nameAt[i] < 0 || Long.compareUnsigned(address, ends[i]) >= 0) {
            return Optional.empty();
        }
        return Optional.of(new Symbol(name(nameAt[i]), address - starts[i], modules[moduleOf[i]]));
    }

    /**
     * The address of the symbol named {@code name} (any type but absolute; the first listed when the name occurs
     * more than once, as static functions of different files may), as bpftrace's {@code kaddr("name")}. A scan of
     * every symbol (about a millisecond): it serves the compiler, not the printing of stacks.
     */
    public OptionalLong address(String name) {
        byte[] wanted = name.getBytes(StandardCharsets.ISO_8859_1);
        for (int i = 0; i < listedNames.length; i++) {
            int at = listedNames[i];
            if (names.length - at > wanted.length && names[at + wanted.length] == 0
                    && Arrays.equals(names, at, at + wanted.length, wanted, 0, wanted.length)) {
                return OptionalLong.of(listedAddresses[i]);
            }
        }
        return OptionalLong.empty();
    }

    private String name(int at) {
        int end = at;
        while (names[end] != 0) {
            end++;
        }
        return new String(names, at, end - at, StandardCharsets.ISO_8859_1);
    }

    /** The number of distinct addresses where a symbol starts. */
    public int size() {
        return starts.length;
    }

    /**
     * Whether kallsyms listed symbols but every address read 0: the kernel hides them from this process
     * ({@link #hiddenMessage} says what to change).
     */
    public boolean hidden() {
        return hidden;
    }

    /** Why the kernel hides its addresses and what to change, from the live values of /proc/sys/kernel. */
    public static String hiddenMessage() {
        return hiddenMessage(SYSCTL);
    }

    /**
     * Why the kernel hides its addresses, with the values read from {@code sysctlDir} (a directory laid out as
     * /proc/sys/kernel). The kernel shows them when kptr_restrict is 0 and perf_event_paranoid at most 1, or when
     * kptr_restrict is at most 1 and the reader has CAP_SYSLOG; at 2 never.
     */
    public static String hiddenMessage(Path sysctlDir) {
        String prefix = "kernel addresses are hidden: ";
        long restrict = sysctl(sysctlDir.resolve("kptr_restrict"));
        if (restrict < 0) {
            return prefix + "set sysctl kernel.kptr_restrict=0 (its value could not be read)";
        }
        if (restrict >= 2) {
            return prefix + "set sysctl kernel.kptr_restrict=0 (now " + restrict + ")";
        }
        if (restrict == 1) {
            return prefix + "run with CAP_SYSLOG (as root) or set sysctl kernel.kptr_restrict=0 (now 1)";
        }
        long paranoid = sysctl(sysctlDir.resolve("perf_event_paranoid"));
        return prefix + "run with CAP_SYSLOG (as root) or set sysctl kernel.perf_event_paranoid=1 (now "
                + (paranoid == Long.MIN_VALUE ? "unreadable" : Long.toString(paranoid)) + "; kernel.kptr_restrict is 0)";
    }

    /** The integer in a sysctl file, or {@code Long.MIN_VALUE} when it cannot be read. */
    private static long sysctl(Path file) {
        try {
            return Long.parseLong(Files.readString(file).trim());
        } catch (IOException | NumberFormatException e) {
            return Long.MIN_VALUE;
        }
    }

    /** The lines of kallsyms as read, in file order, then sorted into a table. */
    private static final class Listing {
        private long[] addresses = new long[1 << 12];
        private int[] nameOffsets = new int[1 << 12];
        private int[] moduleIndices = new int[1 << 12];
        private byte[] kinds = new byte[1 << 12];
        private long[] preferences = new long[1 << 12];
        private int count;
        private byte[] names = new byte[1 << 16];
        private int namesLength;
        private boolean anyListed;
        private final Map<String, Integer> moduleIndex = new HashMap<>(Map.of(Symbol.KERNEL_IMAGE, 0));
        private final List<String> modules = new ArrayList<>(List.of(Symbol.KERNEL_IMAGE));

        /** Adds the line {@code b[from..to)} if it is a symbol line: address, space, type, space, name, [tab module]. */
        void parse(byte[] b, int from, int to) {
            int i = from;
            long address = 0;
            int digits = 0;
            for (; i < to && b[i] != ' '; i++, digits++) {
                int digit = Character.digit(b[i], 16);
                if (digit < 0 || digits == 16) {
                    return;
                }
                address = address << 4 | digit;
            }
            if (digits == 0 || i + 3 >= to || b[i + 2] != ' ') {
                return;
            }
            char type = (char) (b[i + 1] & 0xff);
            int nameStart = i + 3;
            int nameEnd = nameStart;
            int underscores = 0;
            while (nameEnd < to && b[nameEnd] != '\t' && b[nameEnd] != ' ' && b[nameEnd] != 0) {
                if (b[nameEnd] == '_' && underscores == nameEnd - nameStart) {
                    underscores++;
                }
                nameEnd++;
            }
            boolean letter = type >= 'a' && type <= 'z' || type >= 'A' && type <= 'Z';
            if (nameEnd == nameStart || !letter || type == 'a' || type == 'A') {
                return;
            }
            int module = 0;
            if (nameEnd < to) {
                if (to - nameEnd < 4 || b[nameEnd] != '\t' || b[nameEnd + 1] != '[' || b[to - 1] != ']') {
                    return;
                }
                String listed = new String(b, nameEnd + 2, to - nameEnd - 3, StandardCharsets.ISO_8859_1);
                module = moduleIndex.computeIfAbsent(listed, m -> {
                    modules.add(m);
                    return modules.size() - 1;
                });
            }
            anyListed = true;
            if (address != 0) {
                int binding = type == 'w' || type == 'W' ? AddressOrder.WEAK
                        : type <= 'Z' ? AddressOrder.GLOBAL : AddressOrder.LOCAL;
                boolean text = type == 't' || type == 'T' || type == 'w' || type == 'W';
                add(address, b, nameStart, nameEnd, module, text,
                        AddressOrder.preference(underscores, binding, nameEnd - nameStart));
            }
        }

        private void add(long address, byte[] b, int nameStart, int nameEnd, int module, boolean text, long preference) {
            if (count == addresses.length) {
                int grown = count * 2;
                addresses = Arrays.copyOf(addresses, grown);
                nameOffsets = Arrays.copyOf(nameOffsets, grown);
                moduleIndices = Arrays.copyOf(moduleIndices, grown);
                kinds = Arrays.copyOf(kinds, grown);
                preferences = Arrays.copyOf(preferences, grown);
            }
            int length = nameEnd - nameStart;
            if (namesLength + length + 1 > names.length) {
                names = Arrays.copyOf(names, Math.max(names.length * 2, namesLength + length + 1));
            }
            System.arraycopy(b, nameStart, names, namesLength, length);
            addresses[count] = address;
            nameOffsets[count] = namesLength;
            moduleIndices[count] = module;
            kinds[count] = (byte) (text ? 1 : 0);
            preferences[count] = preference;
            namesLength += length + 1;
            count++;
        }

        /** The table: one entry per distinct address, named by its preferred text symbol. */
        KernelSymbols sorted() {
            int[] order = AddressOrder.ascending(addresses, count);
            int distinct = 0;
            for (int k = 0; k < count; k++) {
                if (k == 0 || addresses[order[k]] != addresses[order[k - 1]]) {
                    distinct++;
                }
            }
            long[] starts = new long[distinct];
            int[] nameAt = new int[distinct];
            int[] moduleOf = new int[distinct];
            long[] best = new long[distinct];
            int entry = -1;
            for (int k = 0; k < count; k++) {
                int i = order[k];
                if (k == 0 || addresses[i] != addresses[order[k - 1]]) {
                    entry++;
                    starts[entry] = addresses[i];
                    nameAt[entry] = -1;
                }
                if (kinds[i] != 0 && (nameAt[entry] < 0 || preferences[i] < best[entry])) {
                    nameAt[entry] = nameOffsets[i];
                    moduleOf[entry] = moduleIndices[i];
                    best[entry] = preferences[i];
                }
            }
            long[] ends = new long[distinct];
            for (int e = 0; e < distinct; e++) {
                long bound = starts[e] + MAX_EXTENT;
                long limit = Long.compareUnsigned(bound, starts[e]) < 0 ? -1L : bound;
                ends[e] = e + 1 < distinct && Long.compareUnsigned(starts[e + 1], limit) < 0 ? starts[e + 1] : limit;
            }
            return new KernelSymbols(starts, ends, nameAt, moduleOf, Arrays.copyOf(names, namesLength),
                    modules.toArray(String[]::new), Arrays.copyOf(nameOffsets, count), Arrays.copyOf(addresses, count),
                    anyListed && count == 0);
        }
    }
}
