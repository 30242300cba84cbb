package dev.safetap.symbols;

/**
 * The two rules every symbol table here shares: addresses compare unsigned (kernel addresses have the top bit
 * set), and of several names at one address the one printed is the one a programmer most likely wrote: fewer
 * leading underscores ({@code malloc} over {@code __libc_malloc}), then the stronger binding (global, then weak,
 * then local), then the shorter name, then the first listed.
 */
final class AddressOrder {
    /** The binding of a global symbol (ELF STB_GLOBAL, kallsyms upper case). */
    static final int GLOBAL = 0;
    /** The binding of a weak symbol (ELF STB_WEAK, kallsyms {@code w}/{@code W}). */
    static final int WEAK = 1;
    /** The binding of a local symbol (ELF STB_LOCAL, kallsyms lower case). */
    static final int LOCAL = 2;

    private AddressOrder() {
    }

    /**
     * The indices {@code 0..count-1} ordered by unsigned ascending {@code addresses[i]}, equal addresses in index
     * order (a bottom-up merge sort on primitives: symbol tables reach millions of entries).
     */
    static int[] ascending(long[] addresses, int count) {
        int[] order = new int[count];
        for (int i = 0; i < count; i++) {
            order[i] = i;
        }
        int[] spare = new int[count];
        for (int width = 1; width < count; width *= 2) {
            for (int low = 0; low < count; low += 2 * width) {
                int middle = Math.min(low + width, count);
                int high = Math.min(low + 2 * width, count);
                int left = low;
                int right = middle;
                for (int out = low; out < high; out++) {
                    boolean takeLeft = right >= high
                            || left < middle && Long.compareUnsigned(addresses[order[left]], addresses[order[right]]) <= 0;
                    spare[out] = takeLeft ? order[left++] : order[right++];
                }
            }
            int[] sorted = spare;
            spare = order;
            order = sorted;
        }
        return order;
    }

    /**
     * How much a name is preferred among those at its address, lower first: leading underscores, then
     * {@code binding} ({@link #GLOBAL}, {@link #WEAK}, {@link #LOCAL}), then length.
     */
    static long preference(int leadingUnderscores, int binding, int length) {
        return (long) Math.min(leadingUnderscores, 0xff) << 40 | (long) binding << 32 | Math.min(length, Integer.MAX_VALUE);
    }

    /** The preference of {@code name} with {@code binding}. */
    static long preference(String name, int binding) {
        int underscores = 0;
        while (underscores < name.length() && name.charAt(underscores) == '_') {
            underscores++;
        }
        return preference(underscores, binding, name.length());
    }

    /**
     * The index of the last of {@code sorted[0..count-1]} (ascending unsigned) at or below {@code address}, or -1
     * when every entry is above it.
     */
    static int floor(long[] sorted, int count, long address) {
        int low = 0;
        int high = count - 1;
        int found = -1;
        while (low <= high) {
            int middle = (low + high) >>> 1;
            if (Long.compareUnsigned(sorted[middle], address) <= 0) {
                found = middle;
                low = middle + 1;
            } else {
                high = middle - 1;
            }
        }
        return found;
    }
}
