package tornadovae.engine;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tornadovae.io.data.Images;
import tornadovae.kernels.plan.Backend;
import tornadovae.kernels.plan.Scalars;
import tornadovae.kernels.plan.Slice;
import tornadovae.kernels.plan.StepPlan;
import tornadovae.kernels.plan.Workspace;
import tornadovae.model.Optimizer;
import tornadovae.model.Vae;

/**
 * A model, its workspace and a backend, with the plans for every batch size it will see
 * (TornadoVM builds all graphs up front). Images are [N][D] floats in [0,1].
 */
public final class VaeSession implements AutoCloseable {

    /** Loss sums over a batch or a whole split. */
    public record Losses(double recon, double kl, int count) {
        public double total(double klWeight) { return recon + klWeight * kl; }
        public double reconPerSample() { return recon / count; }
        public double klPerSample() { return kl / count; }
    }

    private final Vae vae;
    private final Backend backend;
    private final Workspace ws;
    private final Optimizer opt;
    private final Map<String, StepPlan> plans = new LinkedHashMap<>();
    private final int maxBatch;
    private final int mcSamples;
    private final float freeBits;
    private long step;
    private long loadNanos;
    private float gradNorm;

    /**
     * @param trainBatches batch sizes of training steps (the full batch and the last partial one)
     * @param evalBatches batch sizes of evaluation passes (and reconstructions/encodings)
     * @param decodeBatches batch sizes for decoding latent codes (sample grids)
     */
    public VaeSession(Vae vae, Backend backend, Optimizer opt, int[] trainBatches, int[] evalBatches, int[] decodeBatches) {
        this(vae, backend, opt, trainBatches, evalBatches, decodeBatches, 1, 0f);
    }

    /** @param freeBits nats per latent dimension below which the KL gets no gradient (0: off) */
    public VaeSession(Vae vae, Backend backend, Optimizer opt, float freeBits, int[] trainBatches, int[] evalBatches,
                      int[] decodeBatches) {
        this(vae, backend, opt, trainBatches, evalBatches, decodeBatches, 1, freeBits);
    }

    /** As above, training with {@code mcSamples} latent draws per sample (the loss is the mean over the draws). */
    public VaeSession(Vae vae, Backend backend, Optimizer opt, int[] trainBatches, int[] evalBatches, int[] decodeBatches,
                      int mcSamples) {
        this(vae, backend, opt, trainBatches, evalBatches, decodeBatches, mcSamples, 0f);
    }

    /**
     * @param mcSamples latent draws per sample in training (the loss is the mean over the draws)
     * @param freeBits nats per latent dimension below which the KL gets no gradient (0: off)
     */
    public VaeSession(Vae vae, Backend backend, Optimizer opt, int[] trainBatches, int[] evalBatches, int[] decodeBatches,
                      int mcSamples, float freeBits) {
        this.vae = vae;
        this.mcSamples = mcSamples;
        this.freeBits = freeBits;
        this.backend = backend;
        this.opt = opt;
        int max = 1;
        for (int[] bs : new int[][]{trainBatches, evalBatches, decodeBatches}) for (int b : bs) max = Math.max(max, b);
        this.maxBatch = max;
        MemoryBudget.check(vae, max, mcSamples, 0);   // before allocating: one sentence, not an OutOfMemoryError
        this.ws = vae.newWorkspace(max, mcSamples);
        for (int b : trainBatches) plans.putIfAbsent("train" + b, vae.trainPlan(b, opt, mcSamples, freeBits));
        for (int b : evalBatches) {
            plans.putIfAbsent("eval" + b, vae.evalPlan(b));
            plans.putIfAbsent("loss" + b, vae.lossPlan(b));   // for evaluate(); a backend compiles a plan when it first runs
        }
        for (int b : decodeBatches) plans.putIfAbsent("decode" + b, vae.decodePlan(b));
    }

    /** The full batch size and, if the data does not divide evenly, the last partial one: the plans a split needs. */
    public static int[] batchSizes(int count, int batch) {
        int b = Math.min(batch, count), rest = count % b;
        return rest == 0 ? new int[]{b} : new int[]{b, rest};
    }

    /** Builds the backend's plans; call once after the parameters are set. */
    public void prepare() { backend.prepare(ws, new ArrayList<>(plans.values())); }

    public Vae vae() { return vae; }
    public Workspace workspace() { return ws; }
    public Backend backend() { return backend; }
    public long step() { return step; }
    public void setStep(long step) { this.step = step; }
    public float lastGradNorm() { return gradNorm; }
    public int maxBatch() { return maxBatch; }

    private StepPlan plan(String kind, int batch) {
        StepPlan p = plans.get(kind + batch);
        if (p == null) throw new IllegalArgumentException("no " + kind + " plan for batch size " + batch + " was prepared");
        return p;
    }

    private void loadBatch(float[] images, int[] order, int from, int batch) {
        int d = vae.inputDim();
        float[] in = ws.input();
        for (int b = 0; b < batch; b++) {
            int src = order == null ? from + b : order[from + b];
            System.arraycopy(images, src * d, in, b * d, d);
        }
    }

    private Losses readLosses(int batch) {
        float[] out = ws.out();
        double r = 0, k = 0;
        int ro = vae.outRecon(batch).offset(), ko = vae.outKl(batch).offset();
        for (int b = 0; b < batch; b++) { r += out[ro + b]; k += out[ko + b]; }
        return new Losses(r, k, batch);
    }

    /** Images [from, from + batch) (or order[...] of them) into INPUT, timed as data loading. */
    private void loadBatch(Images images, int[] order, int from, int batch) {
        long t0 = System.nanoTime();
        int d = vae.inputDim();
        if (images.dim() != d)
            throw new IllegalArgumentException("images of " + images.channels() + "×" + images.height() + "×" + images.width()
                    + " do not fit a model with " + d + " inputs");
        for (int b = 0; b < batch; b++) images.copyTo(order == null ? from + b : order[from + b], ws.input(), b * d);
        loadNanos += System.nanoTime() - t0;
    }

    /**
     * Nanoseconds spent so far making batches from {@link Images} (reading, converting to floats, augmenting): the
     * data pipeline's share of the steps, which the trainer reports per epoch.
     */
    public long loadNanos() { return loadNanos; }

    /** One Adam step on images[order[from..from+batch)]. Returns the batch's loss sums. */
    public Losses trainStep(float[] images, int[] order, int from, int batch, float lr, float klWeight, Noise noise) {
        loadBatch(images, order, from, batch);
        return step(batch, lr, klWeight, noise);
    }

    /**
     * One Adam step on images[order[from..from+batch)], each transformed by {@code aug} (whose random choices are
     * drawn from {@code noise} before the step's Gaussian noise); the next batch's images are prefetched meanwhile.
     */
    public Losses trainStep(Images images, int[] order, int from, int batch, float lr, float klWeight, Noise noise,
                            Augmentation aug) {
        if (aug.random() || aug.crop() != Augmentation.Crop.NONE) {
            long t0 = System.nanoTime();
            aug.trainBatch(images, order, from, batch, noise, ws.input());
            loadNanos += System.nanoTime() - t0;
        } else {
            loadBatch(images, order, from, batch);
        }
        if (order != null && from + batch < order.length) images.prefetch(order, from + batch, batch);
        return step(batch, lr, klWeight, noise);
    }

    private Losses step(int batch, float lr, float klWeight, Noise noise) {
        noise.gaussian(ws.noise(), 0, mcSamples * batch * vae.latent());
        step++;
        float[] sc = ws.scalars();
        sc[Scalars.LEARNING_RATE] = lr;
        sc[Scalars.ADAM_BC1] = (float) (1 - Math.pow(opt.beta1(), step));
        sc[Scalars.ADAM_BC2] = (float) (1 - Math.pow(opt.beta2(), step));
        sc[Scalars.KL_WEIGHT] = klWeight;
        backend.run(plan("train", batch));
        gradNorm = ws.out()[vae.outGradNorm(batch).offset()];
        return readLosses(batch);
    }

    /**
     * Adds gradient plans ({@link Vae#gradientPlan}) for these batch sizes and the optimiser plan
     * ({@link Vae#optimizerPlan}), for a step split over workers (data parallelism); call before prepare().
     */
    public void addGradientPlans(int... batches) {
        for (int b : batches) {
            if (b > maxBatch) throw new IllegalArgumentException("gradient batch " + b + " exceeds the workspace's " + maxBatch);
            plans.putIfAbsent("gradient" + b, vae.gradientPlan(b, mcSamples, freeBits));
        }
        plans.putIfAbsent("optimizer0", vae.optimizerPlan(opt));
    }

    /**
     * The gradient of the summed loss of images[rows[0..batch)] into the workspace's GRADS, without an update.
     * {@code eps} is the reparameterisation noise, [mcSamples][batch][latent] (draw k of row b at (k·batch + b)·L).
     */
    public Losses gradientStep(float[] images, int[] rows, int batch, float klWeight, float[] eps) {
        loadBatch(images, rows, 0, batch);
        System.arraycopy(eps, 0, ws.noise(), 0, mcSamples * batch * vae.latent());
        ws.scalars()[Scalars.KL_WEIGHT] = klWeight;
        backend.run(plan("gradient", batch));
        return readLosses(batch);
    }

    /**
     * One optimiser step with these gradients (the layout of the parameters), as {@link #trainStep} ends: the norm,
     * clipping, Adam with this step's bias corrections. For host backends, whose state is the workspace (a device
     * backend would need its state pushed and pulled around this).
     */
    public void applyGradients(float[] grads, float lr) {
        System.arraycopy(grads, 0, ws.grads(), 0, ws.grads().length);
        step++;
        float[] sc = ws.scalars();
        sc[Scalars.LEARNING_RATE] = lr;
        sc[Scalars.ADAM_BC1] = (float) (1 - Math.pow(opt.beta1(), step));
        sc[Scalars.ADAM_BC2] = (float) (1 - Math.pow(opt.beta2(), step));
        backend.run(plan("optimizer", 0));
        gradNorm = ws.out()[vae.outGradNorm(0).offset()];
    }

    public int mcSamples() { return mcSamples; }
    public Optimizer optimizer() { return opt; }

    /** Runs the eval plan on images[from..from+batch); reconstructions and [mu|logvar] stay in OUT. */
    public Losses evalBatch(float[] images, int from, int batch, Noise noise) { return runSampled("eval", images, from, batch, noise); }

    /** Plan `kind` ("eval" or "loss") on images[from..from+batch) with fresh reparameterisation noise. */
    private Losses runSampled(String kind, float[] images, int from, int batch, Noise noise) {
        loadBatch(images, null, from, batch);
        return runSampled(kind, batch, noise);
    }

    private Losses runSampled(String kind, Images images, int from, int batch, Noise noise) {
        loadBatch(images, null, from, batch);
        return runSampled(kind, batch, noise);
    }

    private Losses runSampled(String kind, int batch, Noise noise) {
        noise.gaussian(ws.noise(), 0, batch * vae.latent());
        backend.run(plan(kind, batch));
        return readLosses(batch);
    }

    /**
     * As {@link #evalBatch(float[], int, int, Noise)} with the reparameterisation noise given: eps [batch][L],
     * or null for zeros (then z = mu).
     */
    public Losses evalBatch(float[] images, int from, int batch, float[] eps) {
        loadBatch(images, null, from, batch);
        return evalLoaded(batch, eps);
    }

    /** As {@link #evalBatch(float[], int, int, float[])}, reading {@code images}. */
    public Losses evalBatch(Images images, int from, int batch, float[] eps) {
        loadBatch(images, null, from, batch);
        return evalLoaded(batch, eps);
    }

    private Losses evalLoaded(int batch, float[] eps) {
        int n = batch * vae.latent();
        if (eps == null) java.util.Arrays.fill(ws.noise(), 0, n, 0f);
        else System.arraycopy(eps, 0, ws.noise(), 0, n);
        backend.run(plan("eval", batch));
        return readLosses(batch);
    }

    /** Per-sample reconstruction losses and KL terms of the last eval or train plan, as [batch] each. */
    public float[][] lastPerSampleLosses(int batch) {
        float[] out = ws.out();
        return new float[][]{java.util.Arrays.copyOfRange(out, vae.outRecon(batch).offset(), vae.outRecon(batch).end()),
                java.util.Arrays.copyOfRange(out, vae.outKl(batch).offset(), vae.outKl(batch).end())};
    }

    /** Reconstructions (sigmoid outputs) of the last eval plan, as [batch][D]. */
    public float[] lastReconstructions(int batch) {
        Slice r = vae.outReconstructions(batch);
        return java.util.Arrays.copyOfRange(ws.out(), r.offset(), r.end());
    }

    /** Loss sums over a whole split, in batches of {@code batch} (the last one partial); no reconstructions. */
    public Losses evaluate(float[] images, int count, int batch, Noise noise) { return evaluate(images, count, batch, noise, null); }

    /** As {@link #evaluate(float[], int, int, Noise)}, also keeping every image's [mu | logvar] in muLogvar ([count][2L]) when not null. */
    public Losses evaluate(float[] images, int count, int batch, Noise noise, float[] muLogvar) {
        return evaluate(count, batch, muLogvar, (from, b) -> runSampled("loss", images, from, b, noise));
    }

    /** As {@link #evaluate(float[], int, int, Noise, float[])}, reading {@code images}. */
    public Losses evaluate(Images images, int count, int batch, Noise noise, float[] muLogvar) {
        return evaluate(count, batch, muLogvar, (from, b) -> runSampled("loss", images, from, b, noise));
    }

    private interface BatchRun { Losses run(int from, int batch); }

    private Losses evaluate(int count, int batch, float[] muLogvar, BatchRun runner) {
        double r = 0, k = 0;
        int l2 = 2 * vae.latent();
        for (int from = 0; from < count; from += batch) {
            int b = Math.min(batch, count - from);
            Losses l = runner.run(from, b);
            if (muLogvar != null) System.arraycopy(ws.out(), vae.outMuLogvar(b).offset(), muLogvar, from * l2, b * l2);
            r += l.recon();
            k += l.kl();
        }
        return new Losses(r, k, count);
    }

    /** Reconstructions (sigmoid outputs) of images[from..from+n) with sampled z, as [n][D]. */
    public float[] reconstruct(float[] images, int from, int n, Noise noise) {
        evalBatch(images, from, n, noise);
        return reconstructions(n);
    }

    /** As {@link #reconstruct(float[], int, int, Noise)}, reading {@code images}. */
    public float[] reconstruct(Images images, int from, int n, Noise noise) {
        runSampled("eval", images, from, n, noise);
        return reconstructions(n);
    }

    private float[] reconstructions(int n) {
        float[] r = new float[n * vae.inputDim()];
        System.arraycopy(ws.out(), vae.outReconstructions(n).offset(), r, 0, r.length);
        return r;
    }

    /** [mu | logvar] per image of the last evalBatch, as [n][2L]. */
    public float[] lastMuLogvar(int n) {
        float[] r = new float[2 * n * vae.latent()];
        System.arraycopy(ws.out(), vae.outMuLogvar(n).offset(), r, 0, r.length);
        return r;
    }

    /** Decodes latent codes z [n][L] to images [n][D]. */
    public float[] decode(float[] z, int n) {
        System.arraycopy(z, 0, ws.noise(), 0, n * vae.latent());
        backend.run(plan("decode", n));
        float[] r = new float[n * vae.inputDim()];
        System.arraycopy(ws.out(), vae.outReconstructions(n).offset(), r, 0, r.length);
        return r;
    }

    /** Adds decode-and-loss plans ({@link Vae#decodeLossPlan}) for these batch sizes; call before prepare(). */
    public void addDecodeLossPlans(int... batches) {
        for (int b : batches) {
            if (b > maxBatch) throw new IllegalArgumentException("decode-loss batch " + b + " exceeds the workspace's " + maxBatch);
            plans.putIfAbsent("decodeLoss" + b, vae.decodeLossPlan(b));
        }
    }

    /**
     * Decodes the codes the caller wrote into the workspace's NOISE ([batch][L]) and returns the
     * offset in OUT of the reconstruction loss of each row against INPUT's row ([batch][D]).
     */
    public int runDecodeLoss(int batch) {
        backend.run(plan("decodeLoss", batch));
        return vae.outRecon(batch).offset();
    }

    @Override public void close() { backend.close(); }
}
