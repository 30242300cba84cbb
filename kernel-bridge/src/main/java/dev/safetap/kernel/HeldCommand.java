package dev.safetap.kernel;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Stream;

/**
 * A command for {@code -c CMD}, started but held before it executes, so that its pid is known (and can be
 * traced) before the command runs a single instruction, and so that holding it costs no system call in that
 * pid once the probes are enabled.
 *
 * <p><b>Holding.</b> {@code /bin/sh} is spawned with the tracer's stdin, stdout and stderr, fd 3 a pipe from
 * the tracer, no other fd and no signal blocked. It reads a line from fd 3, closes it and stops itself with
 * SIGSTOP: {@link #start} returns once it is stopped, all its work of starting done. {@link #release} sends
 * SIGCONT, and the shell goes on to {@code exec} the command: the stop ends without a system call returning
 * (the kill's own return came before the stop), and dash makes none between the kill and the execve
 * (bash as {@code /bin/sh} restores three signal handlers first). So from the probes' point of view the
 * process, with the same pid, makes exactly the command's system calls, from its execve on. The command is
 * looked up in {@code PATH} here, so the shell makes exactly one execve.
 *
 * <p><b>Nothing left behind.</b> A second shell, the watcher, reads a pipe only the tracer writes. When the
 * tracer ends the command itself it writes a line and the watcher exits; when the tracer dies, even of
 * SIGKILL, the pipe closes and the watcher sends the command SIGTERM, as bpftrace's child receives on its
 * parent's death (PR_SET_PDEATHSIG), then SIGCONT, since a stopped process acts on SIGTERM only once
 * continued. The held shell reads its go-ahead only once the watcher runs: a tracer killed before then
 * leaves it end of file, and it exits without running anything. No file is created.
 */
public final class HeldCommand implements AutoCloseable {
    private static final String SHELL = "/bin/sh";
    private static final String HOLD = "read _ <&3 || exit 125; exec 3<&-; kill -STOP $$; exec \"$@\"";
    private static final String WATCH = "trap '' INT QUIT; read _ || { kill -TERM \"$1\"; kill -CONT \"$1\"; } 2>/dev/null";
    /** Longest wait for the held shell to start and stop itself. */
    private static final long HOLD_WAIT_NANOS = 10_000_000_000L;
    private static final int SPAWN_STRUCT_BYTES = 1024;
    private static final int SIGSET_BYTES = 128;
    private static final int SIGINFO_BYTES = 128;
    private static final int SIGINFO_CODE = 8;
    private static final int SIGINFO_PID = 16;
    private static final int CLD_STOPPED = 5;
    private static final int O_WRONLY = 1;

    private final int pid;
    private final int watcher;
    private int watcherPipe;
    private int status = -1;

    private HeldCommand(int pid, int watcher, int watcherPipe) {
        this.pid = pid;
        this.watcher = watcher;
        this.watcherPipe = watcherPipe;
    }

    /** Starts {@code argv} held: when this returns, the process exists, stopped, and has not executed the command. */
    public static HeldCommand start(List<String> argv) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("the command to run is empty");
        }
        List<String> command = new ArrayList<>(argv);
        command.set(0, executable(argv.get(0)).map(Path::toString).orElse(argv.get(0)));
        List<String> hold = new ArrayList<>(List.of(SHELL, "-c", HOLD, "sh"));
        hold.addAll(command);
        int[] gate = pipe();
        int pid;
        try {
            pid = spawn(hold, gate[0], 3, false, argv.get(0));
        } catch (RuntimeException e) {
            LibC.close(gate[1]);
            throw e;
        } finally {
            LibC.close(gate[0]);
        }
        int[] watch;
        int watcher;
        try {
            watch = pipe();
            try {
                watcher = spawn(List.of(SHELL, "-c", WATCH, "sh", Integer.toString(pid)), watch[0], 0, true, argv.get(0));
            } catch (RuntimeException e) {
                LibC.close(watch[1]);
                throw e;
            } finally {
                LibC.close(watch[0]);
            }
        } catch (RuntimeException e) {
            LibC.close(gate[1]);
            waitStatus(pid);
            throw e;
        }
        HeldCommand held = new HeldCommand(pid, watcher, watch[1]);
        try {
            Memory line = new Memory(1);
            line.setByte(0, (byte) '\n');
            LibC.write(gate[1], line, 1);
            LibC.close(gate[1]);
            held.awaitStop(argv.get(0));
        } catch (RuntimeException e) {
            held.kill();
            throw e;
        }
        return held;
    }

    /**
     * The file {@code exec} would run for {@code name}: the name itself if it contains a slash, else the first
     * match in {@code PATH}; empty if that is not an executable regular file.
     */
    public static Optional<Path> executable(String name) {
        if (name.contains("/")) {
            return runnable(Path.of(name)) ? Optional.of(Path.of(name)) : Optional.empty();
        }
        String path = System.getenv("PATH");
        for (String dir : (path == null ? "/usr/local/bin:/usr/bin:/bin" : path).split(":", -1)) {
            Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
            if (runnable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    private static boolean runnable(Path file) {
        return Files.isRegularFile(file) && Files.isExecutable(file);
    }

    /** The process id: that of the held shell, then of the command itself (the shell execs it). */
    public int pid() {
        return pid;
    }

    /** Lets the command run. */
    public void release() {
        LibC.kill(pid, LibC.SIGCONT);
    }

    /** True until the process exits (it may not have been reaped yet). */
    public boolean isAlive() {
        return status < 0 && !exited(false);
    }

    /** Sends SIGTERM, if the command still runs. */
    public void terminate() {
        if (isAlive()) {
            LibC.kill(pid, LibC.SIGTERM);
        }
    }

    /** Waits for the command to exit; returns its exit status, or 128 + the signal that ended it. */
    public int waitFor() {
        if (status < 0) {
            exited(true);
            quitWatcher();
            status = waitStatus(pid);
        }
        return status;
    }

    /** Kills the command (SIGKILL) if it still runs, and reaps it. */
    public void kill() {
        if (isAlive()) {
            LibC.kill(pid, LibC.SIGKILL);
        }
        waitFor();
    }

    /** Ends the command with SIGKILL if it still runs (held or not), and reaps it and its watcher. */
    @Override
    public void close() {
        kill();
    }

    /**
     * The watcher is told to exit before the command is reaped: until then the command's pid cannot be reused,
     * so a watcher woken by a dying tracer never signals another process.
     */
    private void quitWatcher() {
        if (watcherPipe >= 0) {
            Memory line = new Memory(1);
            line.setByte(0, (byte) '\n');
            LibC.write(watcherPipe, line, 1);
            LibC.close(watcherPipe);
            watcherPipe = -1;
            waitStatus(watcher);
        }
    }

    /** Whether the process has exited, without reaping it; with {@code block}, waits until it has. */
    private boolean exited(boolean block) {
        Memory info = new Memory(SIGINFO_BYTES);
        while (true) {
            info.clear();
            int rc = LibC.waitid(LibC.P_PID, pid, info, LibC.WEXITED | LibC.WNOWAIT | (block ? 0 : LibC.WNOHANG));
            if (rc == 0 || Errno.last() != Errno.EINTR) {
                return rc != 0 || info.getInt(SIGINFO_PID) != 0;
            }
        }
    }

    /** Waits until the held shell has stopped itself; a shell that exits instead is an error. */
    private void awaitStop(String name) {
        Memory info = new Memory(SIGINFO_BYTES);
        long deadline = System.nanoTime() + HOLD_WAIT_NANOS;
        while (true) {
            info.clear();
            int rc = LibC.waitid(LibC.P_PID, pid, info, LibC.WSTOPPED | LibC.WEXITED | LibC.WNOHANG | LibC.WNOWAIT);
            if (rc != 0 && Errno.last() != Errno.EINTR) {
                throw new KernelException("cannot wait for the shell holding " + name + " (" + Errno.describe(Errno.last())
                        + "); please report this");
            }
            if (rc == 0 && info.getInt(SIGINFO_PID) == pid) {
                if (info.getInt(SIGINFO_CODE) == CLD_STOPPED) {
                    return;
                }
                throw new KernelException("the shell " + SHELL + " that holds " + name + " until the probes are attached"
                        + " exited with status " + waitFor() + " before holding it; check that " + SHELL + " works");
            }
            if (System.nanoTime() > deadline) {
                throw new KernelException("the shell " + SHELL + " that holds " + name + " did not stop itself within "
                        + HOLD_WAIT_NANOS / 1_000_000_000L + " s; check that " + SHELL + " is a POSIX shell");
            }
            LockSupport.parkNanos(100_000);
        }
    }

    /** Reaps {@code pid}; its exit status, or 128 + the signal that ended it. */
    private static int waitStatus(int pid) {
        Memory status = new Memory(4);
        while (LibC.waitpid(pid, status, 0) < 0) {
            if (Errno.last() != Errno.EINTR) {
                return -1;
            }
        }
        int s = status.getInt(0);
        return (s & 0x7f) == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f);
    }

    private static int[] pipe() {
        Memory fds = new Memory(8);
        if (LibC.pipe2(fds, LibC.O_CLOEXEC) != 0) {
            int errno = Errno.last();
            throw new KernelException("cannot create a pipe to hold the command (" + Errno.describe(errno) + ")"
                    + (errno == Errno.EMFILE ? ": raise `ulimit -n`" : ""));
        }
        return new int[] {fds.getInt(0), fds.getInt(4)};
    }

    /**
     * Spawns {@code argv} with {@code fd} as {@code target}, every other fd above 2 closed, no signal blocked,
     * the tracer's environment; with {@code quiet}, stdout and stderr on /dev/null. Returns its pid.
     */
    private static int spawn(List<String> argv, int fd, int target, boolean quiet, String name) {
        List<Integer> open = openDescriptors();
        Memory actions = new Memory(SPAWN_STRUCT_BYTES);
        Memory attributes = new Memory(SPAWN_STRUCT_BYTES);
        Memory noSignals = new Memory(SIGSET_BYTES);
        noSignals.clear();
        if (LibC.posix_spawn_file_actions_init(actions) != 0) {
            throw new KernelException("cannot prepare to start " + SHELL + " (posix_spawn_file_actions_init failed)");
        }
        try {
            if (LibC.posix_spawnattr_init(attributes) != 0) {
                throw new KernelException("cannot prepare to start " + SHELL + " (posix_spawnattr_init failed)");
            }
            try {
                boolean ready = LibC.posix_spawnattr_setsigmask(attributes, noSignals) == 0
                        && LibC.posix_spawnattr_setflags(attributes, (short) LibC.POSIX_SPAWN_SETSIGMASK) == 0
                        && LibC.posix_spawn_file_actions_adddup2(actions, fd, target) == 0;
                if (quiet) {
                    ready = ready && LibC.posix_spawn_file_actions_addopen(actions, 1, "/dev/null", O_WRONLY, 0) == 0
                            && LibC.posix_spawn_file_actions_addopen(actions, 2, "/dev/null", O_WRONLY, 0) == 0;
                }
                for (int other : open) {
                    ready = ready && (other <= 2 || other == target
                            || LibC.posix_spawn_file_actions_addclose(actions, other) == 0);
                }
                if (!ready) {
                    throw new KernelException("cannot prepare to start " + SHELL + " to run " + name
                            + " (posix_spawn attributes refused)");
                }
                Memory pid = new Memory(4);
                int rc = LibC.posix_spawn(pid, SHELL, actions, attributes, new StringArray(argv.toArray(new String[0])),
                        environment());
                if (rc != 0) {
                    throw new KernelException("cannot start " + SHELL + " to run " + name + " (" + Errno.describe(rc) + ")");
                }
                return pid.getInt(0);
            } finally {
                LibC.posix_spawnattr_destroy(attributes);
            }
        } finally {
            LibC.posix_spawn_file_actions_destroy(actions);
        }
    }

    /** The tracer's open fds: all but 0, 1, 2 and the one passed on are closed in the child. */
    private static List<Integer> openDescriptors() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            return fds.map(p -> Integer.parseInt(p.getFileName().toString())).toList();
        } catch (IOException e) {
            throw new KernelException("cannot list /proc/self/fd to start the command with no other open file ("
                    + FileProblem.reason(e) + ")" + FileProblem.fix(e, "is /proc mounted?", ""), e);
        }
    }

    private static Pointer environment() {
        List<String> entries = new ArrayList<>();
        for (Map.Entry<String, String> e : System.getenv().entrySet()) {
            entries.add(e.getKey() + "=" + e.getValue());
        }
        return new StringArray(entries.toArray(new String[0]));
    }
}
