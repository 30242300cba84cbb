package dev.safetap.kernel;

import com.sun.jna.Memory;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;

/**
 * What to do when a file of /proc, /sys or tracefs cannot be read, by the cause: a missing file means the file
 * system is not mounted, a refusal means permissions, and running out of file descriptors means
 * {@code ulimit -n}, whatever the file.
 */
final class FileProblem {
    private FileProblem() {
    }

    /**
     * The advice for {@code e}, starting with "; ": the fd limit when the process or the system is out of file
     * descriptors, {@code ifMissing} for a missing file, {@code ifDenied} for a refusal; "" when none applies.
     */
    static String fix(IOException e, String ifMissing, String ifDenied) {
        String reason = reason(e);
        if (LibC.strerror(Errno.EMFILE).equals(reason)) {
            return "; safetap ran out of file descriptors: raise `ulimit -n` (now " + openFileLimit() + ")";
        }
        if (LibC.strerror(Errno.ENFILE).equals(reason)) {
            return "; the system-wide file table is full: raise fs.file-max or close files";
        }
        String advice = e instanceof NoSuchFileException ? ifMissing : e instanceof AccessDeniedException ? ifDenied : "";
        return advice.isEmpty() ? "" : "; " + advice;
    }

    /** Why {@code e} happened, without the file name ("Permission denied"). */
    static String reason(IOException e) {
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason();
        }
        if (e instanceof NoSuchFileException) {
            return LibC.strerror(Errno.ENOENT);
        }
        if (e instanceof AccessDeniedException) {
            return LibC.strerror(Errno.EACCES);
        }
        return e.getMessage();
    }

    /** The soft limit on open files ({@code ulimit -n}), or -1 if it cannot be read. */
    static long openFileLimit() {
        Memory limit = new Memory(16);
        return LibC.getrlimit(LibC.RLIMIT_NOFILE, limit) == 0 ? limit.getLong(0) : -1;
    }
}
