package dev.safetap.bytecode;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the assembly text that {@link Disassembler} prints back into a {@link Program}. Besides
 * disassembler output it accepts instruction lines without their {@code NNNN:} pc prefix,
 * {@code ;} comments anywhere (the {@code ; line L:C} position comments are ignored, so the line
 * table is not rebuilt; only {@code .source} is kept), and {@code .byte 0xNN} lines for raw bytes.
 * Table indices in directives must count up from 0. Names are single words.
 *
 * <p>Malformed text throws a {@link BytecodeFormatException} whose message starts with
 * {@code line N:} and whose offset is that 1-based line number.
 */
public final class Assembler {
    private final List<String> strings = new ArrayList<>();
    private final List<EventLayout> layouts = new ArrayList<>();
    private final List<List<LayoutSlot>> layoutSlots = new ArrayList<>();
    private final List<MapDecl> maps = new ArrayList<>();
    private final List<ProbeDecl> probes = new ArrayList<>();
    private final List<Integer> registers = new ArrayList<>();
    private final List<ByteArrayOutputStream> code = new ArrayList<>();
    private String sourceName = "";
    private int lineNo;

    private Assembler() {
    }

    public static Program assemble(String text) {
        Assembler a = new Assembler();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            a.lineNo = i + 1;
            a.line(lines[i]);
        }
        return a.program();
    }

    private Program program() {
        List<EventLayout> ls = new ArrayList<>();
        for (int i = 0; i < layouts.size(); i++) {
            ls.add(new EventLayout(layouts.get(i).name(), layouts.get(i).recordSize(), layoutSlots.get(i)));
        }
        List<Action> actions = new ArrayList<>();
        for (int i = 0; i < code.size(); i++) {
            actions.add(new Action(registers.get(i), code.get(i).toByteArray()));
        }
        return new Program(strings, ls, maps, probes, actions, new DebugInfo(sourceName, "", List.of()));
    }

    private void line(String raw) {
        Words w = new Words(stripComment(raw).trim());
        if (w.atEnd()) {
            return;
        }
        String first = w.word();
        if (first.matches("[0-9]+:")) {
            if (w.atEnd()) {
                throw error("a pc label must be followed by an instruction");
            }
            first = w.word();
        }
        switch (first) {
            case ".source" -> sourceName = w.quoted();
            case ".string" -> {
                index(w, strings.size(), ".string");
                strings.add(w.quoted());
            }
            case ".layout" -> {
                index(w, layouts.size(), ".layout");
                String name = w.word();
                w.expect("size");
                layouts.add(new EventLayout(name, (int) w.number(Integer.MIN_VALUE, Integer.MAX_VALUE), List.of()));
                layoutSlots.add(new ArrayList<>());
            }
            case ".slot" -> slot(w);
            case ".map" -> map(w);
            case ".probe" -> probe(w);
            case ".action" -> {
                index(w, code.size(), ".action");
                w.expect("registers");
                registers.add((int) w.number(0, 0xffff));
                code.add(new ByteArrayOutputStream());
            }
            case ".byte" -> currentCode().write((int) w.number(0, 0xff));
            default -> {
                instruction(first, w);
                return;
            }
        }
        w.end();
    }

    private void slot(Words w) {
        if (layouts.isEmpty()) {
            throw error(".slot outside a .layout");
        }
        List<LayoutSlot> slots = layoutSlots.get(layoutSlots.size() - 1);
        index(w, slots.size(), ".slot");
        String name = w.word();
        w.expect("offset");
        int offset = (int) w.number(Integer.MIN_VALUE, Integer.MAX_VALUE);
        w.expect("size");
        int size = (int) w.number(Integer.MIN_VALUE, Integer.MAX_VALUE);
        slots.add(new LayoutSlot(name, offset, size, w.choice(SlotKind.class)));
    }

    private void map(Words w) {
        index(w, maps.size(), ".map");
        String name = w.word();
        MapKind kind = w.choice(MapKind.class);
        String keys = w.word();
        if (!keys.startsWith("keys(") || !keys.endsWith(")")) {
            throw error("expected keys(TYPE,...) but found '" + keys + "'");
        }
        List<ValueType> keyTypes = new ArrayList<>();
        String inner = keys.substring(5, keys.length() - 1);
        if (!inner.isEmpty()) {
            for (String t : inner.split(",", -1)) {
                keyTypes.add(choice(ValueType.class, t.trim()));
            }
        }
        w.expect("value");
        ValueType value = w.choice(ValueType.class);
        long min = 0;
        long max = 0;
        long step = 0;
        String next = w.word();
        if (next.startsWith("lhist(")) {
            String[] parts = next.substring(6, next.endsWith(")") ? next.length() - 1 : next.length()).split(",", -1);
            if (parts.length != 3 || !next.endsWith(")")) {
                throw error("expected lhist(MIN,MAX,STEP) but found '" + next + "'");
            }
            min = parseNumber(parts[0].trim(), Long.MIN_VALUE, Long.MAX_VALUE);
            max = parseNumber(parts[1].trim(), Long.MIN_VALUE, Long.MAX_VALUE);
            step = parseNumber(parts[2].trim(), Long.MIN_VALUE, Long.MAX_VALUE);
            next = w.word();
        }
        if (!next.equals("capacity")) {
            throw error("expected 'capacity' but found '" + next + "'");
        }
        int capacity = (int) w.number(Integer.MIN_VALUE, Integer.MAX_VALUE);
        boolean threadLocal = false;
        if (!w.atEnd()) {
            w.expect("threadlocal");
            threadLocal = true;
        }
        maps.add(new MapDecl(name, keyTypes, kind, value, min, max, step, capacity, threadLocal));
    }

    private void probe(Words w) {
        index(w, probes.size(), ".probe");
        ProbeKind kind = w.choice(ProbeKind.class);
        String name = w.word();
        AttachPoint attach = AttachPoint.NONE;
        if (w.peekWord("attach")) {
            w.expect("attach");
            String target = w.quoted();
            String function = w.quoted();
            attach = new AttachPoint(target, function, w.number(Long.MIN_VALUE, Long.MAX_VALUE));
        }
        w.expect("layout");
        int layout = (int) w.number(Integer.MIN_VALUE, Integer.MAX_VALUE);
        w.expect("period");
        long period = w.number(Long.MIN_VALUE, Long.MAX_VALUE);
        w.expect("action");
        int action = (int) w.number(Integer.MIN_VALUE, Integer.MAX_VALUE);
        probes.add(new ProbeDecl(kind, name, attach, period, layout, action));
    }

    private void instruction(String mnemonic, Words w) {
        Opcode op = choice(Opcode.class, mnemonic);
        ByteArrayOutputStream out = currentCode();
        List<OperandKind> shape = op.operands();
        long[] operands = new long[shape.size()];
        int[] regs = new int[0];
        for (int i = 0; i < shape.size(); i++) {
            if (i > 0) {
                w.expectChar(',');
            }
            switch (shape.get(i)) {
                case REG -> operands[i] = register(w);
                case IMM64 -> operands[i] = w.number(Long.MIN_VALUE, Long.MAX_VALUE);
                case U8 -> operands[i] = w.number(0, 0xff);
                case U16 -> {
                    String prefix = Instruction.u16Prefix(op);
                    String t = w.token();
                    if (!t.startsWith(prefix)) {
                        throw error(op + " expects " + prefix + "N as operand " + (i + 1) + ", found '" + t + "'");
                    }
                    operands[i] = parseNumber(t.substring(1), 0, 0xffff);
                }
                case U32 -> operands[i] = w.number(0, 0xffffffffL);
                case OFF32 -> operands[i] = w.number(Integer.MIN_VALUE, Integer.MAX_VALUE);
                case REGS -> {
                    w.expectChar('(');
                    List<Integer> list = new ArrayList<>();
                    if (!w.peekChar(')')) {
                        list.add(register(w));
                        while (w.peekChar(',')) {
                            w.expectChar(',');
                            list.add(register(w));
                        }
                    }
                    w.expectChar(')');
                    if (list.size() > 0xff) {
                        throw error("a register list holds at most 255 registers");
                    }
                    regs = list.stream().mapToInt(Integer::intValue).toArray();
                    operands[i] = regs.length;
                }
            }
        }
        w.end();
        Instruction.of(op, operands, regs).encode(out);
    }

    private int register(Words w) {
        String t = w.token();
        if (!t.startsWith("r")) {
            throw error("expected a register rN but found '" + t + "'");
        }
        return (int) parseNumber(t.substring(1), 0, 0xff);
    }

    private ByteArrayOutputStream currentCode() {
        if (code.isEmpty()) {
            throw error("code before the first .action");
        }
        return code.get(code.size() - 1);
    }

    private void index(Words w, int expected, String directive) {
        long i = w.number(0, Integer.MAX_VALUE);
        if (i != expected) {
            throw error(directive + " " + i + " is out of order; expected " + directive + " " + expected);
        }
    }

    private <E extends Enum<E>> E choice(Class<E> type, String word) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(word)) {
                return e;
            }
        }
        throw error("unknown " + type.getSimpleName() + " '" + word + "'");
    }

    private long parseNumber(String t, long min, long max) {
        try {
            long v;
            if (t.startsWith("0x") || t.startsWith("0X")) {
                v = Long.parseUnsignedLong(t.substring(2), 16);
            } else {
                v = Long.parseLong(t.startsWith("+") ? t.substring(1) : t);
            }
            if (v < min || v > max) {
                throw error("number " + t + " is outside " + min + ".." + max);
            }
            return v;
        } catch (NumberFormatException e) {
            throw error("expected a number but found '" + t + "'");
        }
    }

    private BytecodeFormatException error(String message) {
        return new BytecodeFormatException(lineNo, "line " + lineNo + ": " + message);
    }

    /** The line without its {@code ;} comment; a {@code ;} inside a quoted string is text. */
    private static String stripComment(String line) {
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted && c == '\\') {
                i++;
            } else if (c == '"') {
                quoted = !quoted;
            } else if (c == ';' && !quoted) {
                return line.substring(0, i);
            }
        }
        return line;
    }

    /** A cursor over one line: whitespace-separated words, quoted strings, and instruction tokens. */
    private final class Words {
        private final String s;
        private int p;

        Words(String s) {
            this.s = s;
        }

        private void skipSpace() {
            while (p < s.length() && Character.isWhitespace(s.charAt(p))) {
                p++;
            }
        }

        boolean atEnd() {
            skipSpace();
            return p >= s.length();
        }

        void end() {
            if (!atEnd()) {
                throw error("unexpected '" + s.substring(p) + "' at the end of the line");
            }
        }

        /** The next run of non-space characters. */
        String word() {
            if (atEnd()) {
                throw error("unexpected end of the line");
            }
            int start = p;
            while (p < s.length() && !Character.isWhitespace(s.charAt(p))) {
                p++;
            }
            return s.substring(start, p);
        }

        void expect(String keyword) {
            String t = word();
            if (!t.equals(keyword)) {
                throw error("expected '" + keyword + "' but found '" + t + "'");
            }
        }

        long number(long min, long max) {
            return parseNumber(token(), min, max);
        }

        <E extends Enum<E>> E choice(Class<E> type) {
            return Assembler.this.choice(type, word());
        }

        /** The next operand token: a run of characters up to a space, comma or parenthesis. */
        String token() {
            if (atEnd()) {
                throw error("unexpected end of the line");
            }
            int start = p;
            while (p < s.length() && !Character.isWhitespace(s.charAt(p)) && ",()".indexOf(s.charAt(p)) < 0) {
                p++;
            }
            if (p == start) {
                throw error("unexpected '" + s.charAt(p) + "'");
            }
            return s.substring(start, p);
        }

        /** True when the next word is {@code keyword}; consumes nothing. */
        boolean peekWord(String keyword) {
            return !atEnd() && s.startsWith(keyword, p)
                    && (p + keyword.length() == s.length() || Character.isWhitespace(s.charAt(p + keyword.length())));
        }

        boolean peekChar(char c) {
            return !atEnd() && s.charAt(p) == c;
        }

        void expectChar(char c) {
            if (!peekChar(c)) {
                throw error("expected '" + c + "'" + (atEnd() ? " before the end of the line" : " but found '" + s.charAt(p) + "'"));
            }
            p++;
        }

        /** A double-quoted string with the escapes {@link Disassembler#quote} writes. */
        String quoted() {
            if (!peekChar('"')) {
                throw error("expected a quoted string");
            }
            StringBuilder sb = new StringBuilder();
            p++;
            while (p < s.length() && s.charAt(p) != '"') {
                char c = s.charAt(p++);
                if (c != '\\') {
                    sb.append(c);
                    continue;
                }
                if (p >= s.length()) {
                    break;
                }
                char e = s.charAt(p++);
                switch (e) {
                    case 'n' -> sb.append('\n');
                    case 't' -> sb.append('\t');
                    case '\\', '"' -> sb.append(e);
                    case 'x' -> {
                        if (p + 2 > s.length()) {
                            throw error("\\x needs two hex digits");
                        }
                        sb.append((char) parseNumber("0x" + s.substring(p, p + 2), 0, 0xff));
                        p += 2;
                    }
                    default -> throw error("unknown escape \\" + e);
                }
            }
            if (p >= s.length()) {
                throw error("unterminated string");
            }
            p++;
            return sb.toString();
        }
    }
}
