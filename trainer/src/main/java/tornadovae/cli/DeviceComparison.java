package tornadovae.cli;

import java.util.Arrays;
import tornadovae.engine.Noise;
import tornadovae.engine.VaeSession;
import tornadovae.kernels.plan.Backend;
import tornadovae.kernels.plan.OpProfile;
import tornadovae.kernels.plan.PlanStats;
import tornadovae.kernels.plan.StepPlan;
import tornadovae.kernels.plan.StepStats;
import tornadovae.model.Optimizer;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/**
 * Runs the same training steps (same initial parameters, batches and noise, from one seed) on
 * one backend and measures them: {@code warmup} untimed steps (TornadoVM compiles its kernels in
 * the first), then {@code steps} timed ones. Every backend sees bit-identical inputs, so the
 * losses of every step can be compared with the JVM backend's. With profiling on, as many steps again
 * run after the timed ones with the backend timing each op: the timers then cannot slow the timed steps.
 */
public final class DeviceComparison {

    /** Per-op times over the profiled steps, and those steps' mean wall time (ops plus the host's work between them). */
    public record Profile(OpProfile ops, int steps, double msPerStep) {}

    /**
     * One backend's numbers. losses holds the mean loss per image of every step, warm-up included
     * (not the profiled steps); profile is null unless profiling was asked for and the backend can time its ops.
     */
    public record Result(String backend, String device, double medianMs, double imagesPerSecond, double gflops,
                         StepStats stats, double setupSeconds, double[] losses, Profile profile) {
        public double finalLoss() { return losses[losses.length - 1]; }

        /** Largest |loss − reference loss| / |reference loss| over all steps. */
        public double maxRelativeDifference(Result reference) {
            double max = 0;
            for (int i = 0; i < losses.length; i++)
                max = Math.max(max, Math.abs(losses[i] - reference.losses[i]) / Math.max(1e-12, Math.abs(reference.losses[i])));
            return max;
        }
    }

    private final VaeSpec spec;
    private final int batch, warmup, steps;
    private final long seed;
    private final boolean profile;
    private final float[] images;
    private final int imageCount;

    /** @param images [n][D] in [0,1], n ≥ batch; batches are taken in order, cycling */
    public DeviceComparison(VaeSpec spec, float[] images, int batch, int warmup, int steps, long seed) {
        this(spec, images, batch, warmup, steps, seed, false);
    }

    /** @param profile also run {@code steps} profiled steps after the timed ones (see {@link Result#profile()}) */
    public DeviceComparison(VaeSpec spec, float[] images, int batch, int warmup, int steps, long seed, boolean profile) {
        if (steps < 1) throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        if (warmup < 0) throw new IllegalArgumentException("--warmup must not be negative, got " + warmup);
        if (batch < 1) throw new IllegalArgumentException("--batch-size must be at least 1, got " + batch);
        int d = spec.input().size();
        if (images.length % d != 0 || images.length / d < batch)
            throw new IllegalArgumentException("the benchmark data holds fewer than --batch-size " + batch + " images");
        this.spec = spec;
        this.images = images;
        this.imageCount = images.length / d;
        this.batch = batch;
        this.warmup = warmup;
        this.steps = steps;
        this.seed = seed;
        this.profile = profile;
    }

    /** MNIST-like images: 80% black pixels, the rest uniform in [0,1), from the seed. */
    public static float[] syntheticImages(int count, int dim, long seed) {
        java.util.Random r = new java.util.Random(seed);
        float[] x = new float[count * dim];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() < 0.8f ? 0f : r.nextFloat();
        return x;
    }

    /** Runs and measures the steps on a backend, which this closes. */
    public Result run(Backend backend, String backendName, String device) {
        Vae vae = spec.build();
        Optimizer opt = Optimizer.adam();
        try (VaeSession session = new VaeSession(vae, backend, opt, new int[]{batch}, new int[0], new int[0])) {
            long t0 = System.nanoTime();
            vae.initParams(session.workspace().params(), seed);
            session.prepare();
            Noise noise = new Noise(seed + 1);
            int batchesInData = imageCount / batch;
            double[] losses = new double[warmup + steps];
            double[] ms = new double[steps];
            double setup = (System.nanoTime() - t0) / 1e9; // prepare and the warm-up steps (TornadoVM compiles here)
            for (int s = 0; s < warmup + steps; s++) {
                int from = (s % batchesInData) * batch;
                long start = System.nanoTime();
                VaeSession.Losses l = session.trainStep(images, null, from, batch, 1e-3f, 1f, noise);
                long end = System.nanoTime();
                if (s >= warmup) ms[s - warmup] = (end - start) / 1e6;
                losses[s] = l.total(1) / batch;
                if (s == warmup - 1) setup = (end - t0) / 1e9;
            }
            double median = median(ms);
            StepPlan plan = vae.trainPlan(batch, opt);
            StepStats stats = backend.stats(plan);
            Profile prof = null;
            OpProfile ops = new OpProfile();
            if (profile && backend.profile(ops)) {
                long start = System.nanoTime();
                for (int s = warmup + steps; s < warmup + 2 * steps; s++)
                    session.trainStep(images, null, (s % batchesInData) * batch, batch, 1e-3f, 1f, noise);
                prof = new Profile(ops, steps, (System.nanoTime() - start) / 1e6 / steps);
                backend.profile(null);
            }
            return new Result(backendName, device, median, batch / (median / 1e3),
                    PlanStats.flops(plan) / (median / 1e3) / 1e9, stats, setup, losses, prof);
        }
    }

    static double median(double[] values) {
        double[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }

    /** Floating-point operations of one training step. */
    public long flopsPerStep() {
        return PlanStats.flops(spec.build().trainPlan(batch, Optimizer.adam()));
    }
}
