package dev.safetap.kernel;

import com.sun.jna.Native;

/**
 * errno values the bridge reacts to, and their symbolic names for messages.
 */
final class Errno {
    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int ESRCH = 3;
    static final int EINTR = 4;
    static final int ENOMEM = 12;
    static final int EACCES = 13;
    static final int ENODEV = 19;
    static final int EINVAL = 22;
    static final int ENFILE = 23;
    static final int EMFILE = 24;
    static final int EPIPE = 32;
    static final int ENOSYS = 38;
    static final int EOPNOTSUPP = 95;

    private static final String[] NAMES = new String[134];

    static {
        String[] known = {"EPERM", "ENOENT", "ESRCH", "EINTR", "EIO", "ENXIO", "E2BIG", "ENOEXEC", "EBADF",
            "ECHILD", "EAGAIN", "ENOMEM", "EACCES", "EFAULT", "ENOTBLK", "EBUSY", "EEXIST", "EXDEV", "ENODEV",
            "ENOTDIR", "EISDIR", "EINVAL", "ENFILE", "EMFILE", "ENOTTY", "ETXTBSY", "EFBIG", "ENOSPC", "ESPIPE",
            "EROFS", "EMLINK", "EPIPE"};
        for (int i = 0; i < known.length; i++) {
            NAMES[i + 1] = known[i];
        }
        NAMES[ENOSYS] = "ENOSYS";
        NAMES[EOPNOTSUPP] = "EOPNOTSUPP";
    }

    private Errno() {
    }

    /** The errno of the last failing libc call on this thread. */
    static int last() {
        return Native.getLastError();
    }

    /** "EACCES: Permission denied". */
    static String describe(int errno) {
        String name = errno > 0 && errno < NAMES.length && NAMES[errno] != null ? NAMES[errno] : "errno " + errno;
        return name + ": " + LibC.strerror(errno);
    }
}
