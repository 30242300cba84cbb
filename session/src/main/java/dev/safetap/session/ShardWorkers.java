package dev.safetap.session;

import com.sun.jna.Memory;
import dev.safetap.kernel.CommTable;
import dev.safetap.kernel.EventSink;
import dev.safetap.kernel.LibC;
import dev.safetap.kernel.Sample;
import dev.safetap.kernel.ShardRing;
import dev.safetap.kernel.TraceSession;
import dev.safetap.verifier.VerifiedProgram;
import dev.safetap.vm.EventContext;
import dev.safetap.vm.ProgramState;
import dev.safetap.vm.Tier;
import dev.safetap.vm.TierKind;
import dev.safetap.vm.VmOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The workers of a sharded run: each takes the shard rings of some CPUs ({@link TraceSession#shard}) and runs the
 * probes that may run in any order ({@code EventOrder}) on their samples, in place, with a tier and maps of its own.
 * What a worker aggregated is folded into the printed state ({@link #absorbInto}) before anything reads it: each
 * tick, END, the maps printed at exit. A worker delivers only up to {@link TraceSession#appliedUpTo()}, so every
 * sample names the thread it fired in as that thread was named then.
 *
 * <p>A worker holds its lock while it delivers a batch; absorbing takes every worker's lock in turn, so it sees
 * each worker between two batches. A worker that fails (a corrupt ring) stops, and the failure is thrown on the
 * run's thread at its next absorb or finish.
 */
final class ShardWorkers {
    /** Samples a worker delivers under its lock before it lets an absorb in. */
    private static final int BATCH = 4096;
    /** How long a worker whose rings hold samples not yet deliverable waits before it looks again, ms. */
    private static final int WAIT_MILLIS = 1;
    /** How long a worker with empty rings waits for a ring to fill to its wakeup mark before it looks again, ms. */
    private static final int IDLE_WAIT_MILLIS = 50;

    private final TraceSession session;
    private final boolean[] merged;
    private final List<Worker> workers = new ArrayList<>();

    /**
     * @param count    workers to start, at most one per ring
     * @param delivery which samples the script sees
     */
    ShardWorkers(VerifiedProgram verified, TraceSession session, int count, VmOptions options, SampleDelivery delivery) {
        this.session = session;
        int maps = verified.program().maps().size();
        this.merged = new boolean[maps];
        for (int m = 0; m < maps; m++) {
            merged[m] = verified.eventOrder().merged(m);
        }
        int n = Math.max(1, Math.min(count, session.shardCount()));
        for (int w = 0; w < n; w++) {
            List<ShardRing> rings = new ArrayList<>();
            for (int c = w; c < session.shardCount(); c += n) {
                rings.add(session.shard(c));
            }
            workers.add(new Worker(w, TierKind.INTERP.create(verified, options), rings, delivery));
        }
    }

    /** Number of worker threads. */
    int size() {
        return workers.size();
    }

    void start() {
        for (Worker w : workers) {
            w.start();
        }
    }

    /** Folds what every worker aggregated since the last absorb into {@code state}. */
    void absorbInto(ProgramState state) {
        for (Worker w : workers) {
            w.lock.lock();
            try {
                state.absorb(w.tier.state(), merged);
            } finally {
                w.lock.unlock();
            }
            w.rethrowFailure();
        }
    }

    /**
     * Once the session is finished (or at least disabled): delivers everything left in the rings, stops the workers
     * and waits for them; {@code run} false discards what is left instead of running it (after exit()).
     */
    void finish(boolean run) {
        for (Worker w : workers) {
            w.discard = !run;
            w.finishing = true;
        }
        join();
    }

    /** Stops the workers where they are, without delivering what is left; safe to call twice. */
    void stop() {
        for (Worker w : workers) {
            w.stopping = true;
        }
        join();
    }

    private void join() {
        for (Worker w : workers) {
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            w.rethrowFailure();
        }
    }

    private final class Worker extends Thread implements EventSink {
        final Tier tier;
        final ReentrantLock lock = new ReentrantLock();
        private final List<ShardRing> rings;
        private final Memory pollFds;
        private final EventContext ctx = new EventContext();
        private final CommTable.Reader comms = session.comms().reader();
        private final SampleDelivery delivery;
        volatile boolean finishing;
        volatile boolean discard;
        volatile boolean stopping;
        private volatile RuntimeException failure;

        Worker(int index, Tier tier, List<ShardRing> rings, SampleDelivery delivery) {
            super("safetap-worker-" + index);
            setDaemon(true);
            this.tier = tier;
            this.rings = rings;
            this.delivery = delivery;
            delivery.prepare(ctx);
            this.pollFds = new Memory(8L * rings.size());
            for (int i = 0; i < rings.size(); i++) {
                pollFds.setInt(8L * i, rings.get(i).pollFd());
                pollFds.setShort(8L * i + 4, (short) LibC.POLLIN);
                pollFds.setShort(8L * i + 6, (short) 0);
            }
        }

        @Override
        public void run() {
            try {
                while (!stopping) {
                    boolean last = finishing;
                    long watermark = last && discard ? Long.MAX_VALUE : session.appliedUpTo();
                    int delivered = 0;
                    lock.lock();
                    try {
                        for (ShardRing ring : rings) {
                            delivered += ring.deliver(watermark, this, BATCH);
                        }
                    } finally {
                        lock.unlock();
                    }
                    if (last && watermark == Long.MAX_VALUE && delivered == 0 && !anyData()) {
                        return;
                    }
                    if (delivered == 0 && (last || anyData())) {
                        // what is there waits for the session to apply the records before it (poll would not wait)
                        LockSupport.parkNanos(WAIT_MILLIS * 1_000_000L);
                    } else if (delivered == 0) {
                        LibC.poll(pollFds, rings.size(), IDLE_WAIT_MILLIS);
                    }
                }
            } catch (RuntimeException e) {
                failure = e;
            }
        }

        private boolean anyData() {
            for (ShardRing ring : rings) {
                if (ring.hasData()) {
                    return true;
                }
            }
            return false;
        }

        void rethrowFailure() {
            RuntimeException e = failure;
            if (e != null) {
                failure = null;
                throw e;
            }
        }

        @Override
        public void onSample(Sample sample) {
            if (!discard) {
                delivery.run(sample, ctx, comms, tier);
            }
        }
    }
}
