package dev.safetap.cli;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Runs a command line in-process and checks what must hold for any input, however hostile: the exit code is 0, 1 or 2;
 * nothing is an internal error or a stack trace; stderr holds no character a terminal would act on (only printable
 * text, newlines and tabs), so no diagnostic can move the cursor or clear the screen; and the output is bounded, so it
 * never grows faster than the input: stderr by {@link #MAX_STDERR} (at most twenty diagnostics of bounded size, then one
 * line), stdout and stderr together by {@link #PER_INPUT_BYTE} times the input plus {@link #MAX_STDERR} (a report is
 * a few lines per probe of the script), and each run by {@link #MAX_MILLIS}.
 */
final class CommandLineBounds {
    static final int MAX_STDERR = 256 << 10;
    static final int PER_INPUT_BYTE = 32;
    static final long MAX_MILLIS = 20_000;

    record Result(int code, String out, String err, int outBytes, int errBytes) {
    }

    private CommandLineBounds() {
    }

    static Result run(String[] args, long inputBytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        long start = System.nanoTime();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        long millis = (System.nanoTime() - start) / 1_000_000;
        Result r = new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), out.size(), err.size());
        String what = "safetap " + shown(args) + " (" + inputBytes + " bytes of input) exited " + code + ", stderr:\n" + head(r.err());
        assertTrue(code == 0 || code == 1 || code == 2, what);
        assertFalse(r.err().contains("internal error") || r.out().contains("internal error"), what);
        assertFalse(r.err().contains("Exception") || r.err().contains("\tat "), what);
        int bad = firstControl(r.err());
        assertTrue(bad < 0, () -> what + "\nstderr holds the control character " + String.format("U+%04X", r.err().codePointAt(bad))
                + " at " + bad);
        assertTrue(r.errBytes() <= MAX_STDERR, what + "\nstderr is " + r.errBytes() + " bytes");
        assertTrue(r.outBytes() + r.errBytes() <= PER_INPUT_BYTE * inputBytes + MAX_STDERR,
                what + "\nthe output is " + (r.outBytes() + r.errBytes()) + " bytes");
        assertTrue(millis <= MAX_MILLIS, what + "\nit took " + millis + " ms");
        return r;
    }

    /** The index of the first character of the text that is neither printable nor a newline or tab, or -1. */
    static int firstControl(String text) {
        for (int i = 0; i < text.length(); i += Character.charCount(text.codePointAt(i))) {
            int cp = text.codePointAt(i);
            int type = Character.getType(cp);
            if (cp != '\n' && cp != '\t' && (type == Character.CONTROL || type == Character.FORMAT
                    || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                    || type == Character.UNASSIGNED || type == Character.PRIVATE_USE || type == Character.SURROGATE)) {
                return i;
            }
        }
        return -1;
    }

    static String head(String text) {
        return text.length() > 2000 ? text.substring(0, 2000) + "... (" + text.length() + " characters)" : text;
    }

    private static String shown(String[] args) {
        String joined = String.join(" ", Arrays.stream(args).map(a -> a.length() > 80 ? a.substring(0, 80) + "..." : a).toList());
        return joined.replaceAll("\\p{Cntrl}", "?");
    }
}
