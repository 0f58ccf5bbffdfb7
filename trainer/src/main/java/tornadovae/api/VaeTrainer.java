package tornadovae.api;

import static tornadovae.api.TrainerArgs.*;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tornadovae.engine.AnomalyScore;
import tornadovae.engine.Backends;
import tornadovae.engine.MemoryBudget;
import tornadovae.engine.ReconMetrics;
import tornadovae.engine.Scaler;
import tornadovae.engine.Tables;
import tornadovae.engine.TrainingLoop;
import tornadovae.engine.VaeSession;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.ConvSpec;
import tornadovae.model.Loss;
import tornadovae.model.Optimizer;
import tornadovae.model.Shape;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/**
 * Trains a VAE inside a Java program and hands back the {@link VaeModel}, with nothing written to disk (call
 * {@link VaeModel#save} to keep it). It runs the same training loop as {@code vae train}.
 *
 * <pre>{@code
 * VaeModel model = new VaeTrainer().mlp(64, 32).latent(4).epochs(20).batchSize(256)
 *         .onEpoch(e -> e.trainLoss() > 1.0)        // false stops after this epoch
 *         .train(rows);                             // float[][]: one row per sample
 * }</pre>
 *
 * <p>Rows are tabular by default: each column is scaled ({@link Scaling#MINMAX} unless set), the scaler is fitted on
 * the training rows and kept in the model, and the loss defaults to {@code mse}. For images, declare their shape with
 * {@link #images}: the rows are then pixels in [0, 1], unscaled, and the loss defaults to {@code bce}.
 *
 * <p>Every setter checks its value at once and throws IllegalArgumentException naming the parameter
 * ("batchSize must be at least 1, got 0"). A trainer may train several models one after another; it is not
 * thread-safe.
 */
public final class VaeTrainer {
    /** How rows are scaled before training (and before scoring, by the returned model). */
    public enum Scaling { NONE, MINMAX, STANDARD }

    /**
     * One finished epoch, per row: the training loss (reconstruction + β·KL, with the sampled z of training) and its
     * terms; the validation set's negative ELBO (recon / β + KL, as the model's anomaly score but with sampled z), its
     * terms and the mean squared error of its reconstructions at z = mu (all NaN without a validation set); the last
     * step's gradient norm.
     */
    public record Epoch(int epoch, long step, double trainLoss, double trainRecon, double trainKl, double validationLoss,
                        double validationRecon, double validationKl, double validationMse, double gradNorm, double seconds) {}

    /** Called after each epoch; returning false stops training there (the model keeps that epoch's parameters). */
    @FunctionalInterface
    public interface EpochCallback {
        boolean onEpoch(Epoch epoch);
    }

    private String model = "mlp";
    private int[] hidden = {400};
    private int[] channels;
    private int kernel = 3, stride = 2;
    private int latent;   // 0: 20, or a preset's own
    private Shape image;
    private ActivationKind activation = ActivationKind.RELU;
    private Loss loss;
    private Scaling scaling;
    private int epochs = 10, batchSize = 128, klWarmup, klCycles, mcSamples = 1;
    private float lr = 1e-3f, freeBits, clip, weightDecay;
    private Float beta;   // null: Tables.DEFAULT_BETA for scaled rows, 1 for images
    private long seed = 1;
    private String backend = "jvm", device;
    private int threads = Runtime.getRuntime().availableProcessors();
    private List<String> columns;   // null: x0, x1, ...
    private VaeData validation;
    private EpochCallback callback = e -> true;

    // ---- the model -----------------------------------------------------------------------------

    /** An MLP VAE with these hidden layer sizes (encoder; the decoder mirrors them). The default: one layer of 400. */
    public VaeTrainer mlp(int... hiddenSizes) {
        if (hiddenSizes.length == 0) throw new IllegalArgumentException("mlp needs at least one hidden size");
        for (int h : hiddenSizes) positive("hidden size", h);
        model = "mlp";
        hidden = hiddenSizes.clone();
        return this;
    }

    /**
     * A convolutional VAE on {@link #images}: Conv2d layers of these output channels (kernel, stride, padding
     * (kernel − 1) / 2), dense layers of {@code dense} sizes, and the mirrored decoder.
     */
    public VaeTrainer conv(int[] channels, int kernel, int stride, int... dense) {
        if (channels.length == 0) throw new IllegalArgumentException("conv needs at least one channel count");
        for (int c : channels) positive("conv channel count", c);
        positive("kernel", kernel);
        positive("stride", stride);
        for (int h : dense) positive("dense size", h);
        model = "conv";
        this.channels = channels.clone();
        this.kernel = kernel;
        this.stride = stride;
        hidden = dense.clone();
        return this;
    }

    /** A preset architecture by name: mnist-conv, mnist-conv4 or rgb128-conv (each for its own image size). */
    public VaeTrainer preset(String name) {
        if (!VaeSpec.isPreset(name))
            throw new IllegalArgumentException("preset must be mnist-conv, mnist-conv4 or rgb128-conv, got '" + name + "'");
        model = name;
        return this;
    }

    public VaeTrainer latent(int size) { latent = positive("latent", size); return this; }

    /** relu (the default), leaky-relu, sigmoid, tanh, silu or gelu. */
    public VaeTrainer activation(String name) {
        try {
            activation = ActivationKind.parse(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("activation: " + e.getMessage(), e);
        }
        return this;
    }

    /** bce, mse or bce+mse (default: mse for scaled rows, bce for images). */
    public VaeTrainer loss(String name) {
        try {
            loss = Loss.parse(name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("loss: " + e.getMessage(), e);
        }
        return this;
    }

    /** The rows are images of channels × height × width pixels in [0, 1] (row-major, channel first). */
    public VaeTrainer images(int channels, int height, int width) {
        image = Shape.of(positive("channels", channels), positive("height", height), positive("width", width));
        return this;
    }

    /** How columns are scaled (default: MINMAX for rows, NONE for {@link #images}). */
    public VaeTrainer scaling(Scaling s) {
        if (s == null) throw new IllegalArgumentException("scaling must not be null");
        scaling = s;
        return this;
    }

    /**
     * The columns' names, kept with the scaler in the model: a saved model then scores a CSV file with these columns
     * ({@code vae score --data-file}). Default: x0, x1, …
     */
    public VaeTrainer columns(String... names) {
        if (names.length == 0) throw new IllegalArgumentException("columns needs at least one name");
        if (java.util.Arrays.stream(names).anyMatch(n -> n == null || n.isBlank()))
            throw new IllegalArgumentException("columns must not be null or blank");
        if (new java.util.HashSet<>(List.of(names)).size() != names.length)
            throw new IllegalArgumentException("columns names a column twice: " + String.join(",", names));
        columns = List.of(names);
        return this;
    }

    // ---- training --------------------------------------------------------------------------------

    public VaeTrainer epochs(int n) { epochs = positive("epochs", n); return this; }
    public VaeTrainer batchSize(int n) { batchSize = positive("batchSize", n); return this; }
    public VaeTrainer learningRate(float lr) { this.lr = positiveFinite("learningRate", lr); return this; }
    /**
     * Weight of the KL term (β-VAE). Default: 1 for images; {@value tornadovae.engine.Tables#DEFAULT_BETA} for scaled
     * rows, whose values lie in [0, 1] (with β = 1 the mse loss is a Gaussian far wider than the data and the latent
     * collapses). The model's anomaly score is recon / β + KL (see {@link VaeModel#anomalyScore(float[])}).
     */
    public VaeTrainer beta(float beta) { this.beta = nonNegative("beta", beta); return this; }
    /** Raise the KL weight linearly from 0 to β over this many epochs (not with {@link #klCycles}). */
    public VaeTrainer klWarmup(int epochs) { klWarmup = nonNegative("klWarmup", epochs); return this; }
    /** Cyclical KL annealing: this many cycles over the run, each ramping 0 → β over its first half. */
    public VaeTrainer klCycles(int cycles) { klCycles = nonNegative("klCycles", cycles); return this; }
    /** Nats per latent dimension below which its KL gets no gradient (0: off). */
    public VaeTrainer freeBits(float nats) { freeBits = nonNegative("freeBits", nats); return this; }
    /** Clip the global gradient norm to this (0: off). */
    public VaeTrainer clipGradNorm(float norm) { clip = nonNegative("clipGradNorm", norm); return this; }
    /** Decoupled weight decay of Adam (AdamW; 0: plain Adam). */
    public VaeTrainer weightDecay(float wd) { weightDecay = nonNegative("weightDecay", wd); return this; }
    /** Latent draws per row in training; the loss is the mean over them. */
    public VaeTrainer mcSamples(int n) { mcSamples = positive("mcSamples", n); return this; }
    /** Seed of the initial parameters, the batch order and the noise: the same seed and data train the same model. */
    public VaeTrainer seed(long seed) { this.seed = seed; return this; }

    /** jvm (default) or tornado; a device ("0:0") only for tornado. */
    public VaeTrainer backend(String name, String device) {
        if (!"jvm".equals(name) && !"tornado".equals(name))
            throw new IllegalArgumentException("backend must be jvm or tornado, got '" + name + "'");
        if (device != null && !name.equals("tornado"))
            throw new IllegalArgumentException("device " + device + " applies only to backend tornado");
        backend = name;
        this.device = device;
        return this;
    }

    /** Worker threads of the JVM backend (default: one per core). */
    public VaeTrainer threads(int n) {
        if (n < 1 || n > Backends.maxThreads())
            throw new IllegalArgumentException("threads must be between 1 and " + Backends.maxThreads() + ", got " + n);
        threads = n;
        return this;
    }

    /** Held-out rows (same columns, raw like the training rows), evaluated after every epoch. */
    public VaeTrainer validation(float[][] rows) { validation = VaeData.of(rows); return this; }

    public VaeTrainer validation(VaeData rows) {
        if (rows == null) throw new IllegalArgumentException("validation must not be null");
        validation = rows;
        return this;
    }

    public VaeTrainer onEpoch(EpochCallback callback) {
        if (callback == null) throw new IllegalArgumentException("onEpoch's callback must not be null");
        this.callback = callback;
        return this;
    }

    // ---- running ---------------------------------------------------------------------------------

    /** Trains on these rows ([rows][columns], read in place, not copied) and returns the model. */
    public VaeModel train(float[][] rows) { return train(VaeData.of(rows)); }

    /** Trains on rows a caller supplies (see {@link VaeData}) and returns the model. */
    public VaeModel train(VaeData data) {
        if (data == null) throw new IllegalArgumentException("the training data must not be null");
        if (klWarmup > 0 && klCycles > 0)
            throw new IllegalArgumentException("klWarmup and klCycles are two schedules for the same weight; choose one");
        int d = positive("the training data's columns()", data.columns()), n = positive("the training data's rows()", data.rows());
        Scaling sc = scaling != null ? scaling : image != null ? Scaling.NONE : Scaling.MINMAX;
        Loss l = loss != null ? loss : sc == Scaling.NONE ? Loss.BCE : Loss.MSE;
        float beta = this.beta != null ? this.beta : sc == Scaling.NONE ? 1 : Tables.DEFAULT_BETA;
        if (sc == Scaling.STANDARD && l != Loss.MSE)
            throw new IllegalArgumentException("loss " + l.cliName + " needs values in [0, 1]; STANDARD scaling gives values outside it: use mse");
        Vae vae = spec(d, l).build();
        if (columns != null && columns.size() != d)
            throw new IllegalArgumentException("columns names " + columns.size() + " columns but the rows have " + d);
        List<String> names = new ArrayList<>();
        for (int j = 0; j < d; j++) names.add(columns != null ? columns.get(j) : "x" + j);
        // one pass to check every row and fit the scaler, a row at a time: a streamed source is never held whole
        Scaler.Fit fit = new Scaler.Fit(d);
        float[] row = new float[d];
        for (int i = 0; i < n; i++) {
            data.read(i, row, 0);
            check(row, i, "the training data", sc == Scaling.NONE && l != Loss.MSE);
            fit.add(row, 0);
        }
        Scaler scaler = sc == Scaling.NONE ? null : fit.result(sc == Scaling.MINMAX ? Scaler.Kind.MINMAX : Scaler.Kind.STANDARD, names);
        float[] val = new float[0];
        int valCount = 0;
        if (validation != null) {
            if (validation.columns() != d)
                throw new IllegalArgumentException("validation rows have " + validation.columns() + " columns but the training rows have " + d);
            valCount = positive("the validation data's rows()", validation.rows());
            val = read(validation, "the validation data", d, false);
            if (scaler != null) scaler.applyInPlace(val, valCount);
        }
        int b = Math.min(batchSize, n);
        int[] evalBatches = valCount == 0 ? new int[0] : VaeSession.batchSizes(valCount, b);
        var settings = new TrainingLoop.Settings(epochs, b, lr, beta,
                (step, perEpoch, total) -> TrainingLoop.KlWeight.schedule(klWarmup, klCycles, step, perEpoch, total), seed, true);
        Optimizer opt = Optimizer.adam().withClip(clip).withWeightDecay(weightDecay);
        float[] params;
        int[] lastEpoch = {0};
        // the memory check before the backend, whose worker threads a refused session would leave running
        apiNames(() -> MemoryBudget.check(vae, Math.max(b, evalBatches.length > 0 ? evalBatches[0] : 1), mcSamples, 0));
        var created = apiNames(() -> Backends.create(backend, device, threads));
        try (VaeSession s = new VaeSession(vae, created, opt, VaeSession.batchSizes(n, b), evalBatches, new int[0],
                mcSamples, freeBits)) {
            vae.initParams(s.workspace().params(), seed);
            s.prepare();
            TrainingLoop.run(s, rows(data, d, scaler), val, valCount, settings, TrainingLoop.Start.FRESH, new TrainingLoop.Listener() {
                @Override public boolean afterEpoch(VaeSession session, TrainingLoop.Epoch e, tornadovae.engine.Noise noise) {
                    lastEpoch[0] = e.epoch();
                    return callback.onEpoch(epoch(e, beta));
                }

                @Override public RuntimeException diverged(int epoch, long step, String what) {
                    return new IllegalStateException(what + " at epoch " + epoch + ", step " + step
                            + "; training stopped (try a lower learningRate or clipGradNorm)");
                }
            });
            s.backend().pullState();
            params = s.workspace().params().clone();
        } catch (IOException e) {
            throw new UncheckedIOException(e);   // nothing here writes files; the loop's signature allows it for the CLI
        }
        return VaeModel.trained(vae, params, metadata(scaler, lastEpoch[0], beta), scaler);
    }

    private static Epoch epoch(TrainingLoop.Epoch e, float beta) {
        int n = e.trainCount();
        VaeSession.Losses t = e.test();
        ReconMetrics rm = e.testMetrics();
        return new Epoch(e.epoch(), e.step(), (e.trainRecon() + beta * e.trainKl()) / n, e.trainRecon() / n, e.trainKl() / n,
                t == null ? Double.NaN : AnomalyScore.of(t.recon(), t.kl(), beta) / t.count(), t == null ? Double.NaN : t.reconPerSample(),
                t == null ? Double.NaN : t.klPerSample(), rm.mse(), e.gradNorm(), e.seconds());
    }

    private VaeSpec spec(int columns, Loss l) {
        Shape in = image != null ? image : Shape.of(1, 1, columns);
        if (in.size() != columns)
            throw new IllegalArgumentException("images of " + in + " have " + in.size() + " values but the rows have " + columns);
        ActivationKind a = activation;
        return switch (model) {
            case "mlp" -> new VaeSpec(model, in, hidden, latent > 0 ? latent : 20, a, 0.2f, l);
            case "conv" -> {
                if (image == null) throw new IllegalArgumentException("conv needs images(channels, height, width)");
                yield new VaeSpec(model, in, hidden, latent > 0 ? latent : 20, a, 0.2f, l,
                        new ConvSpec(channels, kernel, stride, (kernel - 1) / 2, 0));
            }
            default -> {
                VaeSpec p = VaeSpec.preset(model, latent, a, l);
                if (!p.input().equals(in))
                    throw new IllegalArgumentException("preset " + model + " is made for " + p.input() + " images, not " + in);
                yield p;
            }
        };
    }

    /** The training rows the loop asks for, read from the source and scaled batch by batch. */
    private static TrainingLoop.Rows rows(VaeData data, int d, Scaler scaler) {
        return new TrainingLoop.Rows() {
            public int count() { return data.rows(); }
            public void copy(int[] order, int from, int n, float[] dst) {
                for (int i = 0; i < n; i++) data.read(order[from + i], dst, i * d);
                if (scaler != null) scaler.applyInPlace(dst, n);
            }
        };
    }

    /** Every row of a source, [rows][d] (a validation set: held whole for the evaluation passes), checked. */
    private static float[] read(VaeData data, String what, int d, boolean unit) {
        long size = (long) data.rows() * d;
        if (size > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException(what + " has " + data.rows() + " rows of " + d + " values, more than one array holds");
        float[] all = new float[(int) size], row = new float[d];
        for (int i = 0; i < data.rows(); i++) {
            data.read(i, row, 0);
            check(row, i, what, unit);
            System.arraycopy(row, 0, all, i * d, d);
        }
        return all;
    }

    private Map<String, String> metadata(Scaler scaler, int epoch, float beta) {
        Map<String, String> m = new LinkedHashMap<>();
        if (scaler != null) m.putAll(scaler.toMetadata());
        m.put("train.source", "VaeTrainer");
        m.put("train.epochs", Integer.toString(epochs));
        m.put("train.epoch", Integer.toString(epoch));
        m.put("train.batch_size", Integer.toString(batchSize));
        m.put("train.lr", Float.toString(lr));
        m.put(AnomalyScore.BETA_KEY, Float.toString(beta));
        m.put("train.seed", Long.toString(seed));
        return m;
    }
}
