package dev.safetap.vm;

import dev.safetap.bytecode.Builtin;
import dev.safetap.bytecode.EventLayout;
import dev.safetap.bytecode.LayoutSlot;
import dev.safetap.bytecode.MapDecl;
import dev.safetap.bytecode.MapKind;
import dev.safetap.bytecode.Opcode;
import dev.safetap.bytecode.ProbeKind;
import dev.safetap.bytecode.SlotKind;
import dev.safetap.bytecode.ValueType;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The hot-path actions the allocation test and the benchmark run, hand-assembled as the
 * compiler would emit them, each with a generator of synthetic events.
 */
final class TracingActions {
    /** Offset of {@code count} in the sys_enter_read record (after the common header, nr and fd, buf). */
    static final int COUNT_OFFSET = 32;
    static final int READ_RECORD_SIZE = 40;

    /** A ready interpreter, the probes to fire and a context to fill per event. */
    record Setup(Interpreter interpreter, int[] probes, EventContext ctx) {
    }

    private TracingActions() {
    }

    private static Interpreter interpreter(ScriptBuilder s) {
        return interpreter(s, OutputFormat.TEXT);
    }

    private static Interpreter interpreter(ScriptBuilder s, OutputFormat format) {
        PrintStream sink = new PrintStream(OutputStream.nullOutputStream());
        return new Interpreter(s.verify(), new VmOptions(sink, sink, 0, 0, format));
    }

    private static EventContext readEvent() {
        EventContext ctx = new EventContext();
        ctx.record = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        ctx.offset = 0;
        ctx.length = READ_RECORD_SIZE;
        return ctx;
    }

    private static int readLayout(ScriptBuilder s) {
        return s.layout(new EventLayout("syscalls:sys_enter_read", READ_RECORD_SIZE,
                List.of(new LayoutSlot("count", COUNT_OFFSET, 8, SlotKind.UNSIGNED))));
    }

    /** {@code tracepoint:syscalls:sys_enter_read { @[comm] = count(); }} */
    static Setup countByComm() {
        ScriptBuilder s = new ScriptBuilder();
        int m = s.map("@", MapKind.COUNT, ValueType.INT, ValueType.STR);
        ScriptBuilder.Code c = s.code();
        c.aggReg(m, c.i(0), c.ctx(Builtin.COMM));
        int probe = s.probe(ProbeKind.TRACEPOINT, "tracepoint:syscalls:sys_enter_read", readLayout(s), c);
        return new Setup(interpreter(s), new int[] {probe}, readEvent());
    }

    /** {@code tracepoint:syscalls:sys_enter_read { @ = hist(args.count); }} */
    static Setup histOfField() {
        ScriptBuilder s = new ScriptBuilder();
        int m = s.map("@", MapKind.HIST, ValueType.INT);
        ScriptBuilder.Code c = s.code();
        c.aggReg(m, c.field(0));
        int probe = s.probe(ProbeKind.TRACEPOINT, "tracepoint:syscalls:sys_enter_read", readLayout(s), c);
        return new Setup(interpreter(s), new int[] {probe}, readEvent());
    }

    /** {@code tracepoint:syscalls:sys_enter_read { printf("%s \"read\"\t%d\n", comm, args.count); }}, printed in {@code format}. */
    static Setup printfOfField(OutputFormat format) {
        ScriptBuilder s = new ScriptBuilder();
        ScriptBuilder.Code c = s.code();
        c.printf("%s \"read\"\t%d\n", c.ctx(Builtin.COMM), c.field(0));
        int probe = s.probe(ProbeKind.TRACEPOINT, "tracepoint:syscalls:sys_enter_read", readLayout(s), c);
        return new Setup(interpreter(s, format), new int[] {probe}, readEvent());
    }

    /**
     * {@code sys_enter_read { self->ts[tid] = nsecs; }} and
     * {@code sys_exit_read { if (self->ts[tid]) { @ = hist(nsecs - self->ts[tid]); delete(self->ts[tid]); } }}.
     */
    static Setup latency() {
        ScriptBuilder s = new ScriptBuilder();
        int ts = s.map(new MapDecl("self->ts", List.of(ValueType.INT), MapKind.SCALAR, ValueType.INT, 0, 0, 0, 4096, true));
        int lat = s.map("@", MapKind.HIST, ValueType.INT);
        ScriptBuilder.Code entry = s.code();
        entry.set(ts, entry.ctx(Builtin.NSECS), entry.ctx(Builtin.TID));
        int enter = s.probe(ProbeKind.TRACEPOINT, "tracepoint:syscalls:sys_enter_read", readLayout(s), entry);
        ScriptBuilder.Code ret = s.code();
        int tid = ret.ctx(Builtin.TID);
        int start = ret.get(ts, tid);
        int unset = ret.cb.jumpForward(Opcode.JZ, start);
        ret.aggReg(lat, ret.op(Opcode.SUB, ret.ctx(Builtin.NSECS), start));
        ret.delete(ts, tid);
        ret.cb.land(unset);
        int exit = s.probe(ProbeKind.TRACEPOINT, "tracepoint:syscalls:sys_exit_read",
                s.layout(new EventLayout("syscalls:sys_exit_read", 24, List.of())), ret);
        return new Setup(interpreter(s), new int[] {enter, exit}, readEvent());
    }

    private static final byte[][] COMMS = new byte[50][];

    static {
        for (int i = 0; i < COMMS.length; i++) {
            COMMS[i] = ("worker-" + i).getBytes(StandardCharsets.US_ASCII);
        }
    }

    /**
     * Fills the context for event {@code n} and fires the right probe: comm cycles through 50
     * names, the read count through powers of two, and for the latency pair each of 16 threads
     * alternates entry and return.
     */
    static void fire(Setup setup, long n) {
        EventContext ctx = setup.ctx();
        byte[] comm = COMMS[(int) (n % COMMS.length)];
        System.arraycopy(comm, 0, ctx.comm, 0, comm.length);
        ctx.commLength = comm.length;
        ctx.record.putLong(COUNT_OFFSET, 1L << (n & 31));
        ctx.timeNanos = n * 1_000 + (n & 255);
        int[] probes = setup.probes();
        if (probes.length == 1) {
            ctx.tid = (int) (n & 15);
            setup.interpreter().fire(probes[0], ctx);
        } else {
            ctx.tid = (int) ((n >> 1) & 15);
            setup.interpreter().fire(probes[(int) (n & 1)], ctx);
        }
    }
}
