package dev.safetap.vm;

import dev.safetap.bytecode.Diagnostic;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * What the output actions of a program print, in the session's {@link OutputFormat}: printf, print
 * of a value or a map, time, and the maps at exit. Every tier prints through it, so they print the
 * same bytes. printf formats into reused buffers and allocates nothing. In text, strings from the
 * traced system are shown with their control characters escaped ({@link TerminalText}).
 */
final class TraceOutput {
    private final PrintStream out;
    private final boolean json;
    private final boolean folded;
    private final PrintStream err;
    private final Set<String> unfolded = new HashSet<>();
    private final StackTable stacks;
    private final TextBuffer text = new TextBuffer();
    private final TextBuffer line = new TextBuffer();

    TraceOutput(VmOptions options) {
        this.out = options.out();
        this.json = options.format() == OutputFormat.JSON;
        this.folded = options.format() == OutputFormat.FOLDED;
        this.err = options.err();
        this.stacks = options.stacks();
    }

    void printf(PrintfFormatter formatter, int[] argRegs, long[] ints, byte[][] strs, int[] strLens) {
        printf(formatter, argRegs, null, ints, strs, strLens);
    }

    /** printf, where {@code stackArgs[i]} says argument i is a stack of the run's table. */
    void printf(PrintfFormatter formatter, int[] argRegs, boolean[] stackArgs, long[] ints, byte[][] strs, int[] strLens) {
        text.reset();
        formatter.format(argRegs, stackArgs, stacks, ints, strs, strLens, !json, text);
        if (json) {
            line.reset();
            JsonWriter.printf(text, line);
            line.writeTo(out);
        } else {
            text.writeTo(out);
        }
    }

    /** {@code print(n)}. */
    void printValue(long n) {
        text.reset();
        if (json) {
            JsonWriter.value(n, text);
        } else {
            text.append(Long.toString(n));
            text.append((byte) '\n');
        }
        text.writeTo(out);
    }

    /** {@code print(stack)}: its text, then a newline. */
    void printStack(long id) {
        text.reset();
        String s = stacks.text(id, StackTable.VALUE_INDENT);
        if (json) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            JsonWriter.value(b, b.length, text);
        } else {
            text.append(s);
            text.append((byte) '\n');
        }
        text.writeTo(out);
    }

    /** {@code print(s)}. */
    void printValue(byte[] s, int length) {
        text.reset();
        if (json) {
            JsonWriter.value(s, length, text);
        } else {
            TerminalText.append(text, s, 0, length);
            text.append((byte) '\n');
        }
        text.writeTo(out);
    }

    /** {@code time(format)}, with the current local time. */
    void time(String format) {
        String now = TimeFormat.format(format, ZonedDateTime.now());
        text.reset();
        if (json) {
            JsonWriter.time(now, text);
        } else {
            text.append(now);
        }
        text.writeTo(out);
    }

    /** {@code print(@m, top, div)}. */
    void printMap(MapStore store, long top, long div) {
        write(render(store, top, div));
    }

    /** The rendering of {@code print(@m, top, div)}. */
    String render(MapStore store, long top, long div) {
        if (folded) {
            if (FoldedStacks.foldable(store.decl())) {
                return FoldedStacks.render(store);
            }
            String name = MapPrinter.displayName(store.decl());
            if (unfolded.add(name)) {
                err.println("warning: -f folded prints maps of counts, sums and integers; " + Diagnostic.printable(name)
                        + " (" + store.decl().kind().name().toLowerCase(Locale.ROOT) + ") is left out");
            }
            return "";
        }
        return json ? JsonMapPrinter.render(store, top, div) : MapPrinter.render(store, top, div);
    }

    /**
     * What bpftrace prints at exit: two newlines (in text and JSON; not in folded stacks), then every map that is not
     * thread-local, sorted by name.
     */
    void exitMaps(MapStore[] maps) {
        if (!folded) {
            out.print("\n\n");
        }
        IntStream.range(0, maps.length)
                .filter(m -> !maps[m].decl().threadLocal())
                .boxed()
                .sorted(Comparator.comparing(m -> MapPrinter.displayName(maps[m].decl())))
                .forEach(m -> printMap(maps[m], 0, 0));
        out.flush();
    }

    private void write(String s) {
        text.reset();
        text.append(s);
        text.writeTo(out);
    }
}
