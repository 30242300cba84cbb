package dev.safetap.kernel;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * A command for {@code -c CMD}, started but held before it executes: {@code /bin/sh} waits on a FIFO in a
 * private directory, then {@code exec}s the command, so its pid is known (and can be traced) before the
 * command runs a single instruction. Its stdin, stdout and stderr are the tracer's.
 */
public final class HeldCommand implements AutoCloseable {
    private static final String HOLD = "read _ < \"$SAFETAP_HOLD\"; unset SAFETAP_HOLD; exec \"$@\"";

    private final Process process;
    private final Path directory;
    private final Path fifo;
    private RandomAccessFile gate;

    private HeldCommand(Process process, Path directory, Path fifo) {
        this.process = process;
        this.directory = directory;
        this.fifo = fifo;
    }

    public static HeldCommand start(List<String> argv) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("the command to run is empty");
        }
        Path directory;
        try {
            directory = Files.createTempDirectory("safetap-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new KernelException("cannot create a private directory for holding the command ("
                    + e.getMessage() + "); check that " + System.getProperty("java.io.tmpdir") + " is writable", e);
        }
        Path fifo = directory.resolve("hold");
        if (LibC.mkfifo(fifo.toString(), 0600) != 0) {
            int errno = Errno.last();
            deleteQuietly(fifo, directory);
            throw new KernelException("cannot create the FIFO " + fifo + " (" + Errno.describe(errno)
                    + "); check that " + directory.getParent() + " is a local writable file system");
        }
        List<String> command = new ArrayList<>(List.of("/bin/sh", "-c", HOLD, "sh"));
        command.addAll(argv);
        ProcessBuilder builder = new ProcessBuilder(command).inheritIO();
        builder.environment().put("SAFETAP_HOLD", fifo.toString());
        try {
            return new HeldCommand(builder.start(), directory, fifo);
        } catch (IOException e) {
            deleteQuietly(fifo, directory);
            throw new KernelException("cannot start /bin/sh to run " + argv.get(0) + " (" + e.getMessage() + ")", e);
        }
    }

    /** The process id; after release it is the pid of the command itself (sh execs it). */
    public int pid() {
        return (int) process.pid();
    }

    /** Lets the command run. */
    public void release() {
        if (gate != null) {
            return;
        }
        try {
            gate = new RandomAccessFile(fifo.toFile(), "rw");
            gate.write('\n');
        } catch (IOException e) {
            throw new KernelException("cannot release the held command through " + fifo + " (" + e.getMessage()
                    + ")", e);
        }
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the command to exit and returns its exit status; cleans up the FIFO. */
    public int waitFor() {
        boolean interrupted = false;
        int status;
        while (true) {
            try {
                status = process.waitFor();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        close();
        return status;
    }

    /** Removes the FIFO and its directory; the command, if still held, then waits forever: kill it first. */
    @Override
    public void close() {
        if (gate != null) {
            try {
                gate.close();
            } catch (IOException e) {
                throw new KernelException("cannot close the FIFO " + fifo + " (" + e.getMessage() + ")", e);
            }
        }
        deleteQuietly(fifo, directory);
    }

    /** Kills the command (SIGKILL) and cleans up. */
    public void kill() {
        process.destroyForcibly();
        waitFor();
    }

    private static void deleteQuietly(Path fifo, Path directory) {
        try {
            Files.deleteIfExists(fifo);
            Files.deleteIfExists(directory);
        } catch (IOException e) {
            throw new KernelException("cannot remove " + directory + " (" + e.getMessage() + ")", e);
        }
    }
}
