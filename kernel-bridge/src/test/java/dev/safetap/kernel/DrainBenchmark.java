package dev.safetap.kernel;

import java.lang.management.ManagementFactory;
import java.util.List;

/**
 * Measures how many samples per second a session delivers: traces syscalls:sys_enter_read while a command
 * (bench/c/readloop) issues reads, and prints samples delivered for its pid, records lost, the rate, and the
 * capacity: samples per second of CPU the polling thread used (what it could drain if the command were faster),
 * and the bytes that thread allocated per sample (the per-event path must allocate nothing; what remains is per poll).
 * Usage: DrainBenchmark RING_PAGES COMMAND ARGS...
 */
public final class DrainBenchmark {
    private DrainBenchmark() {
    }

    public static void main(String[] args) {
        int ringPages = Integer.parseInt(args[0]);
        List<String> command = List.of(args).subList(1, args.length);
        TracepointCatalog catalog = TracepointCatalog.live();
        long[] counts = new long[2];
        try (TraceSession session = TraceSession.open(catalog, List.of(new TraceRequest("syscalls:sys_enter_read", 0)),
                new SessionOptions(ringPages, -1, true))) {
            HeldCommand held = HeldCommand.start(command);
            int pid = held.pid();
            EventSink sink = sample -> {
                counts[0]++;
                if (sample.pid() == pid) {
                    counts[1]++;
                }
            };
            session.enable();
            com.sun.management.ThreadMXBean threads =
                    (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long self = Thread.currentThread().getId();
            long cpuStart = threads.getCurrentThreadCpuTime();
            long allocatedStart = threads.getThreadAllocatedBytes(self);
            long start = System.nanoTime();
            held.release();
            while (held.isAlive()) {
                session.poll(sink, 10);
            }
            session.finish(sink);
            long elapsed = System.nanoTime() - start;
            long cpu = threads.getCurrentThreadCpuTime() - cpuStart;
            long allocated = threads.getThreadAllocatedBytes(self) - allocatedStart;
            held.waitFor();
            System.out.printf("samples %d (command %d) lost %d in %.3f s: %.0f samples/s delivered, "
                    + "%.0f ns of poller CPU each: capacity %.0f samples/s; poller allocated %.3f bytes per sample%n",
                    counts[0], counts[1], session.lost(), elapsed / 1e9, counts[0] / (elapsed / 1e9),
                    (double) cpu / counts[0], counts[0] / (cpu / 1e9), (double) allocated / counts[0]);
        }
    }
}
