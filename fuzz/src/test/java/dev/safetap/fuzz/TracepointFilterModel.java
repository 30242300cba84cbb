package dev.safetap.fuzz;

import dev.safetap.kernel.FormatField;
import dev.safetap.kernel.TracepointFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What the kernel's tracepoint filter decides for one record, written from the kernel's rules
 * (kernel/trace/trace_events_filter.c) and not from safetap's analysis, so that the analysis can be
 * checked against it. The grammar: {@code ||} over {@code &&} over {@code !}, parentheses, and predicates
 * {@code FIELD OP VALUE}. A numeric field is read in its own type and compared with the constant cast to
 * that type: {@code (s32) field < (s32) value} for a signed 4-byte field, unsigned comparisons for unsigned
 * fields; the constant is parsed signed for signed fields and unsigned for unsigned ones (a negative
 * constant for an unsigned field is an error, as kstrtoull refuses it). A string (a char array field, or the
 * current task's name) is compared as the kernel's full-match regex does: {@code strncmp(s, value, size) == 0}.
 */
final class TracepointFilterModel {
    private static final int TASK_COMM_LEN = 16;

    /** A filter text the kernel would refuse. */
    static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message);
        }
    }

    private final TracepointFormat format;
    private final String text;
    private ByteBuffer record;
    private byte[] comm;
    private int at;

    private TracepointFilterModel(TracepointFormat format, String text) {
        this.format = format;
        this.text = text;
    }

    /**
     * Whether the kernel writes this record: true when the filter holds for it. A record shorter than the
     * format's fixed part is never written by the kernel; such records are admitted, so that the VM sees and
     * counts them.
     */
    static boolean admits(TracepointFormat format, String filter, byte[] record, byte[] comm) {
        if (filter == null || record.length < format.fixedSize()) {
            return true;
        }
        TracepointFilterModel m = new TracepointFilterModel(format, filter);
        m.record = ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN);
        m.comm = comm;
        boolean result = m.or();
        m.skipSpace();
        if (m.at != filter.length()) {
            throw new Refused("unexpected text at " + m.at + " of: " + filter);
        }
        return result;
    }

    private boolean or() {
        boolean v = and();
        while (consume("||")) {
            v |= and();
        }
        return v;
    }

    private boolean and() {
        boolean v = unary();
        while (consume("&&")) {
            v &= unary();
        }
        return v;
    }

    private boolean unary() {
        if (consume("!")) {
            return !unary();
        }
        if (consume("(")) {
            boolean v = or();
            if (!consume(")")) {
                throw new Refused("missing ) at " + at + " of: " + text);
            }
            return v;
        }
        return predicate();
    }

    /**
     * A name is looked up as the kernel's trace_find_event_field does: the event's own fields first (common ones
     * included), then the generic fields, of which {@code comm} and {@code COMM} name the current task. So on an
     * event with a {@code comm} field of its own (sched_wakeup's wakee) {@code comm} is that field, and only
     * {@code COMM} is always the current task.
     */
    private boolean predicate() {
        String name = word();
        String op = operator();
        skipSpace();
        FormatField field = format.field(name).orElse(null);
        if (field == null && (name.equals("comm") || name.equals("COMM"))) {
            return compareString(Arrays.copyOf(comm, TASK_COMM_LEN), op, string());
        }
        if (field == null) {
            throw new Refused("no field " + name + " in " + format.name());
        }
        if (field.isArray() && field.type().contains("char")) {
            byte[] chars = new byte[field.size()];
            record.get(field.offset(), chars);
            return compareString(chars, op, string());
        }
        return compareNumber(field, op, word());
    }

    private static boolean compareString(byte[] chars, String op, String value) {
        byte[] pattern = value.getBytes(StandardCharsets.UTF_8);
        boolean equal = strncmp(chars, pattern, chars.length) == 0;
        return switch (op) {
            case "==" -> equal;
            case "!=" -> !equal;
            default -> throw new Refused("operator " + op + " on comm");
        };
    }

    /** C's strncmp over NUL-terminated byte strings (a missing NUL ends the array). */
    private static int strncmp(byte[] a, byte[] b, int n) {
        for (int i = 0; i < n; i++) {
            int x = i < a.length ? a[i] & 0xff : 0;
            int y = i < b.length ? b[i] & 0xff : 0;
            if (x != y) {
                return x - y;
            }
            if (x == 0) {
                return 0;
            }
        }
        return 0;
    }

    private boolean compareNumber(FormatField field, String op, String constant) {
        int bits = 8 * field.size();
        long raw = switch (field.size()) {
            case 1 -> record.get(field.offset());
            case 2 -> record.getShort(field.offset());
            case 4 -> record.getInt(field.offset());
            case 8 -> record.getLong(field.offset());
            default -> throw new Refused("field " + field.name() + " of " + field.size() + " bytes is not a number");
        };
        long value = parse(constant, field.signed());
        int c;
        if (field.signed()) {
            c = Long.compare(signExtend(raw, bits), signExtend(value, bits));
        } else {
            c = Long.compareUnsigned(zeroExtend(raw, bits), zeroExtend(value, bits));
        }
        return switch (op) {
            case "==" -> c == 0;
            case "!=" -> c != 0;
            case "<" -> c < 0;
            case "<=" -> c <= 0;
            case ">" -> c > 0;
            case ">=" -> c >= 0;
            default -> throw new Refused("operator " + op + " on a number");
        };
    }

    private static long signExtend(long v, int bits) {
        return bits == 64 ? v : (v << (64 - bits)) >> (64 - bits);
    }

    private static long zeroExtend(long v, int bits) {
        return bits == 64 ? v : v & ((1L << bits) - 1);
    }

    /** kstrtoll (signed) or kstrtoull (unsigned), base 0: decimal, 0x hex, 0 octal. */
    private static long parse(String s, boolean signed) {
        boolean negative = s.startsWith("-");
        if (negative && !signed) {
            throw new Refused("negative constant " + s + " for an unsigned field");
        }
        String digits = negative || s.startsWith("+") ? s.substring(1) : s;
        try {
            long magnitude = digits.startsWith("0x") || digits.startsWith("0X") ? Long.parseUnsignedLong(digits.substring(2), 16)
                    : digits.length() > 1 && digits.startsWith("0") ? Long.parseUnsignedLong(digits.substring(1), 8)
                    : Long.parseUnsignedLong(digits);
            if (signed && (negative ? Long.compareUnsigned(magnitude, 1L << 63) > 0 : magnitude < 0)) {
                throw new Refused("constant " + s + " is out of range for a signed field");
            }
            return negative ? -magnitude : magnitude;
        } catch (NumberFormatException e) {
            throw new Refused("not a number: " + s);
        }
    }

    private String operator() {
        skipSpace();
        for (String op : new String[] {"==", "!=", "<=", ">=", "<", ">", "~", "&"}) {
            if (text.startsWith(op, at)) {
                at += op.length();
                return op;
            }
        }
        throw new Refused("expected an operator at " + at + " of: " + text);
    }

    private String word() {
        skipSpace();
        int start = at;
        while (at < text.length() && (Character.isLetterOrDigit(text.charAt(at)) || "_-+".indexOf(text.charAt(at)) >= 0)) {
            at++;
        }
        if (at == start) {
            throw new Refused("expected a name or a number at " + at + " of: " + text);
        }
        return text.substring(start, at);
    }

    private String string() {
        if (at >= text.length() || text.charAt(at) != '"') {
            throw new Refused("expected a quoted string at " + at + " of: " + text);
        }
        int end = text.indexOf('"', at + 1);
        if (end < 0) {
            throw new Refused("unterminated string in: " + text);
        }
        String s = text.substring(at + 1, end);
        at = end + 1;
        return s;
    }

    private boolean consume(String token) {
        skipSpace();
        if (text.startsWith(token, at) && !(token.equals("!") && text.startsWith("!=", at))) {
            at += token.length();
            return true;
        }
        return false;
    }

    private void skipSpace() {
        while (at < text.length() && text.charAt(at) == ' ') {
            at++;
        }
    }
}
