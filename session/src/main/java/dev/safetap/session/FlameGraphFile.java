package dev.safetap.session;

import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.Program;
import dev.safetap.vm.FlameGraph;
import dev.safetap.vm.FoldedStacks;
import dev.safetap.vm.MapStore;
import dev.safetap.vm.ProgramState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code --flamegraph FILE}: when tracing ends, the maps keyed by a stack whose values fold (counts, sums, integers)
 * are drawn as one flame graph ({@link FlameGraph}) and written to FILE, beside the usual output.
 */
public final class FlameGraphFile {
    private FlameGraphFile() {
    }

    /** Why {@code program} gives no flame graph (a sentence), or null when some map of it does. */
    public static String problem(Program program) {
        for (MapDecl m : program.maps()) {
            if (FoldedStacks.foldable(m) && FoldedStacks.hasStacks(m)) {
                return null;
            }
        }
        return "--flamegraph draws the maps keyed by a stack and counted or summed, and this script has none: "
                + "write for example `profile:hz:99 { @[kstack, ustack, comm] = count(); }`";
    }

    /** Writes the flame graph of the stack maps of {@code state} to {@code file}, titled {@code title}. */
    static void write(ProgramState state, Path file, String title) {
        List<FoldedStacks.Line> lines = new ArrayList<>();
        for (int m = 0; m < state.mapCount(); m++) {
            MapStore store = state.map(m);
            if (FoldedStacks.foldable(store.decl()) && FoldedStacks.hasStacks(store.decl())) {
                lines.addAll(FoldedStacks.lines(store));
            }
        }
        try {
            Files.writeString(file, FlameGraph.svg(title, lines), StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            throw OutputException.flameGraph(file, e);
        }
    }
}
