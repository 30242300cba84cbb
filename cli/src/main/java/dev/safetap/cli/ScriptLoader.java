package dev.safetap.cli;

import dev.safetap.bytecode.BytecodeFormatException;
import dev.safetap.bytecode.Diagnostic;
import dev.safetap.bytecode.Program;
import dev.safetap.bytecode.ProgramCodec;
import dev.safetap.bytecode.SafetapException.Stage;
import dev.safetap.compiler.CompileException;
import dev.safetap.compiler.CompileOptions;
import dev.safetap.compiler.Compiler;
import dev.safetap.session.KernelProbeCatalog;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.verifier.Verifier;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;

/**
 * Turns a script (text or bytecode) into a verified program. Bytecode files are verified like any
 * other program: the compiler that made them is not trusted.
 *
 * <p>The file may be hostile too, or simply the wrong one ({@code /dev/zero}, a binary, a FIFO that never ends):
 * it is read up to a limit and never further ({@link #MAX_SCRIPT_BYTES} for a script, {@link #MAX_BYTECODE_BYTES}
 * for bytecode, known from its first four bytes), and a file that is neither bytecode nor text gets one sentence
 * instead of one syntax error per byte.
 */
final class ScriptLoader {
    /** Largest script, in bytes: a hundred times the largest bpftrace tool, and still compiled in about a second. */
    static final int MAX_SCRIPT_BYTES = 1 << 20;
    /** Largest bytecode file, in bytes: what the largest script compiles to, with room to spare. */
    static final int MAX_BYTECODE_BYTES = 16 << 20;

    /** Thrown for a script that cannot be read at all: a usage problem, not a rejection. */
    static final class UnreadableScript extends RuntimeException {
        UnreadableScript(String message) {
            super(message);
        }
    }

    private ScriptLoader() {
    }

    static Program load(ScriptOptions options, KernelProbeCatalog catalog) {
        String file = options.file();
        if (options.program == null && file == null) {
            throw new UnreadableScript("no program given: pass a script FILE or -e 'PROGRAM' (see safetap --help)");
        }
        if (options.program != null) {
            byte[] bytes = options.program.getBytes(StandardCharsets.UTF_8);
            if (bytes.length > MAX_SCRIPT_BYTES) {
                throw new UnreadableScript("the -e program" + tooLarge("a script", MAX_SCRIPT_BYTES));
            }
            text("-e", bytes, true);
            return compile("-e", options.program, options, catalog);
        }
        byte[] bytes = read(file);
        boolean bytecode = isBytecode(bytes);
        int max = bytecode ? MAX_BYTECODE_BYTES : MAX_SCRIPT_BYTES;
        String source = bytecode ? null : text(file, bytes, bytes.length <= max);
        if (bytes.length > max) {
            throw new UnreadableScript("cannot read " + Diagnostic.printable(file) + ": it"
                    + tooLarge(bytecode ? "a bytecode file" : "a script", max));
        }
        if (!bytecode) {
            return compile(file, source, options, catalog);
        }
        try {
            return ProgramCodec.decode(bytes);
        } catch (BytecodeFormatException e) {
            throw e.in(file);
        }
    }

    static VerifiedProgram loadVerified(ScriptOptions options, KernelProbeCatalog catalog) {
        return Verifier.verify(load(options, catalog), options.memoryBudget());
    }

    static boolean isBytecode(byte[] bytes) {
        return bytes.length >= 4 && ((bytes[0] & 0xff) << 24 | (bytes[1] & 0xff) << 16 | (bytes[2] & 0xff) << 8
                | (bytes[3] & 0xff)) == ProgramCodec.MAGIC;
    }

    /**
     * The bytes of the file, read up to one byte past its limit (which proves it too large), so that an endless file
     * is never read to its end: the first four bytes tell a bytecode file from a script, and so which limit applies.
     */
    private static byte[] read(String file) {
        String name = Diagnostic.printable(file);
        Path path;
        try {
            path = Path.of(file);
        } catch (InvalidPathException e) {
            throw new UnreadableScript("cannot read " + name + ": " + Diagnostic.printable(e.getReason()));
        }
        try (InputStream in = Files.newInputStream(path)) {
            byte[] magic = in.readNBytes(4);
            int max = isBytecode(magic) ? MAX_BYTECODE_BYTES : MAX_SCRIPT_BYTES;
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            bytes.write(magic);
            bytes.write(in.readNBytes(max + 1 - magic.length));
            return bytes.toByteArray();
        } catch (NoSuchFileException e) {
            throw new UnreadableScript("cannot read " + name + ": no such file");
        } catch (AccessDeniedException e) {
            throw new UnreadableScript("cannot read " + name + ": permission denied");
        } catch (IOException e) {
            String why = Files.isDirectory(path) ? "it is a directory" : Diagnostic.printable(e.getMessage());
            throw new UnreadableScript("cannot read " + name + ": " + why);
        }
    }

    private static String tooLarge(String what, int max) {
        return " is larger than " + (max >> 20) + " MiB (" + max + " bytes), the most " + what + " may be";
    }

    /**
     * The text of a script, or a rejection in one sentence when its bytes are not text: a NUL byte, a byte that is
     * not UTF-8, or control characters (other than tab, newline, vertical tab, form feed and carriage return) in more
     * than a quarter of its characters. The sentence names the first byte that is not text; a script with a few
     * control characters is text, and the compiler reports each of them. When {@code complete} is false the bytes
     * are the start of a longer file, and may end inside a character.
     */
    private static String text(String name, byte[] bytes, boolean complete) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer text = CharBuffer.allocate(bytes.length);
        CoderResult result = utf8.decode(in, text, complete);
        int invalid = result.isError() ? in.position() : -1;
        int end = invalid >= 0 ? invalid : bytes.length;
        int characters = 0;
        int controls = 0;
        int first = -1;
        boolean nul = false;
        for (int i = 0; i < end; i++) {
            int b = bytes[i] & 0xff;
            boolean control = b == 0x7f || (b < 0x20 && (b < '\t' || b > '\r'))
                    || (b == 0xc2 && i + 1 < end && (bytes[i + 1] & 0xff) < 0xa0);
            if ((b & 0xc0) != 0x80) {
                characters++;
            }
            if (control) {
                controls++;
                nul |= b == 0;
                first = first < 0 ? i : first;
            }
        }
        if (invalid >= 0 || nul || (controls > 0 && controls * 4 > characters)) {
            int at = first >= 0 ? first : invalid;
            throw new CompileException(Stage.SYNTAX, List.of(new Diagnostic(name, 0, 0, String.format(
                    "not a script: it holds binary data (byte 0x%02x at offset %d)", bytes[at] & 0xff, at), "",
                    "a script is UTF-8 text; a bytecode file is what `safetap compile` writes")));
        }
        return text.flip().toString();
    }

    private static Program compile(String name, String source, ScriptOptions options, KernelProbeCatalog catalog) {
        return Compiler.compile(name, source, new CompileOptions(catalog, options.parameters(), options.mapCapacity));
    }
}
