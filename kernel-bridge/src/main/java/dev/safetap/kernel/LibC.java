package dev.safetap.kernel;

import com.sun.jna.Native;
import com.sun.jna.Pointer;

/**
 * Direct JNA bindings to the few libc calls the bridge needs. Errors are read with
 * {@link Native#getLastError()} right after a failing call (see {@link Errno}).
 * None of these is called per event: the ring buffers are read in place.
 */
public final class LibC {
    static {
        Native.register("c");
    }

    public static final long SYS_PERF_EVENT_OPEN = 298;
    public static final long SYS_BPF = 321;
    public static final int O_RDONLY = 0;
    public static final int O_CLOEXEC = 0x80000;
    public static final int PROT_READ = 1;
    public static final int PROT_WRITE = 2;
    public static final int MAP_SHARED = 1;
    public static final int POLLIN = 1;
    public static final int PR_SET_NAME = 15;
    public static final int RLIMIT_NOFILE = 7;
    public static final int SIGINT = 2;
    public static final int SIGKILL = 9;
    public static final int SIGTERM = 15;
    public static final int SIGCONT = 18;
    public static final int P_PID = 1;
    public static final int WNOHANG = 1;
    public static final int WSTOPPED = 2;
    public static final int WEXITED = 4;
    public static final int WNOWAIT = 0x01000000;
    public static final int POSIX_SPAWN_SETSIGMASK = 0x08;

    private LibC() {
    }

    public static native long syscall(long number, Pointer attr, int pid, int cpu, int groupFd, long flags);

    /** bpf(2): {@code syscall(SYS_BPF, command, attr, size)}. */
    public static native long syscall(long number, long command, Pointer attr, long size);

    public static native int ioctl(int fd, long request, Pointer argument);

    public static native Pointer mmap(Pointer address, long length, int protection, int flags, int fd, long offset);

    public static native int munmap(Pointer address, long length);

    public static native int poll(Pointer fds, long count, int timeoutMillis);

    public static native int open(String path, int flags, int mode);

    public static native long read(int fd, Pointer buffer, long count);

    public static native long write(int fd, Pointer buffer, long count);

    public static native int close(int fd);

    public static native int prctl(int option, Pointer argument2, long argument3, long argument4, long argument5);

    public static native int gettid();

    public static native int geteuid();

    public static native int getpagesize();

    public static native int mount(String source, String target, String type, long flags, Pointer data);

    public static native int mkfifo(String path, int mode);

    public static native int sched_setaffinity(int pid, long size, Pointer mask);

    public static native int getrlimit(int resource, Pointer limit);

    public static native int setrlimit(int resource, Pointer limit);

    public static native String strerror(int errno);

    public static native int pipe2(Pointer fds, int flags);

    public static native int waitpid(int pid, Pointer status, int options);

    public static native int waitid(int idType, int id, Pointer info, int options);

    public static native int kill(int pid, int signal);

    /** Sets the disposition of {@code signal}; a null handler is SIG_DFL. */
    public static native Pointer signal(int signal, Pointer handler);

    public static native int posix_spawn(Pointer pid, String path, Pointer fileActions, Pointer attributes,
                                         Pointer argv, Pointer environment);

    public static native int posix_spawn_file_actions_init(Pointer fileActions);

    public static native int posix_spawn_file_actions_destroy(Pointer fileActions);

    public static native int posix_spawn_file_actions_adddup2(Pointer fileActions, int fd, int newFd);

    public static native int posix_spawn_file_actions_addclose(Pointer fileActions, int fd);

    public static native int posix_spawnattr_init(Pointer attributes);

    public static native int posix_spawnattr_destroy(Pointer attributes);

    public static native int posix_spawnattr_setflags(Pointer attributes, short flags);

    public static native int posix_spawnattr_setsigmask(Pointer attributes, Pointer signalSet);

    public static native int posix_spawn_file_actions_addopen(Pointer fileActions, int fd, String path, int flags,
                                                              int mode);
}
