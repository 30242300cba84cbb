package dev.safetap.bytecode;

import java.util.stream.Collectors;

/**
 * Renders a program as assembly text: header directives, then each action's instructions with
 * their pc and source position. Bytes that do not decode are shown as {@code .byte} lines, so any
 * program, valid or not, has a text form.
 */
public final class Disassembler {
    private Disassembler() {
    }

    public static String disassemble(Program p) {
        StringBuilder sb = new StringBuilder("; safetap bytecode v" + ProgramCodec.VERSION + "\n");
        if (!p.debug().sourceName().isEmpty()) {
            sb.append(".source ").append(quote(p.debug().sourceName())).append('\n');
        }
        for (int i = 0; i < p.strings().size(); i++) {
            sb.append(".string ").append(i).append(' ').append(quote(p.strings().get(i))).append('\n');
        }
        for (int i = 0; i < p.layouts().size(); i++) {
            EventLayout l = p.layouts().get(i);
            sb.append(".layout ").append(i).append(' ').append(l.name()).append(" size ").append(l.recordSize()).append('\n');
            for (int j = 0; j < l.slots().size(); j++) {
                LayoutSlot s = l.slots().get(j);
                sb.append("  .slot ").append(j).append(' ').append(s.name()).append(" offset ").append(s.offset())
                        .append(" size ").append(s.size()).append(' ').append(s.kind()).append('\n');
            }
        }
        for (int i = 0; i < p.maps().size(); i++) {
            MapDecl m = p.maps().get(i);
            sb.append(".map ").append(i).append(' ').append(m.name()).append(' ').append(m.kind())
                    .append(" keys(").append(m.keyTypes().stream().map(Enum::name).collect(Collectors.joining(",")))
                    .append(") value ").append(m.valueType());
            if (m.kind() == MapKind.LHIST || m.lhistMin() != 0 || m.lhistMax() != 0 || m.lhistStep() != 0) {
                sb.append(" lhist(").append(m.lhistMin()).append(',').append(m.lhistMax()).append(',').append(m.lhistStep()).append(')');
            }
            sb.append(" capacity ").append(m.capacity());
            if (m.threadLocal()) {
                sb.append(" threadlocal");
            }
            sb.append('\n');
        }
        for (int i = 0; i < p.probes().size(); i++) {
            ProbeDecl pr = p.probes().get(i);
            sb.append(".probe ").append(i).append(' ').append(pr.kind()).append(' ').append(pr.name());
            if (!pr.attach().isNone()) {
                sb.append(" attach ").append(quote(pr.attach().target())).append(' ').append(quote(pr.attach().function()))
                        .append(' ').append(pr.attach().offset());
            }
            sb.append(" layout ").append(pr.layout()).append(" period ").append(pr.period())
                    .append(" action ").append(pr.action()).append('\n');
        }
        for (int i = 0; i < p.actions().size(); i++) {
            Action a = p.actions().get(i);
            sb.append(".action ").append(i).append(" registers ").append(a.registers()).append('\n');
            appendCode(sb, p, i, a.code());
        }
        return sb.toString();
    }

    private static void appendCode(StringBuilder sb, Program p, int action, byte[] code) {
        int pc = 0;
        SourcePosition last = null;
        while (pc < code.length) {
            Instruction insn;
            try {
                insn = Instruction.decode(code, pc);
            } catch (BytecodeFormatException e) {
                for (; pc < code.length; pc++) {
                    sb.append(String.format("  %04d: .byte 0x%02x%n", pc, code[pc] & 0xff));
                }
                return;
            }
            sb.append(String.format("  %04d: %s", pc, insn));
            SourcePosition pos = p.debug().positionOf(action, pc);
            if (pos != null && !pos.equals(last)) {
                sb.append("    ; line ").append(pos.line()).append(':').append(pos.column());
                last = pos;
            }
            sb.append('\n');
            pc += insn.length();
        }
    }

    /** A double-quoted string with C escapes for backslash, quote, newline, tab and other control bytes. */
    public static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\' -> sb.append("\\\\");
                case '"' -> sb.append("\\\"");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20 || c == 0x7f) {
                        sb.append(String.format("\\x%02x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
