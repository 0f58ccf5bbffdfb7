package tornadovae.model;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.Buf;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.Slice;
import tornadovae.kernels.plan.StepPlan;
import tornadovae.kernels.plan.Workspace;
import tornadovae.model.layers.Layer;
import tornadovae.model.layers.Linear;

/**
 * A VAE as layers, and its compilation into step plans. The encoder ends in one Linear that
 * writes [mu | logvar]; the decoder ends in logits (the sigmoid is folded into the loss, and
 * applied explicitly only where reconstructions are read back).
 *
 * OUT layout for a batch B: per-sample reconstruction loss [B], per-sample KL [B], gradient
 * norm [1], reconstructions [B×D], [mu|logvar] [B×2L].
 */
public final class Vae {
    private final VaeSpec spec;
    private final int dim, latent;
    private final List<Layer> encoder = new ArrayList<>();
    private Linear head;
    private final List<Layer> decoder = new ArrayList<>();
    private final ParamLayout layout = new ParamLayout();

    Vae(VaeSpec spec) {
        this.spec = spec;
        this.dim = spec.input().size();
        this.latent = spec.latent();
        head = spec.conv() == null ? VaeLayers.mlp(spec, encoder, decoder) : VaeLayers.conv(spec, spec.conv(), encoder, decoder);
        for (Layer l : encoder) l.declareParams(layout);
        head.declareParams(layout);
        for (Layer l : decoder) l.declareParams(layout);
        ShapeCheck.check(spec, encoder, head, decoder);
    }

    public VaeSpec spec() { return spec; }
    public ParamLayout layout() { return layout; }
    public int inputDim() { return dim; }
    public int latent() { return latent; }
    public int paramCount() { return layout.size(); }

    /**
     * The parameter count {@code spec} describes, from its own layers: {@link VaeSpec#build()}'s construction,
     * which allocates no arena and derives every size in long arithmetic under {@link Shape#MAX_SIZE} and
     * {@link ParamLayout#MAX_PARAMS}; a checkpoint reader compares it with what a file holds before allocating.
     * Throws IllegalArgumentException naming the layer or field of an architecture that cannot be built.
     */
    public static long paramCount(VaeSpec spec) { return new Vae(spec).layout.size(); }

    /** Plans compute batch × per-sample size in int; per-sample sizes are bounded, so only the batch can overflow it. */
    private void checkBatch(long rows) {
        long widest = Math.max(dim, 2L * latent);
        for (Layer l : encoder) widest = Math.max(widest, l.outputShape().size());
        for (Layer l : decoder) widest = Math.max(widest, l.outputShape().size());
        if (rows < 1 || rows * widest > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("a batch of " + rows + " is too large for this model: its widest layer has "
                    + widest + " values per sample");
    }

    /** Initialises PARAMS the way PyTorch would (each Linear: U(±1/√fan_in)). */
    public void initParams(float[] params, long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (Layer l : encoder) l.initParams(params, layout, rng);
        head.initParams(params, layout, rng);
        for (Layer l : decoder) l.initParams(params, layout, rng);
    }

    // ---- OUT layout -------------------------------------------------------------------------

    public Slice outRecon(int batch) { return new Slice(Buf.OUT, 0, batch); }
    public Slice outKl(int batch) { return new Slice(Buf.OUT, batch, batch); }
    public Slice outGradNorm(int batch) { return new Slice(Buf.OUT, 2 * batch, 1); }
    // [mu|logvar] before the reconstructions: a loss plan reads back a prefix of OUT without them
    public Slice outMuLogvar(int batch) { return new Slice(Buf.OUT, 2 * batch + 1, 2 * batch * latent); }
    public Slice outReconstructions(int batch) { return new Slice(Buf.OUT, 2 * batch + 1 + 2 * batch * latent, batch * dim); }
    private int outSize(int batch) { return Math.toIntExact(WorkspaceSize.outFloats(batch, latent, dim)); }

    /** A workspace large enough for every plan of up to {@code maxBatch} samples. */
    public Workspace newWorkspace(int maxBatch) { return newWorkspace(maxBatch, 1); }

    /** A workspace for plans of up to {@code maxBatch} samples, training with {@code mcSamples} latent draws each. */
    public Workspace newWorkspace(int maxBatch, int mcSamples) {
        WorkspaceSize w = workspaceSize(maxBatch, mcSamples);   // first: a plan this large would overflow its int offsets
        if (w.largestArray() > WorkspaceSize.MAX_ARRAY)
            throw new IllegalArgumentException("batches of " + maxBatch + " (× " + mcSamples + " latent draws) need arrays of "
                    + w.largestArray() + " floats, more than a Java array holds; use a smaller --batch-size or --mc-samples");
        return new Workspace((int) w.params(), (int) w.acts(), (int) w.input(), (int) w.noise(), (int) w.out());
    }

    /** What {@link #newWorkspace(int, int)} would allocate, computed without allocating it. */
    public WorkspaceSize workspaceSize(int maxBatch, int mcSamples) { return WorkspaceSize.of(this, maxBatch, mcSamples); }

    int actsUsed(int batch, int mc) { return trainPlanBuilder(batch, Optimizer.adam(), mc, 0f).actsUsed(); }

    // ---- plans ------------------------------------------------------------------------------

    /** The slices of one forward pass, kept for the backward. */
    private record Forward(Slice[] encIn, Slice[] encOut, Slice muLogvar, Slice draws, Slice z, Slice[] decIn, Slice[] decOut) {
        Slice logits() { return decOut[decOut.length - 1]; }
    }

    private Forward forward(PlanBuilder pb, int batch, Slice x, Slice muLogvar, boolean sample) {
        return forward(pb, batch, x, muLogvar, sample, 1);
    }

    /** Encodes B rows, then decodes copies·B rows: row k·B + b is the k-th latent draw of sample b. */
    private Forward forward(PlanBuilder pb, int batch, Slice x, Slice muLogvar, boolean sample, int copies) {
        Slice[] encIn = new Slice[encoder.size()], encOut = new Slice[encoder.size()];
        Slice cur = x;
        for (int i = 0; i < encoder.size(); i++) {
            Layer l = encoder.get(i);
            encIn[i] = cur;
            if (l.isView()) {
                encOut[i] = cur;
            } else {
                encOut[i] = pb.acts(batch * l.outputShape().size());
                l.forward(pb, encOut[i], cur, batch);
            }
            cur = encOut[i];
        }
        head.forward(pb, muLogvar, cur, batch);
        Slice draws = muLogvar;
        if (copies > 1) {
            draws = pb.acts(copies * 2 * batch * latent);
            pb.add(new Op.Replicate(draws, muLogvar, copies));
        }
        int rows = copies * batch;
        Slice z = pb.acts(rows * latent);
        Slice eps = new Slice(Buf.NOISE, 0, rows * latent);
        if (sample) pb.add(new Op.Reparam(z, draws, eps, rows, latent));
        Forward dec = decode(pb, rows, z);
        return new Forward(encIn, encOut, muLogvar, draws, z, dec.decIn, dec.decOut);
    }

    private Forward decode(PlanBuilder pb, int batch, Slice z) {
        checkBatch(batch);
        Slice[] decIn = new Slice[decoder.size()], decOut = new Slice[decoder.size()];
        Slice cur = z;
        for (int i = 0; i < decoder.size(); i++) {
            Layer l = decoder.get(i);
            decIn[i] = cur;
            if (l.isView()) {
                decOut[i] = cur;
            } else {
                decOut[i] = pb.acts(batch * l.outputShape().size());
                l.forward(pb, decOut[i], cur, batch);
            }
            cur = decOut[i];
        }
        return new Forward(null, null, null, null, z, decIn, decOut);
    }

    /**
     * With K Monte-Carlo samples the decoder sees K·B rows (the encoder output replicated K times,
     * K noise draws per sample) and each sample's reconstruction loss is the MEAN of its K
     * per-draw losses: the loss weights are divided by K, which scales the per-draw losses and
     * their gradients alike, and the K per-draw values are summed per sample. With free bits > 0
     * a latent dimension whose batch-mean KL is below that many nats gets no KL gradient.
     */
    private PlanBuilder trainPlanBuilder(int batch, Optimizer opt, int mc, float freeBits) {
        if (mc < 1) throw new IllegalArgumentException("--mc-samples must be at least 1, got " + mc);
        checkBatch((long) mc * batch);
        PlanBuilder pb = new PlanBuilder();
        Slice x = new Slice(Buf.INPUT, 0, batch * dim);
        Forward f = forward(pb, batch, x, pb.acts(2 * batch * latent), true, mc);
        int rows = mc * batch;
        float wBce = spec.loss().wBce / mc, wMse = spec.loss().wMse / mc;
        Slice target = x;
        if (mc > 1) {
            target = pb.acts(rows * dim);
            pb.add(new Op.Replicate(target, x, mc));
            Slice perDraw = pb.acts(rows);
            pb.add(new Op.ReconLoss(perDraw, f.logits(), target, wBce, wMse, rows, dim));
            pb.add(new Op.SumCopies(outRecon(batch), perDraw, mc, 1f));
        } else {
            pb.add(new Op.ReconLoss(outRecon(batch), f.logits(), x, wBce, wMse, batch, dim));
        }
        pb.add(new Op.KlForward(outKl(batch), f.muLogvar(), batch, latent));

        // backward, top to bottom
        Slice dLogits = pb.acts(rows * dim);
        pb.add(new Op.ReconLossBackward(dLogits, f.logits(), target, wBce, wMse, rows, dim));
        Slice dCur = dLogits;
        Slice dz = pb.acts(rows * latent);
        for (int i = decoder.size() - 1; i >= 0; i--) {
            if (decoder.get(i).isView() && i > 0) continue;   // the gradient passes through as it is
            Slice dIn = i == 0 ? dz : pb.acts(f.decIn()[i].length());
            decoder.get(i).backward(pb, dIn, dCur, f.decOut()[i], f.decIn()[i], rows);
            dCur = dIn;
        }
        Slice dMuLogvar = pb.acts(2 * batch * latent);
        Slice dDraws = mc > 1 ? pb.acts(rows * 2 * latent) : dMuLogvar;
        pb.add(new Op.ReparamBackward(dDraws, dz, f.draws(), new Slice(Buf.NOISE, 0, rows * latent), rows, latent));
        if (mc > 1) pb.add(new Op.SumCopies(dMuLogvar, dDraws, mc, 1f));
        pb.add(freeBits > 0 ? new Op.KlBackwardFreeBits(dMuLogvar, f.muLogvar(), freeBits, batch, latent)
                : new Op.KlBackward(dMuLogvar, f.muLogvar(), batch, latent));
        Slice headIn = f.encOut()[encoder.size() - 1];
        Slice dHeadIn = pb.acts(headIn.length());
        head.backward(pb, dHeadIn, dMuLogvar, f.muLogvar(), headIn, batch);
        dCur = dHeadIn;
        for (int i = encoder.size() - 1; i >= 0; i--) {
            if (encoder.get(i).isView()) continue;            // the gradient passes through as it is
            Slice dIn = i == 0 ? null : pb.acts(f.encIn()[i].length());
            encoder.get(i).backward(pb, dIn, dCur, f.encOut()[i], f.encIn()[i], batch);
            dCur = dIn;
        }

        if (opt != null) optimizerOps(pb, opt, outGradNorm(batch));
        return pb;
    }

    /** The optimiser over whole arenas: the gradient norm into {@code norm}, clipping if asked, then Adam. */
    private void optimizerOps(PlanBuilder pb, Optimizer opt, Slice norm) {
        Slice grads = layout.all(Buf.GRADS);
        pb.add(new Op.GlobalNorm(norm, grads));
        if (opt.clipGradNorm() > 0) pb.add(new Op.ClipByNorm(grads, norm, opt.clipGradNorm()));
        pb.add(new Op.Adam(layout.all(Buf.PARAMS), grads, layout.all(Buf.ADAM_M), layout.all(Buf.ADAM_V),
                opt.beta1(), opt.beta2(), opt.eps(), opt.weightDecay()));
    }

    /**
     * A training step without its optimiser: forward, losses and backward, leaving the gradient of the batch's
     * SUMMED loss in GRADS (overwritten, not accumulated). Because the loss is a sum over samples, the gradients
     * of disjoint parts of a batch add up to the whole batch's gradient (data parallelism), except with free bits,
     * whose gate is a batch-mean statistic. Reads back the per-sample losses, OUT[0, 2B).
     */
    public StepPlan gradientPlan(int batch, int mcSamples, float freeBits) {
        return trainPlanBuilder(batch, null, mcSamples, freeBits).build("gradient" + batch, batch, new Slice(Buf.OUT, 0, 2 * batch));
    }

    /**
     * The optimiser step of {@link #trainPlan} on its own: the norm of the gradients in GRADS into OUT[0], clipping,
     * Adam. The same ops as a train plan's tail, so a gradient summed elsewhere gets the update a train plan makes.
     */
    public StepPlan optimizerPlan(Optimizer opt) {
        PlanBuilder pb = new PlanBuilder();
        optimizerOps(pb, opt, outGradNorm(0));
        return pb.build("optimizer", 0, outGradNorm(0));
    }

    /** Forward, loss, backward and an Adam step; reads back per-sample losses and the gradient norm. */
    public StepPlan trainPlan(int batch, Optimizer opt) { return trainPlan(batch, opt, 1); }

    /** A training step with {@code mcSamples} latent draws per sample (NOISE holds mcSamples·B rows). */
    public StepPlan trainPlan(int batch, Optimizer opt, int mcSamples) { return trainPlan(batch, opt, mcSamples, 0f); }

    /** A training step with K Monte-Carlo samples per input and free bits (0 = off). */
    public StepPlan trainPlan(int batch, Optimizer opt, int mcSamples, float freeBits) {
        return trainPlanBuilder(batch, opt, mcSamples, freeBits).build("train" + batch, batch, new Slice(Buf.OUT, 0, 2 * batch + 1));
    }

    /** As {@link #trainPlan(int, Optimizer)} with free bits: dimensions whose batch-mean KL is below freeBits nats get no KL gradient. */
    public StepPlan trainPlan(int batch, Optimizer opt, float freeBits) {
        return trainPlan(batch, opt, 1, freeBits);
    }

    /**
     * Forward with sampled z and the losses; also reads back the reconstructions (sigmoid of the
     * logits) and [mu|logvar], so one plan serves test loss, reconstruction pictures and encoding.
     */
    public StepPlan evalPlan(int batch) {
        PlanBuilder pb = new PlanBuilder();
        Slice logits = forwardAndLosses(pb, batch);
        pb.add(new Op.ActForward(ActivationKind.SIGMOID, 0f, outReconstructions(batch), logits, batch * dim));
        return pb.build("eval" + batch, batch, new Slice(Buf.OUT, 0, outSize(batch)));
    }

    /**
     * The eval plan without the reconstructions: forward with sampled z, the losses and [mu|logvar].
     * A pass over a test set needs no sigmoid of every logit (the losses take the logits), which
     * saves a pass over the outputs and, in a fresh JVM, ~0.5 s of the sigmoid running cold.
     */
    public StepPlan lossPlan(int batch) {
        PlanBuilder pb = new PlanBuilder();
        forwardAndLosses(pb, batch);
        return pb.build("loss" + batch, batch, new Slice(Buf.OUT, 0, outMuLogvar(batch).end()));
    }

    /** Forward with sampled z, [mu|logvar] and the per-sample losses into OUT; returns the logits. */
    private Slice forwardAndLosses(PlanBuilder pb, int batch) {
        checkBatch(batch);
        Slice x = new Slice(Buf.INPUT, 0, batch * dim);
        Forward f = forward(pb, batch, x, outMuLogvar(batch), true);
        pb.add(new Op.ReconLoss(outRecon(batch), f.logits(), x, spec.loss().wBce, spec.loss().wMse, batch, dim));
        pb.add(new Op.KlForward(outKl(batch), f.muLogvar(), batch, latent));
        return f.logits();
    }

    /** Decodes the latent codes in NOISE ([B][L]) to images in OUT's reconstruction slice. */
    public StepPlan decodePlan(int batch) {
        PlanBuilder pb = new PlanBuilder();
        Forward f = decode(pb, batch, new Slice(Buf.NOISE, 0, batch * latent));
        pb.add(new Op.ActForward(ActivationKind.SIGMOID, 0f, outReconstructions(batch), f.logits(), batch * dim));
        Slice rec = outReconstructions(batch);
        return pb.build("decode" + batch, batch, new Slice(Buf.OUT, 0, rec.end()));
    }

    /**
     * Decodes the latent codes in NOISE ([B][L]) and writes each row's reconstruction loss against
     * the row of INPUT ([B][D]) into OUT's per-sample recon slice: log p(x|z) for given z, as the
     * importance-weighted bound needs it (the host repeats each image once per sample).
     */
    public StepPlan decodeLossPlan(int batch) {
        PlanBuilder pb = new PlanBuilder();
        Forward f = decode(pb, batch, new Slice(Buf.NOISE, 0, batch * latent));
        Slice x = new Slice(Buf.INPUT, 0, batch * dim);
        pb.add(new Op.ReconLoss(outRecon(batch), f.logits(), x, spec.loss().wBce, spec.loss().wMse, batch, dim));
        return pb.build("decodeLoss" + batch, batch, outRecon(batch));
    }

    // ---- the layer table ---------------------------------------------------------------------

    /** Layer, output shape and parameter count, as printed before training. */
    public String layerTable() {
        StringBuilder sb = new StringBuilder();
        String fmt = "%-18s %-21s %-12s %,12d%n";
        sb.append(String.format("%-18s %-21s %-12s %12s%n", "layer", "type", "output", "params"));
        sb.append(String.format(fmt, "input", "", spec.input(), 0));
        for (Layer l : encoder) sb.append(String.format(fmt, l.name(), l.type(), l.outputShape(), l.paramCount()));
        sb.append(String.format(fmt, head.name(), head.type(), latent + "+" + latent, head.paramCount()));
        sb.append(String.format(fmt, "z", "Reparameterise", Shape.of(latent), 0));
        for (Layer l : decoder) sb.append(String.format(fmt, l.name(), l.type(), l.outputShape(), l.paramCount()));
        sb.append(String.format(fmt, "output", "Sigmoid", spec.input(), 0));
        sb.append(String.format(fmt, "total", "", "", layout.size()));
        return sb.toString();
    }
}
