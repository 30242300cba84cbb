package dev.safetap.kernel;

import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The threads of the {@code -p} process ({@link SessionOptions#pid()}; a thread of another process stands for
 * itself alone) and their events in a {@link TraceSession}. A system call tracepoint fires only in the calling task,
 * and so do the software and hardware events but the CPU's clock ({@link EventSource#inTask()}), so for them each
 * thread gets an event per CPU of its own, inherited by the threads it starts: the other processes' system calls and
 * page faults are never sampled, however many they make. The threads are listed before the events open and again
 * after, until no new one appeared (one started by a thread whose events were not yet open would not inherit them).
 * Other tracepoints and {@code cpu-clock} stay system-wide (their firings land in whatever task runs; the caller
 * selects the process), as do requests with a process of their own.
 */
final class ProcessThreads {
    /** Most threads followed one by one; a process with more is traced system-wide and selected by the caller. */
    static final int MOST_THREADS = 1024;
    final boolean[] perThread;
    final List<Integer> tids = new ArrayList<>();
    /** Events of the threads after the first, with the index in probeFds whose counts each adds to. */
    final List<Integer> fds = new ArrayList<>();
    final List<Integer> slots = new ArrayList<>();
    private final int pid;

    ProcessThreads(List<TraceRequest> requests, int pid) {
        this.pid = pid;
        this.perThread = new boolean[requests.size()];
        if (pid <= 0) {
            return;
        }
        tids.addAll(list(pid));
        if (tids.isEmpty() || tids.size() > MOST_THREADS) {
            tids.clear();
            return;
        }
        for (int r = 0; r < perThread.length; r++) {
            TraceRequest request = requests.get(r);
            perThread[r] = request.process() <= 0 && request.source().inTask();
        }
    }

    /** The tasks of process {@code pid}, from /proc: only itself when it is a thread of another; empty if it is gone. */
    static List<Integer> list(int pid) {
        List<Integer> tids = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc", "" + pid, "status"))) {
                if (line.startsWith("Tgid:") && Integer.parseInt(line.substring(5).strip()) != pid) {
                    return List.of(pid);
                }
            }
        } catch (IOException | NumberFormatException e) {
            return List.of();
        }
        try (var tasks = Files.newDirectoryStream(Path.of("/proc", "" + pid, "task"))) {
            for (Path task : tasks) {
                tids.add(Integer.parseInt(task.getFileName().toString()));
            }
        } catch (IOException | NumberFormatException e) {
            return List.of();
        }
        Collections.sort(tids);
        return tids;
    }

    /** The event of the process's first thread that is still there, on {@code cpu}. */
    int openFirst(Memory sampler, int cpu, String what, int needed) {
        while (!tids.isEmpty()) {
            int fd = PerfEvent.openThread(sampler, tids.get(0), cpu, what + " in thread " + tids.get(0), needed);
            if (fd >= 0) {
                return fd;
            }
            tids.remove(0);
        }
        throw new KernelException("process " + pid + " exited while its events were opened: nothing to trace");
    }

    /** The events of the other threads on {@code cpu}, writing into the ring of {@code first}. */
    void openRest(Memory sampler, int cpu, int slot, int first, EventIdTable table, int request, String what) {
        for (int t = 1; t < tids.size(); t++) {
            open(sampler, tids.get(t), cpu, slot, first, table, request, what);
        }
    }

    private void open(Memory sampler, int tid, int cpu, int slot, int first, EventIdTable table, int request,
                      String what) {
        int fd = PerfEvent.openThread(sampler, tid, cpu, what + " in thread " + tid, 0);
        if (fd >= 0) {
            fds.add(fd);
            slots.add(slot);
            PerfEvent.redirect(fd, first);
            table.put(PerfEvent.id(fd), request);
        }
    }

    /** Opens the events of threads that started while the others were opened, until none is new. */
    void openStarted(Memory[] samplers, int[] cpus, int[] probeFds, EventIdTable table, List<TraceRequest> requests) {
        if (tids.isEmpty()) {
            return;
        }
        for (int round = 0; round < 8; round++) {
            List<Integer> started = new ArrayList<>(list(pid));
            started.removeAll(tids);
            if (started.isEmpty()) {
                return;
            }
            for (int tid : started) {
                tids.add(tid);
                for (int c = 0; c < cpus.length; c++) {
                    for (int r = 0; r < samplers.length; r++) {
                        if (perThread[r]) {
                            int slot = c * samplers.length + r;
                            open(samplers[r], tid, cpus[c], slot, probeFds[slot], table, r,
                                    requests.get(r).source().name() + " on cpu " + cpus[c]);
                        }
                    }
                }
            }
        }
    }
}
