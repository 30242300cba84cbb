package dev.safetap.compiler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class LexerTest {
    private static List<Token> lex(String src, Diagnostics errors) {
        return new Lexer(src, errors).tokens();
    }

    private static String kinds(String src) {
        Diagnostics errors = new Diagnostics("t", src);
        String out = lex(src, errors).stream().map(t -> t.kind() + (t.kind() == TokenKind.EOF ? "" : "(" + t.text() + ")"))
                .collect(Collectors.joining(" "));
        assertFalse(errors.hasErrors(), () -> errors.list().toString());
        return out;
    }

    @Test
    void operatorsAreLongestMatch() {
        assertEquals("VAR($x) SHL_ASSIGN(<<=) INT(1) SEMI(;) VAR($y) SHR(>>) INT(2) LE(<=) INT(3) ANDAND(&&) BANG(!) "
                + "MAP(@m) LBRACKET([) IDENT(pid) RBRACKET(]) INC(++) ARROW(->) DEC(--) NE(!=) EQEQ(==) OROR(||) EOF",
                kinds("$x <<= 1; $y >> 2 <= 3 && !@m[pid]++ -> -- != == ||"));
    }

    @Test
    void numbersVariablesAndMaps() {
        assertEquals("INT(0x1F) INT(42) VAR($1) VAR($#) VAR($name) MAP(@) MAP(@count_1) EOF", kinds("0x1F 42 $1 $# $name @ @count_1"));
    }

    @Test
    void stringEscapesAreDecoded() {
        List<Token> t = lex("\"a\\n\\t\\\\\\\"\\x41\"", new Diagnostics("t", ""));
        assertEquals("a\n\t\\\"A", t.get(0).text());
    }

    @Test
    void commentsAreSkippedAndPositionsCounted() {
        List<Token> t = lex("// one\n/* two\n three */ BEGIN\n  {", new Diagnostics("t", ""));
        assertEquals("BEGIN", t.get(0).text());
        assertEquals(3, t.get(0).line());
        assertEquals(11, t.get(0).column());
        assertEquals(4, t.get(1).line());
        assertEquals(3, t.get(1).column());
    }

    @Test
    void everyLexicalErrorIsReported() {
        String src = "BEGIN { # \"abc\n \"\\q\" 99999999999999999999 '";
        Diagnostics errors = new Diagnostics("t.bt", src);
        lex(src, errors);
        String all = errors.list().stream().map(d -> d.line() + ":" + d.column() + " " + d.message()).collect(Collectors.joining("\n"));
        assertEquals("1:9 unexpected character `#`\n"
                + "1:11 unterminated string literal\n"
                + "2:3 unknown escape sequence `\\q` in string\n"
                + "2:7 integer literal `99999999999999999999` is too large for 64 bits\n"
                + "2:28 unexpected character `'`", all);
    }

    @Test
    void unterminatedCommentIsReportedAtItsStart() {
        Diagnostics errors = new Diagnostics("t", "BEGIN {}\n  /* never closed");
        lex("BEGIN {}\n  /* never closed", errors);
        assertTrue(errors.list().get(0).message().contains("unterminated comment"));
        assertEquals(2, errors.list().get(0).line());
        assertEquals(3, errors.list().get(0).column());
    }

    @Test
    void shebangLineIsSkippedAndIncludeIsExplained() {
        assertEquals("IDENT(BEGIN) LBRACE({) RBRACE(}) EOF", kinds("#!/usr/bin/env safetap\nBEGIN { }"));
        Diagnostics errors = new Diagnostics("t", "");
        List<Token> t = lex("#include <linux/sched.h>\nBEGIN { }", errors);
        assertEquals("#include is not supported: safetap reads tracepoint fields by name and needs no C headers",
                errors.list().get(0).message());
        assertEquals("BEGIN", t.get(0).text());
    }
}
