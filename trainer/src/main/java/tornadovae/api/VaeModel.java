package tornadovae.api;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import tornadovae.engine.AnomalyScore;
import tornadovae.engine.Checkpoints;
import tornadovae.engine.Noise;
import tornadovae.engine.Scaler;
import tornadovae.io.DataFormatException;
import tornadovae.engine.VaeSession;
import tornadovae.kernels.jvm.JvmKernels;
import tornadovae.kernels.plan.Backend;
import tornadovae.kernels.plan.HostBackend;
import tornadovae.model.Optimizer;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/**
 * A trained VAE for use inside a JVM program: encode, decode, sample, reconstruct and score inputs.
 *
 * <p>Thread-safe: any number of threads may call any method at once. Each call borrows a worker (its own
 * workspace, plans and single-threaded JVM kernels, with a private copy of the parameters) from a small pool
 * and gives it back; no mutable state is shared between callers. Results do not depend on which worker ran
 * a call or how many run at once.
 *
 * <p>Needs no TornadoVM and no native code. With {@code --add-modules jdk.incubator.vector} on the JVM's
 * command line it uses the Vector API kernels; without it, the plain reference loops (slower; the same
 * results up to float rounding).
 *
 * <p>Images are flat float arrays of {@link #inputSize()} values (channels × height × width, row-major) with
 * pixels in [0, 1]; latent codes are arrays of {@link #latentSize()} values. Wrong sizes, non-finite values and
 * pixels outside [0, 1] are refused with an {@link IllegalArgumentException} that says which input and why.
 */
public final class VaeModel implements AutoCloseable {
    /** The encoder's Gaussian q(z|x) = N(mu, exp(logvar)) for one input. */
    public record Encoding(float[] mu, float[] logvar) {}

    /** Inputs are run in batches of this many (a last, smaller batch, or a single input, is padded with zeros). */
    static final int CHUNK = 16;

    /**
     * One input's encoding at z = mu ({@code mu}, {@code logvar}), its anomaly score ({@link #anomalyScore(float[])}),
     * its reconstruction loss as training measures it (e.g. the sum of squared errors for mse) and its KL divergence
     * from the prior; score = recon / β + kl.
     */
    public record Score(float[] mu, float[] logvar, double score, double recon, double kl) {
        /** Equal when every number is: the encodings by their contents, not as array references. */
        @Override public boolean equals(Object o) {
            return o instanceof Score s && Arrays.equals(mu, s.mu) && Arrays.equals(logvar, s.logvar)
                    && Double.compare(score, s.score) == 0 && Double.compare(recon, s.recon) == 0 && Double.compare(kl, s.kl) == 0;
        }

        @Override public int hashCode() {
            return java.util.Objects.hash(Arrays.hashCode(mu), Arrays.hashCode(logvar), score, recon, kl);
        }

        @Override public String toString() {
            return "Score[mu=" + Arrays.toString(mu) + ", logvar=" + Arrays.toString(logvar) + ", score=" + score
                    + ", recon=" + recon + ", kl=" + kl + "]";
        }
    }

    private final Checkpoints.Loaded checkpoint;
    private final Scaler scaler;
    private final double beta;
    private final Path file;
    private final int dim, latent;
    private final Semaphore permits;
    private final ConcurrentLinkedQueue<VaeSession> idle = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    private VaeModel(Path file, Checkpoints.Loaded checkpoint, Scaler scaler, int maxWorkers) {
        this.file = file;
        this.checkpoint = checkpoint;
        this.scaler = scaler;
        try {
            this.beta = AnomalyScore.beta(checkpoint.metadata());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + " " + e.getMessage(), e);
        }
        this.dim = checkpoint.vae().inputDim();
        this.latent = checkpoint.vae().latent();
        this.permits = new Semaphore(maxWorkers);
    }

    /** Loads a checkpoint written by {@code vae train} (best, last or resume), with one worker per core at most. */
    public static VaeModel load(Path checkpoint) throws IOException {
        return load(checkpoint, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Loads a checkpoint; at most {@code maxWorkers} calls run at once (the others wait). The file is checked
     * (header, checksum, architecture); a bad one is refused with a {@link tornadovae.io.DataFormatException}
     * naming it.
     */
    public static VaeModel load(Path checkpoint, int maxWorkers) throws IOException {
        if (maxWorkers < 1) throw new IllegalArgumentException("maxWorkers must be at least 1, got " + maxWorkers);
        Checkpoints.Loaded c = Checkpoints.load(checkpoint);
        Scaler scaler;
        try {
            scaler = Scaler.fromMetadata(c.metadata(), c.vae().inputDim());
        } catch (IllegalArgumentException e) {
            throw new DataFormatException(checkpoint, "has an unusable scaler: " + e.getMessage());
        }
        return new VaeModel(checkpoint, c, scaler, maxWorkers);
    }

    /** A model trained in this JVM ({@link VaeTrainer}): its parameters (not copied) and the metadata a save writes. */
    static VaeModel trained(Vae vae, float[] params, Map<String, String> metadata, Scaler scaler) {
        return new VaeModel(Path.of("(trained in memory)"), new Checkpoints.Loaded(vae.spec(), vae, params, Map.copyOf(metadata)),
                scaler, Runtime.getRuntime().availableProcessors());
    }

    /**
     * Writes this model as a checkpoint that {@link #load} and every {@code vae} command read (atomically: a crash
     * leaves the file as it was). The scaler, when the model has one, is stored with it.
     */
    public void save(Path file) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(checkpoint.metadata());
        meta.remove(Checkpoints.CHECKSUM_KEY);   // a loaded checkpoint's; save computes the new one
        Checkpoints.save(file, checkpoint.vae(), checkpoint.params(), meta);
    }

    /**
     * The per-column scaling of tabular inputs ({@code vae train --dataset csv}, or {@link VaeTrainer} on rows): the
     * model's inputs are scaled rows, so raw rows go through {@link Scaler#apply} first (or use {@link #scoreRaw}).
     * Empty for a model of images, whose inputs are pixels in [0, 1].
     */
    public Optional<Scaler> scaler() { return Optional.ofNullable(scaler); }

    /** Values per input image: channels × height × width. */
    public int inputSize() { return dim; }

    /** Values per latent code. */
    public int latentSize() { return latent; }

    /** The architecture, as stored in the checkpoint. */
    public VaeSpec spec() { return checkpoint.spec(); }

    /** The encoder's mean and log-variance for one image. */
    public Encoding encode(float[] image) { return encode(new float[][]{image})[0]; }

    /** The encoder's mean and log-variance for each image. */
    public Encoding[] encode(float[][] images) {
        checkImages(images);
        Encoding[] r = new Encoding[images.length];
        forEachChunk(images, null, (s, from, n, b) -> {
            float[] ml = s.lastMuLogvar(b);
            for (int i = 0; i < n; i++)
                r[from + i] = new Encoding(Arrays.copyOfRange(ml, 2 * i * latent, (2 * i + 1) * latent),
                        Arrays.copyOfRange(ml, (2 * i + 1) * latent, (2 * i + 2) * latent));
        });
        return r;
    }

    /** The decoder's output (pixel probabilities in [0, 1]) for one latent code. */
    public float[] decode(float[] z) { return decode(new float[][]{z})[0]; }

    /** The decoder's output for each latent code. */
    public float[][] decode(float[][] z) {
        check(z, latent, "latent code", false);
        float[][] r = new float[z.length][];
        withWorker(s -> {
            float[] flat = new float[CHUNK * latent];
            for (int from = 0; from < z.length; from += CHUNK) {
                int n = Math.min(CHUNK, z.length - from), b = batchFor(n);
                Arrays.fill(flat, 0f);
                for (int i = 0; i < n; i++) System.arraycopy(z[from + i], 0, flat, i * latent, latent);
                float[] images = s.decode(flat, b);
                for (int i = 0; i < n; i++) r[from + i] = Arrays.copyOfRange(images, i * dim, (i + 1) * dim);
            }
            return null;
        });
        return r;
    }

    /** {@code n} images decoded from latent codes z ~ N(0, I) drawn from a stream seeded with {@code seed}. */
    public float[][] sample(int n, long seed) {
        if (n < 1) throw new IllegalArgumentException("the number of samples must be at least 1, got " + n);
        float[][] z = new float[n][latent];
        Noise noise = new Noise(seed);
        for (float[] code : z) noise.gaussian(code, 0, latent);
        return decode(z);
    }

    /** The decoder's output at the encoder's mean (z = mu, no sampling): a deterministic reconstruction. */
    public float[] reconstruct(float[] image) { return reconstruct(new float[][]{image})[0]; }

    /** {@link #reconstruct(float[])} for each image. */
    public float[][] reconstruct(float[][] images) {
        checkImages(images);
        float[][] r = new float[images.length][];
        forEachChunk(images, null, (s, from, n, b) -> {
            float[] rec = s.lastReconstructions(b);
            for (int i = 0; i < n; i++) r[from + i] = Arrays.copyOfRange(rec, i * dim, (i + 1) * dim);
        });
        return r;
    }

    /**
     * The anomaly score of one input, in nats: the negative evidence lower bound of the model as trained, with z = mu,
     * i.e. with the reparameterisation noise fixed at zero so that the same input always gets the same score. It is
     * the reconstruction loss divided by the β the model was trained with, plus the KL divergence of q(z|x) from
     * N(0, I) (see {@link AnomalyScore}); for a model trained with β = 1, the training loss itself. Higher means less
     * like the training data.
     */
    public double anomalyScore(float[] image) { return anomalyScores(new float[][]{image})[0]; }

    /** As {@link #anomalyScore(float[])} with z = mu + exp(logvar / 2) · eps for the given noise eps. */
    public double anomalyScore(float[] image, float[] eps) {
        check(new float[][]{eps}, latent, "noise vector", false);
        return anomalyScores(new float[][]{image}, new float[][]{eps})[0];
    }

    /** {@link #anomalyScore(float[])} for each image. */
    public double[] anomalyScores(float[][] images) { return anomalyScores(images, null); }

    private double[] anomalyScores(float[][] images, float[][] eps) {
        checkImages(images);
        double[] r = new double[images.length];
        forEachChunk(images, eps, (s, from, n, b) -> {
            float[][] l = s.lastPerSampleLosses(b);
            for (int i = 0; i < n; i++) r[from + i] = AnomalyScore.of(l[0][i], l[1][i], beta);
        });
        return r;
    }

    /** The encoding, score and its terms for each input at z = mu, from one pass (scaled rows for a model with a {@link #scaler()}). */
    public Score[] scores(float[][] inputs) {
        checkImages(inputs);
        Score[] r = new Score[inputs.length];
        forEachChunk(inputs, null, (s, from, n, b) -> {
            float[] ml = s.lastMuLogvar(b);
            float[][] l = s.lastPerSampleLosses(b);
            for (int i = 0; i < n; i++)
                r[from + i] = new Score(Arrays.copyOfRange(ml, 2 * i * latent, (2 * i + 1) * latent),
                        Arrays.copyOfRange(ml, (2 * i + 1) * latent, (2 * i + 2) * latent),
                        AnomalyScore.of(l[0][i], l[1][i], beta), l[0][i], l[1][i]);
        });
        return r;
    }

    /** {@link #scores} of raw rows: each is scaled by the model's {@link #scaler()} first (as it was in training). */
    public Score[] scoreRaw(float[][] rows) {
        if (scaler == null) return scores(rows);
        check(rows, dim, "row", false);
        float[][] scaled = new float[rows.length][];
        for (int i = 0; i < rows.length; i++) scaled[i] = scaler.apply(rows[i]);
        return scores(scaled);
    }

    @Override
    public void close() {
        closed = true;
        for (VaeSession s; (s = idle.poll()) != null; ) s.close();
    }

    // ---- workers ------------------------------------------------------------------------------

    private interface ChunkResult { void take(VaeSession s, int from, int n, int batch); }

    /** Runs the eval plan over the images CHUNK at a time (eps null: z = mu) and hands each result over. */
    private void forEachChunk(float[][] images, float[][] eps, ChunkResult result) {
        withWorker(s -> {
            float[] flat = new float[CHUNK * dim], noise = eps == null ? null : new float[CHUNK * latent];
            for (int from = 0; from < images.length; from += CHUNK) {
                int n = Math.min(CHUNK, images.length - from), b = batchFor(n);
                Arrays.fill(flat, 0f);
                for (int i = 0; i < n; i++) System.arraycopy(images[from + i], 0, flat, i * dim, dim);
                if (noise != null) {
                    Arrays.fill(noise, 0f);
                    for (int i = 0; i < n; i++) System.arraycopy(eps[from + i], 0, noise, i * latent, latent);
                }
                s.evalBatch(flat, 0, b, noise);
                result.take(s, from, n, b);
            }
            return null;
        });
    }

    /**
     * Every call runs through the plan of CHUNK rows, a single input padded with zeros: the JVM kernels block a
     * batch's rows differently for different batch sizes (a row's sums then round differently in the last bits),
     * and one plan makes an input's result the same alone or in any batch, at any position.
     */
    private static int batchFor(int n) { return CHUNK; }

    private <T> T withWorker(Function<VaeSession, T> work) {
        if (closed) throw new IllegalStateException("this VaeModel (" + file + ") is closed");
        permits.acquireUninterruptibly();
        VaeSession s = idle.poll();
        try {
            if (s == null) s = newWorker();
            return work.apply(s);
        } finally {
            if (s != null) {
                if (closed) s.close();
                else idle.offer(s);
            }
            permits.release();
        }
    }

    private VaeSession newWorker() {
        int[] batches = {CHUNK};
        VaeSession s = new VaeSession(checkpoint.vae(), backend(), Optimizer.adam(), new int[0], batches, batches);
        System.arraycopy(checkpoint.params(), 0, s.workspace().params(), 0, checkpoint.params().length);
        s.prepare();
        return s;
    }

    private static Backend backend() {
        boolean vectorApi = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        return vectorApi ? JvmKernels.backend(1) : HostBackend.reference();
    }

    // ---- input checks -------------------------------------------------------------------------

    /** Pixels must be in [0, 1]; scaled rows may leave the training range (that is what an anomaly looks like). */
    private void checkImages(float[][] images) {
        if (scaler == null) check(images, dim, "image", true);
        else check(images, dim, "row", false);
    }

    private void check(float[][] inputs, int size, String what, boolean pixels) {
        if (inputs == null) throw new IllegalArgumentException("the " + what + "s are null");
        if (inputs.length == 0) throw new IllegalArgumentException("no " + what + "s were given");
        for (int i = 0; i < inputs.length; i++) {
            float[] x = inputs[i];
            String name = inputs.length == 1 ? "the " + what : what + " " + i;
            if (x == null) throw new IllegalArgumentException(name + " is null");
            if (x.length != size)
                throw new IllegalArgumentException(name + " has " + x.length + " values but this model's " + what + "s have "
                        + size + (pixels ? " (" + spec().input() + ")" : ""));
            for (int j = 0; j < size; j++) {
                float v = x[j];
                if (!Float.isFinite(v)) throw new IllegalArgumentException(name + " has the value " + v + " at index " + j);
                if (pixels && (v < 0 || v > 1))
                    throw new IllegalArgumentException(name + " has the value " + v + " at index " + j
                            + "; pixels must be in [0, 1] (divide 8-bit values by 255)");
            }
        }
    }
}
