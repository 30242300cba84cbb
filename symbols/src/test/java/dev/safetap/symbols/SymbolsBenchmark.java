package dev.safetap.symbols;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Measures what symbolizing costs at print time: loading /proc/kallsyms (the first load in a fresh JVM, then
 * the median of ten), kernel lookups per second at random kernel text addresses, and user lookups per second at
 * random addresses of this JVM's executable mappings (each lookup stats the mapped file once to key the cache).
 * Usage: SymbolsBenchmark [LOOKUPS]
 */
public final class SymbolsBenchmark {
    private SymbolsBenchmark() {
    }

    public static void main(String[] args) {
        int lookups = args.length > 0 ? Integer.parseInt(args[0]) : 2_000_000;
        long start = System.nanoTime();
        KernelSymbols kernel = KernelSymbols.load();
        double firstMs = (System.nanoTime() - start) / 1e6;
        double[] loads = new double[10];
        for (int i = 0; i < loads.length; i++) {
            long t = System.nanoTime();
            kernel = KernelSymbols.load();
            loads[i] = (System.nanoTime() - t) / 1e6;
        }
        Arrays.sort(loads);
        System.out.printf("kallsyms: %d addresses%s; first load %.1f ms, then median %.1f ms%n", kernel.size(),
                kernel.hidden() ? " (hidden: " + KernelSymbols.hiddenMessage() + ")" : "", firstMs, loads[loads.length / 2]);

        long low = kernel.address("_stext").orElse(0);
        long high = kernel.address("_etext").orElse(low + 1);
        Random random = new Random(1);
        long[] addresses = new long[1 << 16];
        for (int i = 0; i < addresses.length; i++) {
            addresses[i] = low + (long) (random.nextDouble() * (high - low));
        }
        int found = 0;
        long t = System.nanoTime();
        for (int i = 0; i < lookups; i++) {
            found += kernel.lookup(addresses[i & (addresses.length - 1)]).isPresent() ? 1 : 0;
        }
        double seconds = (System.nanoTime() - t) / 1e9;
        System.out.printf("kernel lookups: %.1f million/s (%d of %d named)%n", lookups / seconds / 1e6, found, lookups);

        int pid = (int) ProcessHandle.current().pid();
        AddressSpace space = AddressSpace.of(ProcessMaps.read(pid));
        List<Mapping> code = space.mappings().stream().filter(m -> m.executable() && m.fileBacked()).toList();
        long[] user = new long[1 << 16];
        for (int i = 0; i < user.length; i++) {
            Mapping m = code.get(random.nextInt(code.size()));
            user[i] = m.start() + (long) (random.nextDouble() * (m.end() - m.start()));
        }
        UserSymbolizer symbolizer = UserSymbolizer.system();
        int userLookups = lookups / 4;
        found = 0;
        t = System.nanoTime();
        for (int i = 0; i < userLookups; i++) {
            found += symbolizer.lookup(pid, space, user[i & (user.length - 1)]).isPresent() ? 1 : 0;
        }
        seconds = (System.nanoTime() - t) / 1e9;
        System.out.printf("user lookups: %.2f million/s over %d executable mappings (%d of %d named; the first of each"
                + " binary parses it)%n", userLookups / seconds / 1e6, code.size(), found, userLookups);
    }
}
