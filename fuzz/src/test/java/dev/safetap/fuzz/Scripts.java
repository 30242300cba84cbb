package dev.safetap.fuzz;

import dev.safetap.bytecode.Program;
import dev.safetap.compiler.CompileOptions;
import dev.safetap.compiler.Compiler;
import dev.safetap.kernel.TracepointCatalog;
import dev.safetap.session.KernelProbeCatalog;
import java.util.List;

/** The snapshot catalog and how the tests compile generated scripts. */
final class Scripts {
    static final TracepointCatalog CATALOG = TracepointCatalog.snapshot();
    static final KernelProbeCatalog PROBES = KernelProbeCatalog.of(CATALOG);

    private Scripts() {
    }

    /** Compiles with map capacity {@code capacity}; throws CompileException when the script is rejected. */
    static Program compile(String source, int capacity) {
        return compile("fuzz.bt", source, List.of(), capacity);
    }

    static Program compile(String name, String source, List<String> positional, int capacity) {
        return Compiler.compile(name, source, new CompileOptions(PROBES, positional, capacity));
    }

    /** Iterations of each property: {@code -Dsafetap.fuzz.iterations=N} for a long campaign, else {@code ci}. */
    static int iterations(int ci) {
        return Integer.getInteger("safetap.fuzz.iterations", ci);
    }
}
