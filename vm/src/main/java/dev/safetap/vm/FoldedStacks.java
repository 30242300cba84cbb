package dev.safetap.vm;

import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.ValueType;
import java.util.ArrayList;
import java.util.List;

/**
 * A map as Brendan Gregg's folded stacks, the input of flamegraph.pl and speedscope: one line per entry, its frames
 * joined by {@code ;} from the root, a space, its count. The frames of an entry are its key's parts that are not
 * stacks (a {@code comm}, a {@code pid}), in key order, then its user stacks and then its kernel stacks, each from
 * the outermost frame in; symbols by name alone, so that the samples of one function fold together whatever the
 * offset. Only maps of counts, sums and plain integers fold; entries whose value is not positive are left out.
 */
public final class FoldedStacks {
    /** One folded entry. */
    public record Line(List<String> frames, long count) {
        public Line {
            frames = List.copyOf(frames);
        }

        /** The line as folded text, without its newline: {@code bash;main;hot_a 5}. */
        public String text() {
            return String.join(";", frames) + " " + count;
        }
    }

    private FoldedStacks() {
    }

    /** Whether entries of {@code decl} fold: a count, a sum or a plain integer, and a map that prints. */
    public static boolean foldable(MapDecl decl) {
        return !decl.threadLocal() && (decl.kind() == MapKind.COUNT || decl.kind() == MapKind.SUM
                || decl.kind() == MapKind.SCALAR && decl.valueType() == ValueType.INT);
    }

    /** Whether some key part of {@code decl} is a stack. */
    public static boolean hasStacks(MapDecl decl) {
        return decl.keyTypes().contains(ValueType.STACK);
    }

    /** The folded lines of a foldable map, in the order {@link MapPrinter} prints its entries. */
    public static List<Line> lines(MapStore store) {
        List<Line> lines = new ArrayList<>();
        StackTable stacks = store.stacks();
        for (int e : MapPrinter.sortedEntries(store)) {
            long count = store.counter(e, 0);
            if (count <= 0) {
                continue;
            }
            List<String> frames = new ArrayList<>();
            for (int c = 0; c < store.keyCount(); c++) {
                if (store.keyIsString(c)) {
                    frames.add(TerminalText.escape(store.keyBytesAt(e, c)).replace(';', ':'));
                } else if (!store.keyIsStack(c)) {
                    frames.add(Long.toString(store.keyIntAt(e, c)));
                }
            }
            for (boolean user : new boolean[] {true, false}) {
                for (int c = 0; c < store.keyCount(); c++) {
                    if (store.keyIsStack(c) && stacks.user(store.keyIntAt(e, c)) == user) {
                        frames.addAll(stacks.foldedFrames(store.keyIntAt(e, c)));
                    }
                }
            }
            if (frames.isEmpty()) {
                frames.add(MapPrinter.displayName(store.decl()));
            }
            lines.add(new Line(frames, count));
        }
        return lines;
    }

    /** The folded text of a foldable map, a line per entry. */
    public static String render(MapStore store) {
        StringBuilder sb = new StringBuilder();
        for (Line line : lines(store)) {
            sb.append(line.text()).append('\n');
        }
        return sb.toString();
    }
}
