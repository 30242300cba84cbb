package dev.safetap.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Expected strings are what C's printf prints with the same conversion and a 64-bit (l) length. */
class PrintfFormatterTest {

    private static String f(String format, Object... args) {
        return new PrintfFormatter(format).format(List.of(args));
    }

    @Test
    void integers() {
        assertEquals("-5000000001", f("%d", -5000000001L));
        assertEquals("-9223372036854775808", f("%i", Long.MIN_VALUE));
        assertEquals("18446744073709551615", f("%u", -1L));
        assertEquals("ffffffffffffffff FFFFFFFFFFFFFFFF", f("%x %X", -1L, -1L));
        assertEquals("1777777777777777777777", f("%o", -1L));
        assertEquals("+42 -42| 42|-42", f("%+d %+d|% d|% d", 42L, -42L, 42L, -42L));
        assertEquals("0xff 0XFF 0 010 0", f("%#x %#X %#x %#o %#o", 255L, 255L, 0L, 8L, 0L));
        assertEquals("-0042|  -042|-042  |", f("%05d|%6.3d|%-6.3d|", -42L, -42L, -42L));
        assertEquals("||    |1|", f("|%.0d|%4.0d|%.0d|", 0L, 0L, 1L));
        assertEquals("0x002a|  0x2a|0x2a  ", f("%#06x|%#6x|%-#6x", 42L, 42L, 42L));
        assertEquals("   +7|+0007", f("%+5d|%+05d", 7L, 7L));
    }

    @Test
    void charactersStringsAndPercent() {
        assertEquals("A|  A|A  |", f("%c|%3c|%-3c|", 65L, 65L, 65L));
        assertEquals("[ab][   ab][ab   ][abc]", f("[%.2s][%5.2s][%-5.2s][%s]", "abcdef", "abcdef", "abcdef", "abc"));
        assertEquals("100% [] [    ]", f("100%% [%s] [%4s]", "", ""));
    }
}
