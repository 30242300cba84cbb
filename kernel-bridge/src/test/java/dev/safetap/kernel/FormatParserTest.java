package dev.safetap.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FormatParserTest {
    private static final String SOCK = """
            name: inet_sock_set_state
            ID: 2287
            format:
            \tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
            \tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

            \tfield:const void * skaddr;\toffset:8;\tsize:8;\tsigned:0;
            \tfield:__u8 saddr[4];\toffset:32;\tsize:4;\tsigned:0;
            \tfield:__data_loc char[] name;\toffset:40;\tsize:4;\tsigned:0;
            \tfield:unsigned long args[];\toffset:48;\tsize:0;\tsigned:0;
            \tfield:long long delta;\toffset:48;\tsize:8;\tsigned:1;

            print fmt: "x=%d; y=%s", REC->oldstate, field:fake
            """;

    @Test
    void parsesEveryShapeOfFieldLine() {
        TracepointFormat format = FormatParser.parse("sock", "inet_sock_set_state", SOCK);
        assertEquals("sock:inet_sock_set_state", format.name());
        assertEquals(2287, format.id());
        assertEquals(7, format.fields().size());
        assertEquals(new FormatField("unsigned short", "common_type", 0, 2, false, true, -1, false),
                format.fields().get(0));
        assertEquals(new FormatField("int", "common_pid", 4, 4, true, true, -1, false), format.fields().get(1));
        assertEquals(new FormatField("const void *", "skaddr", 8, 8, false, false, -1, false),
                format.fields().get(2));
        assertEquals(new FormatField("__u8", "saddr", 32, 4, false, false, 4, false), format.fields().get(3));
        assertEquals(new FormatField("char[]", "name", 40, 4, false, false, -1, true), format.fields().get(4));
        assertEquals(new FormatField("unsigned long", "args", 48, 0, false, false, 0, false),
                format.fields().get(5));
        assertEquals(new FormatField("long long", "delta", 48, 8, true, false, -1, false), format.fields().get(6));
        assertEquals(56, format.fixedSize());
        assertTrue(format.field("saddr").isPresent());
        assertFalse(format.field("fake").isPresent());
    }

    @Test
    void malformedLineNamesTheTracepointAndLine() {
        KernelException e = assertThrows(KernelException.class, () -> FormatParser.parse("a", "b",
                "name: b\nID: 3\nformat:\n\tfield:int x;\toffset:zz;\tsize:4;\tsigned:1;\n"));
        assertTrue(e.getMessage().contains("a:b (line 4)"), e.getMessage());
        assertTrue(e.getMessage().contains("'zz' is not a number"), e.getMessage());
    }

    @Test
    void missingIdIsAnError() {
        KernelException e = assertThrows(KernelException.class, () -> FormatParser.parse("a", "b", "name: b\n"));
        assertTrue(e.getMessage().contains("no 'ID:' line"), e.getMessage());
    }
}
