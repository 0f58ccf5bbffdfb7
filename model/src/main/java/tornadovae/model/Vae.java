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
import tornadovae.model.layers.Activation;
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
    private final Linear head;
    private final List<Layer> decoder = new ArrayList<>();
    private final ParamLayout layout = new ParamLayout();

    Vae(VaeSpec spec) {
        this.spec = spec;
        this.dim = spec.input().size();
        this.latent = spec.latent();
        int prev = dim;
        int[] hidden = spec.hidden();
        for (int i = 0; i < hidden.length; i++) {
            encoder.add(new Linear("encoder." + i, prev, hidden[i]));
            encoder.add(new Activation("encoder." + i, spec.activation(), spec.slope(), Shape.of(hidden[i])));
            prev = hidden[i];
        }
        head = Linear.splitHead("mu|logvar", prev, latent, "mu", "logvar");
        prev = latent;
        for (int i = 0; i < hidden.length; i++) {
            int h = hidden[hidden.length - 1 - i];
            decoder.add(new Linear("decoder." + i, prev, h));
            decoder.add(new Activation("decoder." + i, spec.activation(), spec.slope(), Shape.of(h)));
            prev = h;
        }
        decoder.add(new Linear("decoder." + hidden.length, prev, dim));
        for (Layer l : encoder) l.declareParams(layout);
        head.declareParams(layout);
        for (Layer l : decoder) l.declareParams(layout);
        checkShapes();
    }

    private void checkShapes() {
        Layer last = decoder.get(decoder.size() - 1);
        if (last.outputShape().size() != dim)
            throw new IllegalArgumentException("decoder output " + last.outputShape() + " of layer " + last.name()
                    + " does not match the input " + spec.input());
    }

    public VaeSpec spec() { return spec; }
    public ParamLayout layout() { return layout; }
    public int inputDim() { return dim; }
    public int latent() { return latent; }
    public int paramCount() { return layout.size(); }

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
    public Slice outReconstructions(int batch) { return new Slice(Buf.OUT, 2 * batch + 1, batch * dim); }
    public Slice outMuLogvar(int batch) { return new Slice(Buf.OUT, 2 * batch + 1 + batch * dim, 2 * batch * latent); }
    private int outSize(int batch) { return 2 * batch + 1 + batch * dim + 2 * batch * latent; }

    /** A workspace large enough for every plan of up to {@code maxBatch} samples. */
    public Workspace newWorkspace(int maxBatch) {
        int acts = trainPlanBuilder(maxBatch, Optimizer.adam()).actsUsed();
        return new Workspace(layout.size(), acts, maxBatch * dim, maxBatch * latent, outSize(maxBatch));
    }

    // ---- plans ------------------------------------------------------------------------------

    /** The slices of one forward pass, kept for the backward. */
    private record Forward(Slice[] encIn, Slice[] encOut, Slice muLogvar, Slice z, Slice[] decIn, Slice[] decOut) {
        Slice logits() { return decOut[decOut.length - 1]; }
    }

    private Forward forward(PlanBuilder pb, int batch, Slice x, Slice muLogvar, boolean sample) {
        Slice[] encIn = new Slice[encoder.size()], encOut = new Slice[encoder.size()];
        Slice cur = x;
        for (int i = 0; i < encoder.size(); i++) {
            Layer l = encoder.get(i);
            encIn[i] = cur;
            encOut[i] = pb.acts(batch * l.outputShape().size());
            l.forward(pb, encOut[i], cur, batch);
            cur = encOut[i];
        }
        head.forward(pb, muLogvar, cur, batch);
        Slice z = pb.acts(batch * latent);
        Slice eps = new Slice(Buf.NOISE, 0, batch * latent);
        if (sample) pb.add(new Op.Reparam(z, muLogvar, eps, batch, latent));
        Forward dec = decode(pb, batch, z);
        return new Forward(encIn, encOut, muLogvar, z, dec.decIn, dec.decOut);
    }

    private Forward decode(PlanBuilder pb, int batch, Slice z) {
        Slice[] decIn = new Slice[decoder.size()], decOut = new Slice[decoder.size()];
        Slice cur = z;
        for (int i = 0; i < decoder.size(); i++) {
            Layer l = decoder.get(i);
            decIn[i] = cur;
            decOut[i] = pb.acts(batch * l.outputShape().size());
            l.forward(pb, decOut[i], cur, batch);
            cur = decOut[i];
        }
        return new Forward(null, null, null, z, decIn, decOut);
    }

    private PlanBuilder trainPlanBuilder(int batch, Optimizer opt) { return trainPlanBuilder(batch, opt, 0f); }

    private PlanBuilder trainPlanBuilder(int batch, Optimizer opt, float freeBits) {
        PlanBuilder pb = new PlanBuilder();
        Slice x = new Slice(Buf.INPUT, 0, batch * dim);
        Forward f = forward(pb, batch, x, pb.acts(2 * batch * latent), true);
        pb.add(new Op.ReconLoss(outRecon(batch), f.logits(), x, spec.loss().wBce, spec.loss().wMse, batch, dim));
        pb.add(new Op.KlForward(outKl(batch), f.muLogvar(), batch, latent));

        // backward, top to bottom
        Slice dLogits = pb.acts(batch * dim);
        pb.add(new Op.ReconLossBackward(dLogits, f.logits(), x, spec.loss().wBce, spec.loss().wMse, batch, dim));
        Slice dCur = dLogits;
        Slice dz = pb.acts(batch * latent);
        for (int i = decoder.size() - 1; i >= 0; i--) {
            Slice dIn = i == 0 ? dz : pb.acts(f.decIn()[i].length());
            decoder.get(i).backward(pb, dIn, dCur, f.decOut()[i], f.decIn()[i], batch);
            dCur = dIn;
        }
        Slice dMuLogvar = pb.acts(2 * batch * latent);
        pb.add(new Op.ReparamBackward(dMuLogvar, dz, f.muLogvar(), new Slice(Buf.NOISE, 0, batch * latent), batch, latent));
        pb.add(freeBits > 0 ? new Op.KlBackwardFreeBits(dMuLogvar, f.muLogvar(), freeBits, batch, latent)
                : new Op.KlBackward(dMuLogvar, f.muLogvar(), batch, latent));
        Slice headIn = f.encOut()[encoder.size() - 1];
        Slice dHeadIn = pb.acts(headIn.length());
        head.backward(pb, dHeadIn, dMuLogvar, f.muLogvar(), headIn, batch);
        dCur = dHeadIn;
        for (int i = encoder.size() - 1; i >= 0; i--) {
            Slice dIn = i == 0 ? null : pb.acts(f.encIn()[i].length());
            encoder.get(i).backward(pb, dIn, dCur, f.encOut()[i], f.encIn()[i], batch);
            dCur = dIn;
        }

        // optimiser over whole arenas
        Slice grads = layout.all(Buf.GRADS);
        pb.add(new Op.GlobalNorm(outGradNorm(batch), grads));
        if (opt.clipGradNorm() > 0) pb.add(new Op.ClipByNorm(grads, outGradNorm(batch), opt.clipGradNorm()));
        pb.add(new Op.Adam(layout.all(Buf.PARAMS), grads, layout.all(Buf.ADAM_M), layout.all(Buf.ADAM_V),
                opt.beta1(), opt.beta2(), opt.eps(), opt.weightDecay()));
        return pb;
    }

    /** Forward, loss, backward and an Adam step; reads back per-sample losses and the gradient norm. */
    public StepPlan trainPlan(int batch, Optimizer opt) {
        return trainPlanBuilder(batch, opt).build("train" + batch, batch, new Slice(Buf.OUT, 0, 2 * batch + 1));
    }

    /** As {@link #trainPlan(int, Optimizer)} with free bits: dimensions whose batch-mean KL is below freeBits nats get no KL gradient. */
    public StepPlan trainPlan(int batch, Optimizer opt, float freeBits) {
        return trainPlanBuilder(batch, opt, freeBits).build("train" + batch, batch, new Slice(Buf.OUT, 0, 2 * batch + 1));
    }

    /**
     * Forward with sampled z and the losses; also reads back the reconstructions (sigmoid of the
     * logits) and [mu|logvar], so one plan serves test loss, reconstruction pictures and encoding.
     */
    public StepPlan evalPlan(int batch) {
        PlanBuilder pb = new PlanBuilder();
        Slice x = new Slice(Buf.INPUT, 0, batch * dim);
        Forward f = forward(pb, batch, x, outMuLogvar(batch), true);
        pb.add(new Op.ReconLoss(outRecon(batch), f.logits(), x, spec.loss().wBce, spec.loss().wMse, batch, dim));
        pb.add(new Op.KlForward(outKl(batch), f.muLogvar(), batch, latent));
        pb.add(new Op.ActForward(ActivationKind.SIGMOID, 0f, outReconstructions(batch), f.logits(), batch * dim));
        return pb.build("eval" + batch, batch, new Slice(Buf.OUT, 0, outSize(batch)));
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
        String fmt = "%-14s %-14s %-12s %,12d%n";
        sb.append(String.format("%-14s %-14s %-12s %12s%n", "layer", "type", "output", "params"));
        sb.append(String.format("%-14s %-14s %-12s %,12d%n", "input", "", spec.input(), 0));
        for (Layer l : encoder) sb.append(String.format(fmt, l.name(), l.type(), l.outputShape(), l.paramCount()));
        sb.append(String.format(fmt, head.name(), head.type(), latent + "+" + latent, head.paramCount()));
        sb.append(String.format(fmt, "z", "Reparameterise", Shape.of(latent), 0));
        for (Layer l : decoder) sb.append(String.format(fmt, l.name(), l.type(), l.outputShape(), l.paramCount()));
        sb.append(String.format(fmt, "output", "Sigmoid", spec.input(), 0));
        sb.append(String.format("%-14s %-14s %-12s %,12d%n", "total", "", "", layout.size()));
        return sb.toString();
    }
}
