package dev.safetap.vm;

import static dev.safetap.bytecode.MapKind.COUNT;
import static dev.safetap.bytecode.MapKind.SCALAR;
import static dev.safetap.bytecode.ValueType.INT;
import static dev.safetap.bytecode.ValueType.STR;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Strings from the traced system cannot move the terminal's cursor or forge a line of text output. */
class TerminalTextTest {
    private static String escaped(byte... bytes) {
        TextBuffer out = new TextBuffer();
        TerminalText.append(out, bytes, 0, bytes.length);
        assertEquals(out.length(), TerminalText.width(bytes, 0, bytes.length), "width counts what append writes");
        return out.toString();
    }

    @Test
    void controlCharactersAreEscapesAndTextStaysText() {
        assertEquals("plain ascii", escaped("plain ascii".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("\\n@fake: 999999", escaped("\n@fake: 999999".getBytes(StandardCharsets.US_ASCII)));
        assertEquals("\\x1b[2J\\t\\r\\x00\\x7f", escaped((byte) 0x1b, (byte) '[', (byte) '2', (byte) 'J', (byte) 9, (byte) 13, (byte) 0, (byte) 0x7f));
        assertEquals("h\u00e9llo \u4e16", escaped("h\u00e9llo \u4e16".getBytes(StandardCharsets.UTF_8)));
        assertEquals("\\xc2\\x9b2J", escaped((byte) 0xc2, (byte) 0x9b, (byte) '2', (byte) 'J'), "U+009B is the 8-bit CSI");
        assertEquals("\\x9b\\xff\\xe4\\xb8", escaped((byte) 0x9b, (byte) 0xff, (byte) 0xe4, (byte) 0xb8), "not UTF-8");
    }

    /** A comm or field named "\n@fake: 999999" can no longer print a fake map line; JSON escapes in its own way. */
    @Test
    void mapKeysValuesPrintfAndPrintAreEscapedInTextOnly() {
        ScriptBuilder s = new ScriptBuilder();
        int calls = s.map("@calls", COUNT, INT, STR);
        int last = s.map("@last", SCALAR, STR);
        ScriptBuilder.Code c = s.code();
        String hostile = "\n@fake: 999999";
        c.agg(calls, 0, c.s(hostile));
        c.set(last, c.s("\u001b[2Jok"));
        c.printf("[%s] [%5c]\n", c.s("a\tb"), c.i(27));
        s.begin(c);
        assertEquals("[a\\tb] [ \\x1b]\n\n\n@calls[\\n@fake: 999999]: 1\n@last: \\x1b[2Jok\n", run(s, OutputFormat.TEXT));
        assertEquals("{\"type\": \"printf\", \"data\": \"[a\\tb] [    \\u001b]\\n\"}\n\n\n"
                + "{\"type\": \"map\", \"data\": {\"@calls\": {\"\\n@fake: 999999\": 1}}}\n"
                + "{\"type\": \"map\", \"data\": {\"@last\": \"\\u001b[2Jok\"}}\n", run(s, OutputFormat.JSON));
    }

    private static String run(ScriptBuilder s, OutputFormat format) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(out, true, StandardCharsets.UTF_8);
        for (TierKind kind : TierKind.values()) {
            out.reset();
            Tier tier = kind.create(s.verify(), new VmOptions(stream, stream, 0, 0, format));
            tier.begin();
            tier.end();
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
