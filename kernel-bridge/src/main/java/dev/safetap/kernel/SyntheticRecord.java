package dev.safetap.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds the raw record a tracepoint would write, for testing the pipeline without the kernel. The layout
 * is the kernel's: little-endian fields at their format offsets, {@code __data_loc} payloads appended after
 * the fixed part in field order with a {@code (length << 16) | offset} word, {@code common_type} set to the
 * format id.
 */
public final class SyntheticRecord {

    private SyntheticRecord() {
    }

    /**
     * @param values by field name: a {@link Number} for scalar fields, a {@link String} for {@code char} arrays
     *               and {@code __data_loc} strings (written with a terminating NUL), or a {@code byte[]} for any
     *               array or {@code __data_loc} field. Fields not given are zero ({@code common_type} defaults
     *               to the format id).
     * @throws IllegalArgumentException for an unknown field or a value that does not fit the field
     */
    public static byte[] build(TracepointFormat format, Map<String, Object> values) {
        Map<String, Object> remaining = new HashMap<>(values);
        byte[][] payloads = new byte[format.fields().size()][];
        int total = format.fixedSize();
        for (int i = 0; i < payloads.length; i++) {
            FormatField field = format.fields().get(i);
            if (field.dataLoc()) {
                payloads[i] = bytes(format, field, remaining.getOrDefault(field.name(), new byte[0]), true);
                total += payloads[i].length;
            }
        }
        ByteBuffer record = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        int end = format.fixedSize();
        for (int i = 0; i < payloads.length; i++) {
            FormatField field = format.fields().get(i);
            Object value = remaining.remove(field.name());
            if (field.dataLoc()) {
                record.position(end);
                record.put(payloads[i]);
                writeScalar(record, field, ((long) payloads[i].length << 16) | end);
                end += payloads[i].length;
            } else if (field.isArray()) {
                if (value != null) {
                    byte[] data = bytes(format, field, value, false);
                    if (data.length > field.size()) {
                        throw new IllegalArgumentException(format.name() + " field " + field.name() + " holds "
                                + field.size() + " bytes, value has " + data.length);
                    }
                    record.position(field.offset());
                    record.put(data);
                }
            } else if (value != null || field.name().equals("common_type")) {
                Object scalar = value != null ? value : (long) format.id();
                if (!(scalar instanceof Number)) {
                    throw new IllegalArgumentException(format.name() + " field " + field.name()
                            + " is a scalar, value " + scalar + " is not a number");
                }
                writeScalar(record, field, ((Number) scalar).longValue());
            }
        }
        if (!remaining.isEmpty()) {
            throw new IllegalArgumentException(format.name() + " has no field " + remaining.keySet());
        }
        return record.array();
    }

    private static byte[] bytes(TracepointFormat format, FormatField field, Object value, boolean terminate) {
        if (value instanceof byte[]) {
            return (byte[]) value;
        }
        if (value instanceof String) {
            byte[] text = ((String) value).getBytes(StandardCharsets.UTF_8);
            if (!terminate) {
                return text;
            }
            byte[] terminated = new byte[text.length + 1];
            System.arraycopy(text, 0, terminated, 0, text.length);
            return terminated;
        }
        throw new IllegalArgumentException(format.name() + " field " + field.name()
                + " needs a String or byte[], not " + value);
    }

    private static void writeScalar(ByteBuffer record, FormatField field, long value) {
        int at = field.offset();
        switch (field.size()) {
            case 1 -> record.put(at, (byte) value);
            case 2 -> record.putShort(at, (short) value);
            case 4 -> record.putInt(at, (int) value);
            case 8 -> record.putLong(at, value);
            default -> throw new IllegalArgumentException("field " + field.name() + " has size " + field.size()
                    + ", scalars are 1, 2, 4 or 8 bytes");
        }
    }
}
