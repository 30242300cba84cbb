package dev.safetap.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The JSON lines outside the golden files: control characters, UTF-8, and the tracer's own objects. */
class JsonWriterTest {
    @Test
    void controlCharactersAreEscapedAndUtf8IsCopied() {
        TextBuffer formatted = new TextBuffer();
        formatted.append("\u0001\u001f\r\b\f é \u007f");
        TextBuffer line = new TextBuffer();
        JsonWriter.printf(formatted, line);
        assertEquals("{\"type\": \"printf\", \"data\": \"\\u0001\\u001f\\r\\b\\f é \u007f\"}\n", line.toString());
    }

    @Test
    void stringsInMapsAreEscapedLikePrintf() {
        StringBuilder sb = new StringBuilder();
        JsonWriter.appendQuoted(sb, "a\"b\\c\u0002\n é");
        assertEquals("\"a\\\"b\\\\c\\u0002\\n é\"", sb.toString());
    }

    @Test
    void valuesOfPrint() {
        TextBuffer line = new TextBuffer();
        JsonWriter.value(-7, line);
        byte[] s = "x\ty".getBytes(StandardCharsets.UTF_8);
        JsonWriter.value(s, s.length, line);
        assertEquals("{\"type\": \"value\", \"data\": -7}\n{\"type\": \"value\", \"data\": \"x\\ty\"}\n", line.toString());
    }

    /**
     * The shapes bpftrace 0.17 prints for its attach message and for records lost by a full ring buffer; safetap's
     * lost_events adds the split into lost and undelivered, and per probe.
     */
    @Test
    void attachedProbesAndLostEvents() {
        assertEquals("{\"type\": \"attached_probes\", \"data\": {\"probes\": 3}}\n", JsonWriter.attachedProbes(3));
        Map<String, Long> probes = new LinkedHashMap<>();
        probes.put("tracepoint:a:b", 3000L);
        probes.put("tracepoint:\"q", 430L);
        assertEquals("{\"type\": \"lost_events\", \"data\": {\"events\": 3430, \"lost\": 3428, \"undelivered\": 2, \"probes\": "
                + "{\"tracepoint:a:b\": 3000, \"tracepoint:\\\"q\": 430}}}\n", JsonWriter.lostEvents(3428, 2, 0, probes));
        assertEquals("{\"type\": \"lost_events\", \"data\": {\"events\": 0, \"lost\": 0, \"undelivered\": 0, \"throttled\": 7,"
                + " \"probes\": {}}}\n", JsonWriter.lostEvents(0, 0, 7, Map.of()));
    }
}
