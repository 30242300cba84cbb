package dev.safetap.fuzz;

import dev.safetap.vm.EventContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

/**
 * One synthetic event for one probe: the raw record ({@code null} for probes without one, such as
 * interval) and the context the kernel would report with it. {@link #toText()} and
 * {@link #parse(String)} are the one-line form stored in reproducers.
 */
public record GeneratedEvent(int probe, byte[] record, int pid, int tid, int cpu, long timeNanos, byte[] comm) {

    /** Fills the reused context with this event, the record read in place from offset 0. */
    public EventContext fill(EventContext ctx) {
        ctx.record = record == null ? null : ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN);
        ctx.offset = 0;
        ctx.length = record == null ? 0 : record.length;
        ctx.pid = pid;
        ctx.tid = tid;
        ctx.cpu = cpu;
        ctx.timeNanos = timeNanos;
        ctx.commLength = Math.min(comm.length, ctx.comm.length);
        System.arraycopy(comm, 0, ctx.comm, 0, ctx.commLength);
        return ctx;
    }

    /** {@code probe=P pid=.. tid=.. cpu=.. time=.. comm=HEX record=HEX|-}. */
    public String toText() {
        HexFormat hex = HexFormat.of();
        return "probe=" + probe + " pid=" + pid + " tid=" + tid + " cpu=" + cpu + " time=" + timeNanos
                + " comm=" + hex.formatHex(comm) + " record=" + (record == null ? "-" : hex.formatHex(record));
    }

    /**
     * Reads the form of {@link #toText()}.
     *
     * @throws IllegalArgumentException when the line is not in that form
     */
    public static GeneratedEvent parse(String line) {
        String[] words = line.strip().split(" ");
        String[] keys = {"probe", "pid", "tid", "cpu", "time", "comm", "record"};
        if (words.length != keys.length) {
            throw new IllegalArgumentException("an event line has " + keys.length + " key=value words: " + line);
        }
        String[] v = new String[keys.length];
        for (int i = 0; i < keys.length; i++) {
            if (!words[i].startsWith(keys[i] + "=")) {
                throw new IllegalArgumentException("expected " + keys[i] + "= as word " + (i + 1) + " of: " + line);
            }
            v[i] = words[i].substring(keys[i].length() + 1);
        }
        HexFormat hex = HexFormat.of();
        return new GeneratedEvent(Integer.parseInt(v[0]), v[6].equals("-") ? null : hex.parseHex(v[6]), Integer.parseInt(v[1]),
                Integer.parseInt(v[2]), Integer.parseInt(v[3]), Long.parseLong(v[4]), hex.parseHex(v[5]));
    }
}
