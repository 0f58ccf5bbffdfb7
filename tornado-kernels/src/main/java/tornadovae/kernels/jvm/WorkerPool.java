package tornadovae.kernels.jvm;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool for fork-join over numbered tasks, built for ~0.05–5 ms kernels: the caller
 * thread works too (so {@code threads} counts it), workers spin briefly after a job and then park,
 * and a call allocates nothing. Tasks are claimed dynamically and the caller never waits for a
 * worker that has not woken up yet, so a core stolen by another process slows a job down instead
 * of stalling it. Callers must make a task's result independent of which worker runs it: that is
 * what keeps results bit-identical across thread counts.
 *
 * One job at a time: {@link #forEach} is not reentrant and must be called from one thread at a time.
 */
public final class WorkerPool implements AutoCloseable {

    /** One numbered piece of a job; {@code worker} in [0, threads) indexes per-thread scratch. */
    @FunctionalInterface
    public interface Task {
        void run(int index, int worker);
    }

    // Spinning this long after a job keeps workers hot between the back-to-back ops of a training
    // step, without burning a core while the caller does longer serial work.
    private static final long SPIN_NANOS = 100_000;

    private final int threads;
    private final Thread[] workers;
    private final AtomicInteger sleepers = new AtomicInteger();
    // (generation << 32) | next index: a worker that wakes up late cannot claim a task of a newer job.
    private final AtomicLong claim = new AtomicLong();
    private final AtomicInteger done = new AtomicInteger();
    private volatile int generation;
    private volatile boolean closed;
    private volatile boolean callerSleeping;
    private volatile Thread caller;
    private static final Task IDLE = (index, worker) -> {};   // between jobs, not null: see ConvLowering.NO_ARRAY
    private volatile Task task = IDLE;
    private volatile int taskCount;
    private volatile Throwable failure;

    public WorkerPool(int threads) {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int w = 1; w < threads; w++) {
            final int id = w;
            Thread t = new Thread(() -> workerLoop(id), "tornadovae-jvm-" + w);
            t.setDaemon(true);
            workers[w - 1] = t;
            t.start();
        }
    }

    public int threads() { return threads; }

    /** Runs task(i, worker) for every i in [0, count) over all threads; returns when all are done. */
    public void forEach(int count, Task t) {
        if (count <= 0) return;
        if (threads == 1 || count == 1 || closed) {
            for (int i = 0; i < count; i++) t.run(i, 0);
            return;
        }
        int gen = generation + 1;
        // Retire the previous job's claims FIRST: a worker late in drain() may still hold that job's
        // claim value (all indices taken); if taskCount grew before the claim moved on, its CAS would
        // succeed, run an index past the old job on the new task and bump `done` once too often,
        // and the caller then waited forever (seen as a hang in a JMH run of the conv VAE).
        claim.set((long) gen << 32);
        task = t;
        taskCount = count;
        failure = null;
        caller = Thread.currentThread();
        done.set(0);
        generation = gen;                   // volatile write: publishes the job
        if (sleepers.get() > 0) for (Thread w : workers) LockSupport.unpark(w);
        try {
            drain(gen, 0);
        } finally {
            awaitDone(count);
            task = IDLE;
        }
        Throwable f = failure;
        if (f != null) {
            failure = null;
            if (f instanceof RuntimeException re) throw re;
            if (f instanceof Error e) throw e;
            throw new RuntimeException(f);
        }
    }

    private void drain(int gen, int worker) {
        while (true) {
            long v = claim.get();
            if ((int) (v >>> 32) != gen) return;
            int i = (int) v;
            if (i >= taskCount) return;
            if (!claim.compareAndSet(v, v + 1)) continue;
            try {
                task.run(i, worker);
            } catch (Throwable e) {
                failure = e;
            } finally {
                done.incrementAndGet();
            }
        }
    }

    private void awaitDone(int count) {
        long start = System.nanoTime();
        int spins = 0;
        while (done.get() != count) {
            if (++spins < 1024 || System.nanoTime() - start < SPIN_NANOS) {
                Thread.onSpinWait();
            } else {
                callerSleeping = true;
                if (done.get() != count) LockSupport.parkNanos(this, 100_000);
                callerSleeping = false;
            }
        }
    }

    private void workerLoop(int id) {
        int seen = 0;
        while (true) {
            long start = System.nanoTime();
            int spins = 0;
            while (generation == seen && !closed) {
                if (++spins < 1024 || System.nanoTime() - start < SPIN_NANOS) {
                    Thread.onSpinWait();
                } else {
                    sleepers.incrementAndGet();
                    if (generation == seen && !closed) LockSupport.park(this);
                    sleepers.decrementAndGet();
                }
            }
            if (closed) return;
            seen = generation;
            drain(seen, id);
            if (callerSleeping) LockSupport.unpark(caller);
        }
    }

    /** Stops the worker threads; afterwards every job runs on the calling thread alone. */
    @Override
    public void close() {
        closed = true;
        for (Thread t : workers) LockSupport.unpark(t);
    }
}
