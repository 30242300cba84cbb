package dev.safetap.bytecode;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary container: magic {@code SFTP}, a version, then the string table, event layouts, maps,
 * probes, actions and the debug section, big-endian, with nothing after. Every enum is stored by its
 * explicit {@link Coded#code()}, never by its ordinal. Decoding checks every count against the bytes
 * that remain and every enum code against its constants, so hostile input fails with a
 * {@link BytecodeFormatException} rather than an exception of the JDK; a file of another format
 * version is refused with what to do about it.
 *
 * <p>Versions: 1 and 2 had no attach points and stored enums by ordinal; 3 is the current one.
 */
public final class ProgramCodec {
    public static final int MAGIC = 0x53465450;
    public static final int VERSION = 3;

    private ProgramCodec() {
    }

    public static byte[] encode(Program p) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(MAGIC);
            out.writeShort(VERSION);
            out.writeInt(p.strings().size());
            for (String s : p.strings()) {
                writeString(out, s);
            }
            out.writeInt(p.layouts().size());
            for (EventLayout l : p.layouts()) {
                writeString(out, l.name());
                out.writeInt(l.recordSize());
                out.writeInt(l.slots().size());
                for (LayoutSlot s : l.slots()) {
                    writeString(out, s.name());
                    out.writeInt(s.offset());
                    out.writeInt(s.size());
                    out.writeByte(s.kind().code());
                }
            }
            out.writeInt(p.maps().size());
            for (MapDecl m : p.maps()) {
                writeString(out, m.name());
                out.writeByte(m.keyTypes().size());
                for (ValueType t : m.keyTypes()) {
                    out.writeByte(t.code());
                }
                out.writeByte(m.kind().code());
                out.writeByte(m.valueType().code());
                out.writeLong(m.lhistMin());
                out.writeLong(m.lhistMax());
                out.writeLong(m.lhistStep());
                out.writeInt(m.capacity());
                out.writeBoolean(m.threadLocal());
            }
            out.writeInt(p.probes().size());
            for (ProbeDecl pr : p.probes()) {
                out.writeByte(pr.kind().code());
                writeString(out, pr.name());
                writeString(out, pr.attach().target());
                writeString(out, pr.attach().function());
                out.writeLong(pr.attach().offset());
                out.writeLong(pr.period());
                out.writeInt(pr.layout());
                out.writeInt(pr.action());
            }
            out.writeInt(p.actions().size());
            for (Action a : p.actions()) {
                out.writeShort(a.registers());
                out.writeInt(a.code().length);
                out.write(a.code());
            }
            DebugInfo d = p.debug();
            writeString(out, d.sourceName());
            writeString(out, d.sourceText());
            out.writeInt(d.lines().size());
            for (LineEntry e : d.lines()) {
                out.writeInt(e.action());
                out.writeInt(e.pc());
                out.writeInt(e.line());
                out.writeInt(e.column());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void writeString(DataOutputStream out, String s) throws IOException {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(b.length);
        out.write(b);
    }

    /** Decodes a program; the result is not verified. */
    public static Program decode(byte[] bytes) {
        Reader in = new Reader(ByteBuffer.wrap(bytes));
        if (bytes.length < 4 || in.i32() != MAGIC) {
            throw new BytecodeFormatException(0, "not a safetap bytecode file (bad magic)");
        }
        int version = in.u16();
        if (version < VERSION) {
            throw new BytecodeFormatException(4, "this file is safetap bytecode version " + version + ", made by an older safetap; "
                    + "this safetap reads version " + VERSION + ": recompile the script (safetap compile SCRIPT -o FILE)");
        }
        if (version > VERSION) {
            throw new BytecodeFormatException(4, "this file is safetap bytecode version " + version + ", made by a newer safetap; "
                    + "this safetap reads version " + VERSION + ": recompile the script with this safetap, or run it with the newer one");
        }
        List<String> strings = new ArrayList<>();
        for (int i = 0, n = in.count(4); i < n; i++) {
            strings.add(in.string());
        }
        List<EventLayout> layouts = new ArrayList<>();
        for (int i = 0, n = in.count(12); i < n; i++) {
            String name = in.string();
            int recordSize = in.i32();
            List<LayoutSlot> slots = new ArrayList<>();
            for (int j = 0, m = in.count(13); j < m; j++) {
                slots.add(new LayoutSlot(in.string(), in.i32(), in.i32(), in.choice(SlotKind.class, "slot kind")));
            }
            layouts.add(new EventLayout(name, recordSize, slots));
        }
        List<MapDecl> maps = new ArrayList<>();
        for (int i = 0, n = in.count(38); i < n; i++) {
            String name = in.string();
            List<ValueType> keys = new ArrayList<>();
            for (int j = 0, m = in.u8(); j < m; j++) {
                keys.add(in.choice(ValueType.class, "key type"));
            }
            MapKind kind = in.choice(MapKind.class, "map kind");
            ValueType valueType = in.choice(ValueType.class, "value type");
            maps.add(new MapDecl(name, keys, kind, valueType, in.i64(), in.i64(), in.i64(), in.i32(), in.u8() != 0));
        }
        List<ProbeDecl> probes = new ArrayList<>();
        for (int i = 0, n = in.count(37); i < n; i++) {
            ProbeKind kind = in.choice(ProbeKind.class, "probe kind");
            String name = in.string();
            AttachPoint attach = new AttachPoint(in.string(), in.string(), in.i64());
            probes.add(new ProbeDecl(kind, name, attach, in.i64(), in.i32(), in.i32()));
        }
        List<Action> actions = new ArrayList<>();
        for (int i = 0, n = in.count(6); i < n; i++) {
            int registers = in.u16();
            actions.add(new Action(registers, in.bytes()));
        }
        String sourceName = in.string();
        String sourceText = in.string();
        List<LineEntry> lines = new ArrayList<>();
        for (int i = 0, n = in.count(16); i < n; i++) {
            lines.add(new LineEntry(in.i32(), in.i32(), in.i32(), in.i32()));
        }
        if (in.buf.hasRemaining()) {
            throw new BytecodeFormatException(in.buf.position(), in.buf.remaining() + " bytes after the end of the program");
        }
        return new Program(strings, layouts, maps, probes, actions, new DebugInfo(sourceName, sourceText, lines));
    }

    private static final class Reader {
        final ByteBuffer buf;

        Reader(ByteBuffer buf) {
            this.buf = buf;
        }

        private void need(int n) {
            if (n < 0 || buf.remaining() < n) {
                throw new BytecodeFormatException(buf.position(), "file is truncated at byte " + buf.position());
            }
        }

        int u8() {
            need(1);
            return buf.get() & 0xff;
        }

        int u16() {
            need(2);
            return buf.getShort() & 0xffff;
        }

        int i32() {
            need(4);
            return buf.getInt();
        }

        long i64() {
            need(8);
            return buf.getLong();
        }

        /** A table length; each entry takes at least {@code minEntrySize} bytes, so it cannot exceed what remains. */
        int count(int minEntrySize) {
            int at = buf.position();
            int n = i32();
            if (n < 0 || (long) n * minEntrySize > buf.remaining()) {
                throw new BytecodeFormatException(at, "table length " + n + " at byte " + at + " is larger than the file");
            }
            return n;
        }

        byte[] bytes() {
            int at = buf.position();
            int n = i32();
            if (n < 0 || n > buf.remaining()) {
                throw new BytecodeFormatException(at, "length " + n + " at byte " + at + " is larger than the file");
            }
            byte[] b = new byte[n];
            buf.get(b);
            return b;
        }

        String string() {
            return new String(bytes(), StandardCharsets.UTF_8);
        }

        <E extends Enum<E> & Coded> E choice(Class<E> type, String what) {
            int at = buf.position();
            int v = u8();
            E e = Coded.byCode(type, v);
            if (e == null) {
                throw new BytecodeFormatException(at, "unknown " + what + " " + v + " at byte " + at);
            }
            return e;
        }
    }
}
