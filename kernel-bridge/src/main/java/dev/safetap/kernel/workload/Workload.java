package dev.safetap.kernel.workload;

import com.sun.jna.Memory;
import dev.safetap.kernel.LibC;
import java.util.concurrent.CountDownLatch;

/**
 * A workload whose numbers are known exactly: one thread, named with prctl(PR_SET_NAME), issues exactly
 * {@code count} read(2) calls of {@code size} bytes on /dev/zero and no other read. The thread is prepared
 * (named, pinned, tid known) before it is started, so a tracer can be attached to it first.
 *
 * <p>Command line: {@code Workload COUNT SIZE NAME [CPU]} runs it and prints the thread id.
 */
public final class Workload {
    private final Thread thread;
    private final CountDownLatch ready = new CountDownLatch(1);
    private final CountDownLatch go = new CountDownLatch(1);
    private volatile int tid;
    private volatile RuntimeException failure;

    private Workload(String name, int count, int size, int cpu) {
        thread = new Thread(() -> body(name, count, size, cpu), name);
        thread.setDaemon(true);
    }

    /**
     * Creates the thread and waits until it is named (and pinned when {@code cpu >= 0}); it reads nothing
     * before {@link #start()}.
     */
    public static Workload prepare(String name, int count, int size, int cpu) {
        if (name.getBytes().length > 15 || count < 0 || size < 1) {
            throw new IllegalArgumentException("need a name of at most 15 bytes, count >= 0 and size >= 1");
        }
        warmUp(size);
        Workload workload = new Workload(name, count, size, cpu);
        workload.thread.start();
        awaitUninterruptibly(workload.ready);
        workload.check();
        return workload;
    }

    /** Prepares, starts and joins a workload; returns its thread id. */
    public static int run(String name, int count, int size, int cpu) {
        Workload workload = prepare(name, count, size, cpu);
        workload.start();
        workload.join();
        return workload.tid();
    }

    public int tid() {
        return tid;
    }

    public void start() {
        go.countDown();
    }

    public boolean isDone() {
        return !thread.isAlive();
    }

    /** Waits for the reads to finish; throws if a read failed. */
    public void join() {
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        check();
    }

    private void body(String name, int count, int size, int cpu) {
        try {
            Memory comm = new Memory(16);
            comm.clear();
            comm.setString(0, name, "UTF-8");
            if (LibC.prctl(LibC.PR_SET_NAME, comm, 0, 0, 0) != 0) {
                throw new IllegalStateException("prctl(PR_SET_NAME) failed");
            }
            if (cpu >= 0) {
                Memory mask = new Memory(128);
                mask.clear();
                mask.setByte(cpu / 8, (byte) (1 << (cpu % 8)));
                if (LibC.sched_setaffinity(0, 128, mask) != 0) {
                    throw new IllegalStateException("cannot pin the workload to cpu " + cpu);
                }
            }
            Memory buffer = new Memory(size);
            tid = LibC.gettid();
            ready.countDown();
            awaitUninterruptibly(go);
            readZero(buffer, count, size);
        } catch (RuntimeException e) {
            failure = e;
            ready.countDown();
        }
    }

    /** Loads every class and native binding the reading thread uses, so that it loads none itself. */
    private static void warmUp(int size) {
        readZero(new Memory(size), 1, size);
        new IllegalStateException("warm-up").getMessage();
    }

    private static void readZero(Memory buffer, int count, int size) {
        int fd = LibC.open("/dev/zero", LibC.O_RDONLY | LibC.O_CLOEXEC, 0);
        if (fd < 0) {
            throw new IllegalStateException("cannot open /dev/zero");
        }
        try {
            for (int i = 0; i < count; i++) {
                if (LibC.read(fd, buffer, size) != size) {
                    throw new IllegalStateException("short read from /dev/zero");
                }
            }
        } finally {
            LibC.close(fd);
        }
    }

    private void check() {
        if (failure != null) {
            throw failure;
        }
    }

    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (latch.getCount() > 0) {
            try {
                latch.await();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    public static void main(String[] args) {
        if (args.length < 3 || args.length > 4) {
            System.err.println("usage: Workload COUNT SIZE NAME [CPU]");
            System.exit(2);
        }
        int tid = run(args[2], Integer.parseInt(args[0]), Integer.parseInt(args[1]),
                args.length == 4 ? Integer.parseInt(args[3]) : -1);
        System.out.println(tid);
    }
}
