package dev.safetap.session;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The process given with {@code -p}, and whether it still runs. Pids are reused, so "the same process" is the
 * pid with the start time it had when tracing began; a zombie has exited.
 */
final class TracedProcess {
    private final int pid;
    private final long startTime;

    private TracedProcess(int pid, long startTime) {
        this.pid = pid;
        this.startTime = startTime;
    }

    /** The running process {@code pid}; an {@link AttachException} saying why not when there is none. */
    static TracedProcess of(int pid) {
        String[] stat = stat(pid);
        if (stat == null) {
            throw AttachException.attach("no such process " + pid + ": check the pid given with -p");
        }
        if (exited(stat)) {
            throw AttachException.attach("process " + pid + " has already exited (it is a zombie): nothing to trace");
        }
        int tgid = tgid(pid);
        if (tgid > 0 && tgid != pid) {
            throw AttachException.attach(pid + " is a thread of process " + tgid + ": give -p the process id, " + tgid
                    + ", to trace all its threads");
        }
        return new TracedProcess(pid, startTime(stat));
    }

    /** True once the process has exited (or its pid names another process). */
    boolean exited() {
        String[] stat = stat(pid);
        return stat == null || exited(stat) || startTime(stat) != startTime;
    }

    private static boolean exited(String[] stat) {
        return stat[0].equals("Z") || stat[0].equals("X");
    }

    /** Field 22 of /proc/PID/stat, in clock ticks since boot. */
    private static long startTime(String[] stat) {
        return Long.parseLong(stat[19]);
    }

    /** The fields of /proc/PID/stat after the command name, from the state (field 3) on; null if there is none. */
    private static String[] stat(int pid) {
        try {
            String text = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            return text.substring(text.lastIndexOf(')') + 2).strip().split(" ");
        } catch (IOException e) {
            return null;
        }
    }

    private static int tgid(int pid) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", Integer.toString(pid), "status"))) {
                if (line.startsWith("Tgid:")) {
                    return Integer.parseInt(line.substring(5).strip());
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
