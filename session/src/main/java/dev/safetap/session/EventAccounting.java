package dev.safetap.session;

import dev.safetap.kernel.DeliveryCounts;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * Every event accounted for. The kernel counts each firing of a sampling perf event before it writes the sample,
 * so every counted firing is either taken out of the ring by the session, lost because the ring was full (the
 * kernel counts that per event too), or it was counted and never written: <em>undelivered</em>. A check compares
 * the counts and reports what was lost or undelivered since the last check, per probe and CPU.
 *
 * <p><b>Why a check never reports a sample still on its way.</b> While tracing, a firing counted just before
 * the counts are read may not be written yet. So a check judges only the firings counted by the <em>previous</em>
 * check: those samples were written long before (the kernel writes a sample within the firing, microseconds),
 * so by now they are taken or lost, and {@code counted(previous) - taken(now) - lost(now)} is at most the firings
 * of then that were never written (taken and lost can only have grown since, by later firings). A CPU whose
 * ring still held records is judged at a later check. Once the session is finished the counts are final and
 * every sample is taken: the last check is exact, {@code counted - taken - lost}. What is never written stays
 * missing, so the undelivered count only grows and each check reports its growth.
 *
 * <p>A probe whose records a BPF record copy delivers may also have firings the kernel skipped: it did not run
 * the copy because another BPF program was running on that CPU, and counts them per program, not per CPU. They are
 * undelivered too, reported with CPU {@value #ANY_CPU}.
 *
 * <p>A sampling event the kernel throttled (a profile, a hardware counter: it sampled faster than
 * {@code kernel.perf_event_max_sample_rate} allows) took no samples until the next tick, and counted none it
 * missed: each THROTTLE record is reported as such, a shortfall of unknown size.
 */
final class EventAccounting {
    /**
     * What one probe lost on one CPU since the last check, and how often the kernel throttled it there (an unknown
     * number of samples never taken); probe null: all probes of that CPU, not told apart.
     */
    record Shortfall(String probe, int cpu, long lost, long undelivered, long throttled) {
        Shortfall(String probe, int cpu, long lost, long undelivered) {
            this(probe, cpu, lost, undelivered, 0);
        }
    }

    /** The CPU of a shortfall the kernel counts for all CPUs together. */
    static final int ANY_CPU = -1;

    private final List<String> probes;
    private DeliveryCounts previous;
    private long[] lostSeen;
    private long[] undeliveredSeen;
    private long[] skippedSeen;
    private long[] throttledSeen;

    /** @param probes the name of the probe of each sampling request, in request order */
    EventAccounting(List<String> probes) {
        this.probes = List.copyOf(probes);
    }

    /**
     * What was lost and undelivered since the last check, judged from {@code now}; {@code complete} when the
     * session is finished (its counts final, every sample taken).
     */
    List<Shortfall> check(DeliveryCounts now, boolean complete) {
        boolean perEvent = now.perEventLost();
        int groups = perEvent ? now.requestCount() : 1;
        if (lostSeen == null) {
            lostSeen = new long[now.cpuCount() * groups];
            undeliveredSeen = new long[now.cpuCount() * groups];
            skippedSeen = new long[now.requestCount()];
            throttledSeen = new long[now.cpuCount() * now.requestCount()];
        }
        DeliveryCounts judged = complete || previous == null ? now : previous;
        List<Shortfall> shortfalls = new ArrayList<>();
        for (int c = 0; c < now.cpuCount(); c++) {
            for (int g = 0; g < groups; g++) {
                int i = c * groups + g;
                long lost = perEvent ? now.lost(c, g) : now.ringLost(c);
                long counted = perEvent ? judged.counted(c, g) : sum(judged, c, true);
                long taken = perEvent ? now.taken(c, g) : sum(now, c, false);
                long newLost = Math.max(0, lost - lostSeen[i]);
                lostSeen[i] = Math.max(lostSeen[i], lost);
                long newUndelivered = 0;
                if ((complete || previous != null) && (complete || !now.backlog(c))) {
                    long undelivered = counted - taken - lost;
                    newUndelivered = Math.max(0, undelivered - undeliveredSeen[i]);
                    undeliveredSeen[i] = Math.max(undeliveredSeen[i], undelivered);
                }
                if (newLost > 0 || newUndelivered > 0) {
                    shortfalls.add(new Shortfall(perEvent ? probes.get(g) : null, now.cpu(c), newLost, newUndelivered));
                }
            }
        }
        for (int c = 0; c < now.cpuCount(); c++) {
            for (int r = 0; r < now.requestCount(); r++) {
                int i = c * now.requestCount() + r;
                long throttled = now.throttled(c, r) - throttledSeen[i];
                if (throttled > 0) {
                    throttledSeen[i] = now.throttled(c, r);
                    shortfalls.add(new Shortfall(probes.get(r), now.cpu(c), 0, 0, throttled));
                }
            }
        }
        for (int r = 0; r < now.requestCount(); r++) {
            long skipped = now.skipped(r) - skippedSeen[r];
            if (skipped > 0) {
                skippedSeen[r] = now.skipped(r);
                shortfalls.add(new Shortfall(probes.get(r), ANY_CPU, 0, skipped));
            }
        }
        previous = now;
        return shortfalls;
    }

    /** Every shortfall so far, one per probe and CPU that had one. */
    List<Shortfall> total() {
        List<Shortfall> all = new ArrayList<>();
        if (lostSeen == null) {
            return all;
        }
        int groups = lostSeen.length / previous.cpuCount();
        for (int c = 0; c < previous.cpuCount(); c++) {
            for (int g = 0; g < groups; g++) {
                int i = c * groups + g;
                if (lostSeen[i] > 0 || undeliveredSeen[i] > 0) {
                    all.add(new Shortfall(groups == probes.size() ? probes.get(g) : null, previous.cpu(c), lostSeen[i],
                            undeliveredSeen[i]));
                }
            }
        }
        int requests = skippedSeen.length;
        for (int i = 0; i < throttledSeen.length; i++) {
            if (throttledSeen[i] > 0) {
                all.add(new Shortfall(probes.get(i % requests), previous.cpu(i / requests), 0, 0, throttledSeen[i]));
            }
        }
        for (int r = 0; r < skippedSeen.length; r++) {
            if (skippedSeen[r] > 0) {
                all.add(new Shortfall(probes.get(r), ANY_CPU, 0, skippedSeen[r]));
            }
        }
        return all;
    }

    private static long sum(DeliveryCounts counts, int cpu, boolean counted) {
        long sum = 0;
        for (int r = 0; r < counts.requestCount(); r++) {
            sum += counted ? counts.counted(cpu, r) : counts.taken(cpu, r);
        }
        return sum;
    }

    static long lost(List<Shortfall> shortfalls) {
        return shortfalls.stream().mapToLong(Shortfall::lost).sum();
    }

    static long undelivered(List<Shortfall> shortfalls) {
        return shortfalls.stream().mapToLong(Shortfall::undelivered).sum();
    }

    static long throttled(List<Shortfall> shortfalls) {
        return shortfalls.stream().mapToLong(Shortfall::throttled).sum();
    }

    /**
     * The probes and CPUs of {@code shortfalls} with their counts, lost or undelivered:
     * "tracepoint:syscalls:sys_enter_read: cpu0 12, cpu1 3; tracepoint:sched:sched_wakeup: cpu1 7"; firings the kernel
     * skipped (another BPF program was running on the CPU) as "skipped 2".
     */
    static String where(List<Shortfall> shortfalls, boolean lost) {
        return where(shortfalls, lost ? Shortfall::lost : Shortfall::undelivered);
    }

    /** The probes and CPUs of {@code shortfalls} with the times the kernel throttled them: "profile:hz:9999: cpu0 3". */
    static String whereThrottled(List<Shortfall> shortfalls) {
        return where(shortfalls, Shortfall::throttled);
    }

    private static String where(List<Shortfall> shortfalls, ToLongFunction<Shortfall> count) {
        Map<String, Map<Integer, Long>> byProbe = new LinkedHashMap<>();
        for (Shortfall s : shortfalls) {
            long n = count.applyAsLong(s);
            if (n > 0) {
                byProbe.computeIfAbsent(s.probe() == null ? "all probes" : s.probe(), p -> new TreeMap<>())
                        .merge(s.cpu(), n, Long::sum);
            }
        }
        List<String> parts = new ArrayList<>();
        byProbe.forEach((probe, cpus) -> {
            StringBuilder sb = new StringBuilder(probe).append(": ");
            cpus.forEach((cpu, n) -> sb.append(sb.charAt(sb.length() - 2) == ':' ? "" : ", ")
                    .append(cpu == ANY_CPU ? "skipped" : "cpu" + cpu).append(' ').append(n));
            parts.add(sb.toString());
        });
        return String.join("; ", parts);
    }

    /** Per probe name, lost plus undelivered, for JSON. */
    static Map<String, Long> perProbe(List<Shortfall> shortfalls) {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Shortfall s : shortfalls) {
            if (s.lost() + s.undelivered() > 0) {
                counts.merge(s.probe() == null ? "all probes" : s.probe(), s.lost() + s.undelivered(), Long::sum);
            }
        }
        return counts;
    }
}
