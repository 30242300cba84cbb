package dev.safetap.fuzz;

import dev.safetap.bytecode.Limits;
import dev.safetap.kernel.FormatField;
import dev.safetap.kernel.SyntheticRecord;
import dev.safetap.kernel.TracepointFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Makes records for one tracepoint from its format, biased towards the values that break code:
 * boundary integers (0, 1, -1, the minimum and maximum of the field's size), empty strings, strings
 * of exactly and over {@link Limits#MAX_STRING} bytes, char arrays with no NUL, {@code __data_loc}
 * words whose offset or length run past the record, and records cut shorter than the format.
 * Pids, tids and comms come from small pools so that map keys and thread-locals collide.
 */
public final class EventGenerator {
    /** What one generated record is meant to exercise. */
    public enum Shape {
        /** A well-formed record with boundary-biased field values. */
        WELL_FORMED,
        /** A record cut shorter than the format's fixed size. */
        SHORT,
        /** A well-formed record whose {@code __data_loc} words point past the record. */
        BAD_DATA_LOC
    }

    private static final int[] PIDS = {1, 42, 4242, 65535, Integer.MAX_VALUE};
    private static final byte[][] COMMS = {
        new byte[0], "bash".getBytes(StandardCharsets.UTF_8), "kworker/0:1".getBytes(StandardCharsets.UTF_8),
        "fifteen-chars-x".getBytes(StandardCharsets.UTF_8), "sixteen-chars-xy".getBytes(StandardCharsets.UTF_8),
        "h\u00e9llo".getBytes(StandardCharsets.UTF_8),
    };

    private final TracepointFormat format;
    private final RandomGenerator random;
    private long clock = 1_000_000_000L;

    /** A generator for the records of {@code format}; {@code format} is null for probes without a record. */
    public EventGenerator(TracepointFormat format, RandomGenerator random) {
        this.format = format;
        this.random = random;
    }

    /** The next event for probe index {@code probe}, of a shape chosen at random (mostly well-formed). */
    public GeneratedEvent next(int probe) {
        int roll = random.nextInt(100);
        Shape shape = roll < 8 ? Shape.SHORT : roll < 20 && hasDataLoc() ? Shape.BAD_DATA_LOC : Shape.WELL_FORMED;
        return next(probe, shape);
    }

    public GeneratedEvent next(int probe, Shape shape) {
        int pid = PIDS[random.nextInt(PIDS.length)];
        int tid = random.nextInt(4) == 0 ? pid + 1 : pid;
        byte[] comm = COMMS[random.nextInt(COMMS.length)];
        clock += random.nextInt(4) == 0 ? random.nextLong(1L << 40) : random.nextInt(1_000_000);
        int cpu = random.nextInt(4);
        byte[] record = format == null ? null : record(shape, tid);
        return new GeneratedEvent(probe, record, pid, tid, cpu, clock, comm);
    }

    private boolean hasDataLoc() {
        return format != null && format.fields().stream().anyMatch(FormatField::dataLoc);
    }

    /** A record as the kernel writes it: {@code common_pid} is the id of the current thread. */
    private byte[] record(Shape shape, int tid) {
        Map<String, Object> values = new HashMap<>();
        for (FormatField f : format.fields()) {
            if (f.name().equals("common_type")) {
                continue;
            }
            if (f.name().equals("common_pid")) {
                values.put(f.name(), (long) tid);
            } else if (f.dataLoc()) {
                values.put(f.name(), text(Limits.MAX_STRING + 8));
            } else if (f.isArray() && isChar(f)) {
                values.put(f.name(), chars(f.size()));
            } else if (f.isArray()) {
                byte[] raw = new byte[f.size()];
                random.nextBytes(raw);
                values.put(f.name(), raw);
            } else if (isScalarSize(f.size())) {
                values.put(f.name(), integer(f));
            }
        }
        byte[] record = SyntheticRecord.build(format, values);
        switch (shape) {
            case SHORT -> {
                return Arrays.copyOf(record, random.nextInt(Math.max(1, format.fixedSize())));
            }
            case BAD_DATA_LOC -> breakDataLocs(record);
            case WELL_FORMED -> {
            }
        }
        return record;
    }

    /** Rewrites the {@code __data_loc} words so that offset or length run past the record. */
    private void breakDataLocs(byte[] record) {
        ByteBuffer b = ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN);
        for (FormatField f : format.fields()) {
            if (!f.dataLoc() || f.offset() + 4 > record.length) {
                continue;
            }
            int word = b.getInt(f.offset());
            int offset = word & 0xffff;
            int length = word >>> 16;
            int bad = switch (random.nextInt(5)) {
                case 0 -> (length << 16) | (record.length + random.nextInt(64));
                case 1 -> (0xffff << 16) | offset;
                case 2 -> 0xffffffff;
                case 3 -> (Limits.MAX_STRING * 4 << 16) | f.offset();
                default -> (length << 16) | Math.max(0, record.length - 1);
            };
            b.putInt(f.offset(), bad);
        }
    }

    private static boolean isChar(FormatField f) {
        return f.type().contains("char");
    }

    private static boolean isScalarSize(int size) {
        return size == 1 || size == 2 || size == 4 || size == 8;
    }

    /** A boundary-biased integer for a field of its size and signedness. */
    private long integer(FormatField f) {
        int bits = 8 * f.size();
        long max = f.signed() ? (bits == 64 ? Long.MAX_VALUE : (1L << (bits - 1)) - 1) : (bits == 64 ? -1L : (1L << bits) - 1);
        long min = f.signed() ? (bits == 64 ? Long.MIN_VALUE : -(1L << (bits - 1))) : 0;
        return switch (random.nextInt(10)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> -1;
            case 3 -> min;
            case 4 -> max;
            case 5 -> random.nextBoolean() ? min + 1 : max - 1;
            case 6 -> random.nextLong();
            default -> random.nextInt(64);
        };
    }

    /** Contents of a char[size] field: empty, short, exactly full with no NUL, or full with a NUL last. */
    private byte[] chars(int size) {
        return switch (random.nextInt(4)) {
            case 0 -> new byte[0];
            case 1 -> ascii(Math.min(size, 1 + random.nextInt(Math.max(1, size - 1))));
            case 2 -> ascii(size);
            default -> {
                byte[] b = ascii(size);
                b[size - 1] = 0;
                yield b;
            }
        };
    }

    /** A string of a boundary-biased length up to {@code maxLength}: 0, 1, MAX_STRING - 1, MAX_STRING, over it, or random. */
    private String text(int maxLength) {
        int length = switch (random.nextInt(6)) {
            case 0 -> 0;
            case 1 -> 1;
            case 2 -> Limits.MAX_STRING - 1;
            case 3 -> Limits.MAX_STRING;
            case 4 -> maxLength;
            default -> random.nextInt(maxLength + 1);
        };
        return new String(ascii(length), StandardCharsets.US_ASCII);
    }

    private byte[] ascii(int length) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) ('a' + random.nextInt(26));
        }
        return b;
    }
}
