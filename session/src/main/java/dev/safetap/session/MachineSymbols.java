package dev.safetap.session;

import dev.safetap.kernel.ProcessMappings;
import dev.safetap.symbols.AddressSpace;
import dev.safetap.symbols.DwarfUnwinder;
import dev.safetap.symbols.KernelSymbols;
import dev.safetap.symbols.Mapping;
import dev.safetap.symbols.ProcessMaps;
import dev.safetap.symbols.Symbol;
import dev.safetap.symbols.UserStack;
import dev.safetap.symbols.UserSymbolizer;
import dev.safetap.vm.CodeSymbols;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Names the addresses of stacks and symbols from this machine, when they are printed: the kernel's from
 * /proc/kallsyms (read on the first kernel address), a process's from the files it mapped. Those mappings are what
 * /proc/PID/maps shows when the address is first named (the process's mappings from before tracing), with the
 * mappings the session saw it make while tracing ({@link ProcessMappings}) on top, in the order it made them: so a
 * process that exited before the maps are printed (a {@code -c} command) is still named. Kernel addresses that
 * /proc/kallsyms hides print as addresses, with one warning naming the sysctl. Synchronized: the threads that print
 * share it.
 */
final class MachineSymbols implements CodeSymbols {
    private ProcessMappings tracked = new ProcessMappings();
    private final PrintStream err;
    private KernelSymbols kernel;
    private UserSymbolizer user;
    private final Map<Integer, Space> spaces = new HashMap<>();
    private DwarfUnwinder unwinder;
    private AddressSpace walkedSpace;
    private int walkedPid;
    private long walkedAdded;

    /** A process's address space as last built, with how many tracked mappings it holds. */
    private record Space(AddressSpace space, List<Mapping> before, int tracked) {
    }

    MachineSymbols(PrintStream err) {
        this.err = err;
    }

    /** From now on, names user addresses also from the mappings {@code tracked} records. */
    synchronized void track(ProcessMappings tracked) {
        this.tracked = tracked;
        spaces.clear();
        walkedSpace = null;
    }

    @Override
    public synchronized Named kernel(long address) {
        return named(kernel().lookup(address), false);
    }

    private KernelSymbols kernel() {
        if (kernel == null) {
            kernel = KernelSymbols.load();
            if (kernel.hidden()) {
                err.println("warning: " + KernelSymbols.hiddenMessage());
            }
        }
        return kernel;
    }

    @Override
    public synchronized long kernelAddress(String name) {
        return kernel().address(name).orElse(0);
    }

    @Override
    public synchronized Named user(int pid, long address) {
        return named(user().lookup(pid, space(pid), address), true);
    }

    private UserSymbolizer user() {
        if (user == null) {
            user = UserSymbolizer.system();
        }
        return user;
    }

    /**
     * Walks the user stack a sample of process {@code pid} copied, with the call frame information of the binaries
     * it has mapped, into {@code pcs} ({@link DwarfUnwinder#unwind}); as the event is delivered, so the mappings are
     * those of that moment. The address space last walked is kept while no mapping was added, so that a walk
     * allocates nothing once the binaries it crosses are read.
     */
    synchronized int unwind(int pid, UserStack stack, long[] pcs) {
        if (unwinder == null) {
            unwinder = new DwarfUnwinder(user());
        }
        long added = tracked.added();
        if (pid != walkedPid || added != walkedAdded || walkedSpace == null) {
            walkedSpace = space(pid);
            walkedPid = pid;
            walkedAdded = added;
        }
        return unwinder.unwind(pid, walkedSpace, stack, pcs);
    }

    private AddressSpace space(int pid) {
        List<ProcessMappings.Mapping> made = tracked.of(pid);
        Space known = spaces.get(pid);
        if (known != null && known.tracked() == made.size()) {
            return known.space();
        }
        List<Mapping> before = known != null ? known.before() : ProcessMaps.read(pid);
        AddressSpace space = AddressSpace.of(before);
        for (ProcessMappings.Mapping m : made) {
            space.add(Mapping.fromMmap2(m.start(), m.length(), m.pageOffset(), m.major(), m.minor(), m.inode(), m.prot(),
                    m.flags(), m.file()));
        }
        spaces.put(pid, new Space(space, before, made.size()));
        return space;
    }

    private static Named named(Optional<Symbol> symbol, boolean user) {
        return symbol.map(s -> new Named(unversioned(s.name()), s.offset(), user ? s.source() : null)).orElse(null);
    }

    /** A name without the symbol version a debug file's table may add ({@code __libc_start_main@@GLIBC_2.34}). */
    static String unversioned(String name) {
        int at = name.indexOf('@');
        return at > 0 ? name.substring(0, at) : name;
    }
}
