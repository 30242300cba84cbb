package dev.safetap.kernel;

import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import com.sun.jna.StringArray;

/**
 * Closes perf event fds without making the tracer wait for the kernel's tracepoint unregistration.
 *
 * <p><b>Why.</b> When the last reference to a tracepoint's perf event goes away, the kernel unregisters the
 * probe and waits for an RCU grace period ({@code tracepoint_synchronize_unregister}) under its global
 * {@code event_mutex}: about 33 ms per tracepoint here, 12 s for the 361 {@code sys_enter_*} tracepoints.
 * The waits are serialised by the mutex, so closing from several threads does not help (measured), and
 * disabling the events first does not shorten them either (disable leaves the probe registered; measured).
 *
 * <p><b>How.</b> The caller disables its events (so they cost the traced system nothing from then on), then
 * this class spawns {@code /bin/sh -c 'read _'} with {@code posix_spawn}, which inherits every fd (a
 * {@code dup2} of an fd onto itself clears its close-on-exec flag in the child only) and blocks reading a
 * pipe. The tracer then closes its own copies, which only drops references, closes the pipe's write end and
 * returns; the child reads end-of-file and exits, and its exit performs the slow release. A daemon thread
 * reaps it. If the tracer is killed at any point, the pipe closes with it, so the child exits too: nothing
 * stays behind longer than the kernel's own release takes. If the child cannot be spawned, the fds are
 * closed in place (slow but correct).
 */
final class DeferredRelease {
    private static final String SHELL = "/bin/sh";
    private static final int O_WRONLY = 1;
    private static final int FILE_ACTIONS_BYTES = 256;

    private DeferredRelease() {
    }

    /** Closes every fd {@code >= 0} of the arrays; the kernel's unregistration runs in a child's exit. */
    static void close(int[]... fdLists) {
        Memory pipe = new Memory(8);
        int child = -1;
        if (LibC.pipe2(pipe, LibC.O_CLOEXEC) == 0) {
            int readEnd = pipe.getInt(0);
            int writeEnd = pipe.getInt(4);
            child = spawnHolder(readEnd, fdLists);
            LibC.close(readEnd);
            closeAll(fdLists);
            LibC.close(writeEnd);
        } else {
            closeAll(fdLists);
        }
        if (child > 0) {
            int pid = child;
            Thread reaper = new Thread(() -> LibC.waitpid(pid, null, 0), "safetap-release-" + pid);
            reaper.setDaemon(true);
            reaper.start();
        }
    }

    /** Spawns the holder with stdin on {@code readEnd}, stdout and stderr on /dev/null; its pid or -1. */
    private static int spawnHolder(int readEnd, int[][] fdLists) {
        Memory actions = new Memory(FILE_ACTIONS_BYTES);
        if (LibC.posix_spawn_file_actions_init(actions) != 0) {
            return -1;
        }
        try {
            boolean ready = LibC.posix_spawn_file_actions_adddup2(actions, readEnd, 0) == 0
                    && LibC.posix_spawn_file_actions_addopen(actions, 1, "/dev/null", O_WRONLY, 0) == 0
                    && LibC.posix_spawn_file_actions_addopen(actions, 2, "/dev/null", O_WRONLY, 0) == 0;
            for (int[] fds : fdLists) {
                for (int fd : fds) {
                    ready = ready && (fd < 0 || LibC.posix_spawn_file_actions_adddup2(actions, fd, fd) == 0);
                }
            }
            if (!ready) {
                return -1;
            }
            Memory pid = new Memory(4);
            Pointer argv = new StringArray(new String[] {SHELL, "-c", "read _"});
            Pointer environment = new StringArray(new String[0]);
            return LibC.posix_spawn(pid, SHELL, actions, null, argv, environment) == 0 ? pid.getInt(0) : -1;
        } finally {
            LibC.posix_spawn_file_actions_destroy(actions);
        }
    }

    private static void closeAll(int[][] fdLists) {
        for (int[] fds : fdLists) {
            for (int fd : fds) {
                if (fd >= 0) {
                    LibC.close(fd);
                }
            }
        }
    }
}
