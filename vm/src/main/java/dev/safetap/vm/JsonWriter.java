package dev.safetap.vm;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * The objects {@code bpftrace -f json} prints, one per line: {@code {"type": T, "data": D}}. Strings
 * are JSON strings: quote, backslash and the control characters escaped (newline, tab, carriage
 * return, backspace and form feed by letter, the others by code); other bytes, UTF-8 included, are
 * copied as they are. The per-event objects (printf, value, time) are written into a reused
 * {@link TextBuffer} without allocating.
 */
public final class JsonWriter {
    private static final byte[] PRINTF = ascii("{\"type\": \"printf\", \"data\": ");
    private static final byte[] VALUE = ascii("{\"type\": \"value\", \"data\": ");
    private static final byte[] TIME = ascii("{\"type\": \"time\", \"data\": ");
    private static final byte[] END = ascii("}\n");
    private static final byte[][] ESCAPES = escapes();

    private JsonWriter() {
    }

    /** {@code {"type": "attached_probes", "data": {"probes": N}}}, the line that replaces "Attaching N probes...". */
    public static String attachedProbes(int probes) {
        return "{\"type\": \"attached_probes\", \"data\": {\"probes\": " + probes + "}}\n";
    }

    /**
     * bpftrace's lost_events object with what safetap knows besides: {@code {"type": "lost_events", "data":
     * {"events": N, "lost": L, "undelivered": U, "probes": {"tracepoint:a:b": n, ...}}}}, where N = L + U, L the
     * events the rings dropped and U those the kernel counted but never wrote, and {@code probes} splits N by probe.
     * When the kernel throttled a sampling event ({@code throttled} times, each an unknown number of samples never
     * taken), {@code "throttled": T} follows {@code "undelivered"}.
     */
    public static String lostEvents(long lost, long undelivered, long throttled, Map<String, Long> probes) {
        StringBuilder sb = new StringBuilder("{\"type\": \"lost_events\", \"data\": {\"events\": ").append(lost + undelivered)
                .append(", \"lost\": ").append(lost).append(", \"undelivered\": ").append(undelivered);
        if (throttled > 0) {
            sb.append(", \"throttled\": ").append(throttled);
        }
        sb.append(", \"probes\": {");
        String separator = "";
        for (Map.Entry<String, Long> e : probes.entrySet()) {
            sb.append(separator);
            appendQuoted(sb, e.getKey());
            sb.append(": ").append(e.getValue());
            separator = ", ";
        }
        return sb.append("}}}\n").toString();
    }

    /** Appends {@code {"type": "printf", "data": "..."}} holding the formatted text. */
    static void printf(TextBuffer formatted, TextBuffer line) {
        line.append(PRINTF, 0, PRINTF.length);
        line.append((byte) '"');
        for (int i = 0; i < formatted.length(); i++) {
            appendEscaped(line, formatted.byteAt(i));
        }
        line.append((byte) '"');
        line.append(END, 0, END.length);
    }

    /** Appends {@code {"type": "time", "data": "..."}}. */
    static void time(String text, TextBuffer line) {
        line.append(TIME, 0, TIME.length);
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        appendQuoted(line, utf8, utf8.length);
        line.append(END, 0, END.length);
    }

    /** Appends {@code {"type": "value", "data": N}}, what {@code print(n)} prints. */
    static void value(long n, TextBuffer line) {
        line.append(VALUE, 0, VALUE.length);
        line.append(Long.toString(n));
        line.append(END, 0, END.length);
    }

    /** Appends {@code {"type": "value", "data": "..."}}, what {@code print(s)} prints. */
    static void value(byte[] s, int length, TextBuffer line) {
        line.append(VALUE, 0, VALUE.length);
        appendQuoted(line, s, length);
        line.append(END, 0, END.length);
    }

    private static void appendQuoted(TextBuffer line, byte[] s, int length) {
        line.append((byte) '"');
        for (int i = 0; i < length; i++) {
            appendEscaped(line, s[i]);
        }
        line.append((byte) '"');
    }

    private static void appendEscaped(TextBuffer line, byte b) {
        byte[] escape = b >= 0 && b < ESCAPES.length ? ESCAPES[b] : null;
        if (escape == null) {
            line.append(b);
        } else {
            line.append(escape, 0, escape.length);
        }
    }

    /** Appends {@code s} as a JSON string, escaped as the per-event objects are. */
    static void appendQuoted(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            byte[] escape = c < ESCAPES.length ? ESCAPES[c] : null;
            if (escape == null) {
                sb.append(c);
            } else {
                sb.append(new String(escape, StandardCharsets.US_ASCII));
            }
        }
        sb.append('"');
    }

    /** The escape of each character below the backslash that needs one, else null. */
    private static byte[][] escapes() {
        byte[][] table = new byte['\\' + 1][];
        for (int c = 0; c < 0x20; c++) {
            table[c] = ascii(String.format("\\u%04x", c));
        }
        table['\n'] = ascii("\\n");
        table['\t'] = ascii("\\t");
        table['\r'] = ascii("\\r");
        table['\b'] = ascii("\\b");
        table['\f'] = ascii("\\f");
        table['"'] = ascii("\\\"");
        table['\\'] = ascii("\\\\");
        return table;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
