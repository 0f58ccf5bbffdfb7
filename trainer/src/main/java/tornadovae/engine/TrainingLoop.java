package tornadovae.engine;

import java.io.IOException;

/**
 * The epochs of a training run: shuffle, one Adam step per batch with the KL weight of the schedule, a stop on a
 * non-finite loss, then the held-out loss and the z = mu reconstruction metrics. It is the one copy of the training
 * logic: {@code vae train} (the trainer package's {@code Trainer}, which adds the run folder, pictures and resume
 * checkpoints through a {@link Listener}) and the library's {@code VaeTrainer} (package api) both run it.
 *
 * <p>Random streams: {@code new Noise(seed)} for the batch order and the reparameterisation noise (saved and restored
 * by a resumed run), {@code seed + 1} for the held-out loss, so that how often one evaluates never changes training.
 */
public final class TrainingLoop {
    private TrainingLoop() {}

    /** The factor in [0, 1] that multiplies β at a step (KL warm-up or cyclical annealing; 1 for none). */
    public interface KlWeight {
        double factor(long step, int stepsPerEpoch, long totalSteps);

        /**
         * A linear warm-up from 0 to 1 over the first {@code warmupEpochs} epochs, or {@code cycles} cycles of
         * annealing over the run, each ramping from 0 to 1 over its first half and holding 1 for the second (Fu et
         * al., 2019); 1 throughout when both are 0. One of them at most is non-zero.
         */
        static double schedule(int warmupEpochs, int cycles, long step, int stepsPerEpoch, long totalSteps) {
            if (warmupEpochs > 0) return Math.min(1.0, step / ((double) warmupEpochs * stepsPerEpoch));
            if (cycles > 0) {
                double cycle = (double) totalSteps / cycles;
                double tau = (step % cycle) / cycle;
                return Math.min(1.0, tau / 0.5);
            }
            return 1.0;
        }
    }

    /** Training rows by index: the loop asks for one batch at a time, in its shuffled order. */
    public interface Rows {
        int count();

        /** Copies rows order[from..from+n) into dst, one row after another. */
        void copy(int[] order, int from, int n, float[] dst);

        /**
         * One training step on rows order[from..from+n): copies them into {@code batch} and steps. Images override it
         * to convert and augment their pixels inside the session (drawing from {@code noise}).
         */
        default VaeSession.Losses step(VaeSession session, int[] order, int from, int n, float lr, float klWeight, Noise noise,
                                       float[] batch) {
            copy(order, from, n, batch);
            return session.trainStep(batch, null, 0, n, lr, klWeight, noise);
        }

        /** A data set's images, turned into floats (and flipped or cropped as {@code aug} says) batch by batch. */
        static Rows of(tornadovae.io.data.Images images, Augmentation aug) {
            return new Rows() {
                public int count() { return images.count(); }
                public void copy(int[] order, int from, int n, float[] dst) {
                    for (int i = 0; i < n; i++) images.copyTo(order[from + i], dst, i * images.dim());
                }
                @Override public VaeSession.Losses step(VaeSession session, int[] order, int from, int n, float lr, float klWeight,
                                                         Noise noise, float[] batch) {
                    return session.trainStep(images, order, from, n, lr, klWeight, noise, aug);
                }
            };
        }

        /** Rows held in one flat array, [count][dim]. */
        static Rows of(float[] data, int count, int dim) {
            return new Rows() {
                public int count() { return count; }
                public void copy(int[] order, int from, int n, float[] dst) {
                    for (int i = 0; i < n; i++) System.arraycopy(data, order[from + i] * dim, dst, i * dim, dim);
                }
            };
        }
    }

    /** What to run: the numbers of the training options that the loop itself reads. */
    public record Settings(int epochs, int batchSize, float lr, float beta, KlWeight kl, long seed, boolean quiet) {}

    /**
     * Where the run starts: {@link #FRESH}, or a resumed run's epoch and batch with the random stream at the start of
     * that epoch, the stream at that batch (null at an epoch's start) and the epoch's loss sums so far.
     */
    public record Start(int epoch, int batch, byte[] epochRng, byte[] rng, double reconSum, double klSum) {
        public static final Start FRESH = new Start(1, 0, null, null, 0, 0);
    }

    /**
     * One finished epoch: loss sums over the training rows (with the sampled z of training), the held-out split's
     * losses (null when there is none), its reconstruction metrics at z = mu, and its [mu | logvar] codes.
     */
    public record Epoch(int epoch, long step, double trainRecon, double trainKl, int trainCount, VaeSession.Losses test,
                        ReconMetrics testMetrics, float[] testCodes, float gradNorm, double seconds, double loadSeconds) {}

    /** What a caller adds around the steps: checkpoints, logging, early stopping. */
    public interface Listener {
        /** Called before each training step (tests poison the parameters here). */
        default void beforeStep(VaeSession session) {}

        /**
         * Called after each training step, batch {@code batch} (0-based) of {@code steps}, with the stream at the
         * start of the epoch, the stream now, and the epoch's loss sums so far.
         */
        default void afterStep(VaeSession session, int epoch, int batch, int steps, byte[] epochRng, Noise noise,
                               double reconSum, double klSum) throws IOException {}

        /** Called after each epoch with the training stream; false stops the run after this epoch. */
        boolean afterEpoch(VaeSession session, Epoch e, Noise noise) throws IOException;

        /** The exception to throw when the loss or the gradient norm stops being finite. */
        RuntimeException diverged(int epoch, long step, String what);
    }

    /**
     * Trains {@code session} (parameters set, plans prepared) on {@code train} for the settings' epochs, or until the
     * listener says stop; evaluates on test[0..testCount) ([testCount][dim], testCount 0 for none) after each epoch.
     * Returns the number of the last epoch run.
     */
    public static int run(VaeSession session, Rows train, float[] test, int testCount, Settings s, Start start,
                          Listener listener) throws IOException {
        int dim = session.vae().inputDim();
        return run(session, train, testCount > 0 ? tornadovae.io.data.Images.ofFloats(test, testCount, 1, 1, dim) : null,
                s, start, listener);
    }

    /** {@link #run(VaeSession, Rows, float[], int, Settings, Start, Listener)} with the held-out images as {@code Images} (null for none). */
    public static int run(VaeSession session, Rows train, tornadovae.io.data.Images test, Settings s, Start start,
                          Listener listener) throws IOException {
        int testCount = test == null ? 0 : test.count();
        int dim = session.vae().inputDim(), latent = session.vae().latent(), b = s.batchSize(), count = train.count();
        if (test != null && test.dim() != dim)
            throw new IllegalArgumentException("test images have " + test.dim() + " values, the model takes " + dim);
        Noise noise = new Noise(s.seed());
        if (start.epochRng() != null) noise.restoreState(start.epochRng());
        int[] order = new int[count];
        float[] batch = new float[Math.min(b, count) * dim];
        int steps = (count + b - 1) / b;
        long totalSteps = (long) steps * s.epochs();
        for (int epoch = start.epoch(); epoch <= s.epochs(); epoch++) {
            byte[] epochRng = noise.saveState();
            shuffle(order, noise);
            double recon = 0, kl = 0;
            int firstBatch = 0;
            if (epoch == start.epoch() && start.batch() > 0) {
                noise.restoreState(start.rng());
                firstBatch = start.batch();
                recon = start.reconSum();
                kl = start.klSum();
            }
            long t0 = System.nanoTime(), load0 = session.loadNanos();
            try (Progress progress = Progress.start("epoch " + epoch + "/" + s.epochs(), steps, firstBatch, s.quiet())) {
                for (int step = firstBatch; step < steps; step++) {
                    int from = step * b, n = Math.min(b, count - from);
                    listener.beforeStep(session);
                    float klWeight = (float) (s.beta() * s.kl().factor(session.step(), steps, totalSteps));
                    VaeSession.Losses l = train.step(session, order, from, n, s.lr(), klWeight, noise, batch);
                    if (!Double.isFinite(l.recon()) || !Double.isFinite(l.kl()) || !Float.isFinite(session.lastGradNorm()))
                        throw listener.diverged(epoch, session.step(), "the loss became " + (Double.isFinite(l.recon() + l.kl())
                                ? "finite but the gradient norm is " + session.lastGradNorm() : l.recon() + l.kl()));
                    recon += l.recon();
                    kl += l.kl();
                    progress.step(String.format("loss %.2f", l.total(s.beta()) / n));
                    listener.afterStep(session, epoch, step, steps, epochRng, noise, recon, kl);
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9, loading = (session.loadNanos() - load0) / 1e9;
            VaeSession.Losses t = null;
            ReconMetrics rm = ReconMetrics.NONE;
            float[] codes = new float[testCount * 2 * latent];
            if (testCount > 0) {
                t = session.evaluate(test, testCount, b, new Noise(s.seed() + 1), codes);
                // loss-independent numbers (z = mu), so runs with different losses or β compare on one scale
                rm = ReconMetrics.run(session, test, testCount, b);
            }
            Epoch e = new Epoch(epoch, session.step(), recon, kl, count, t, rm, codes, session.lastGradNorm(), seconds, loading);
            if (!listener.afterEpoch(session, e, noise)) return epoch;
        }
        return s.epochs();
    }

    /**
     * A fresh permutation, a function of the RNG state alone. Kept out of {@link #run}: its 60,000 back-edges an
     * epoch would make the JIT compile the whole loop method on stack, training step inlined, which cost ~1.2 s of
     * C2 time on a 2-core machine in the middle of a run.
     */
    private static void shuffle(int[] order, Noise noise) {
        for (int i = 0; i < order.length; i++) order[i] = i;
        noise.shuffle(order);
    }
}
