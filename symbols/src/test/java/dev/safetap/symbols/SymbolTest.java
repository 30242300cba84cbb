package dev.safetap.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SymbolTest {
    @Test
    void framesPrintAsBpftraceDoes() {
        Symbol read = new Symbol("ksys_read", 40, "vmlinux");
        assertEquals("ksys_read+40", read.withOffset());
        assertEquals("ksys_read+40", Symbol.frame(Optional.of(read), 0xffffffff816d8f48L));
        assertEquals("ksys_read", Symbol.name(Optional.of(read), 0xffffffff816d8f48L));
        assertEquals("ksys_read+0", new Symbol("ksys_read", 0, "vmlinux").withOffset());
        assertEquals("0x55a3defc8710", Symbol.frame(Optional.empty(), 0x55a3defc8710L));
        assertEquals("0xffffffff816d8f48", Symbol.name(Optional.empty(), 0xffffffff816d8f48L));
    }

    @Test
    void anOffsetIsNeverNegative() {
        assertThrows(IllegalArgumentException.class, () -> new Symbol("f", -1, "x"));
    }
}
