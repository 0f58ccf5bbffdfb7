package tornadovae.kernels.tornado;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.Buf;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.Scalars;
import tornadovae.kernels.plan.Slice;
import tornadovae.kernels.plan.StepPlan;
import tornadovae.kernels.plan.Workspace;

/**
 * A hand-built MLP VAE (PyTorch's example: D→H→2L, reparameterise, L→H→D, BCE on logits + KL)
 * as step plans, the way the model module will emit them: a training step (forward, losses,
 * backward, global norm, clipping, Adam) and a forward-only evaluation plan of another batch size.
 * OUT holds recon[B], kl[B], norm.
 */
final class MlpVaePlans {
    final int d, h, l, batch, evalBatch;
    final ActivationKind encAct, decAct;
    final float maxNorm;
    // PARAMS (and GRADS) layout
    private final Slice w1, b1, wml, bml, w2, b2, w3, b3;
    final int params;
    // ACTS layout (sized for the training batch)
    private final Slice h1, ml, z, h2, logits, dlogits, dh2, dz, dml, dh1;
    final int acts;

    MlpVaePlans(int d, int h, int l, int batch, int evalBatch, ActivationKind encAct, ActivationKind decAct, float maxNorm) {
        this.d = d; this.h = h; this.l = l; this.batch = batch; this.evalBatch = evalBatch;
        this.encAct = encAct; this.decAct = decAct; this.maxNorm = maxNorm;
        int[] p = {0};
        w1 = next(Buf.PARAMS, p, h * d); b1 = next(Buf.PARAMS, p, h);
        wml = next(Buf.PARAMS, p, 2 * l * h); bml = next(Buf.PARAMS, p, 2 * l);
        w2 = next(Buf.PARAMS, p, h * l); b2 = next(Buf.PARAMS, p, h);
        w3 = next(Buf.PARAMS, p, d * h); b3 = next(Buf.PARAMS, p, d);
        params = p[0];
        int[] a = {0};
        h1 = next(Buf.ACTS, a, batch * h); ml = next(Buf.ACTS, a, batch * 2 * l); z = next(Buf.ACTS, a, batch * l);
        h2 = next(Buf.ACTS, a, batch * h); logits = next(Buf.ACTS, a, batch * d);
        dlogits = next(Buf.ACTS, a, batch * d); dh2 = next(Buf.ACTS, a, batch * h); dz = next(Buf.ACTS, a, batch * l);
        dml = next(Buf.ACTS, a, batch * 2 * l); dh1 = next(Buf.ACTS, a, batch * h);
        acts = a[0];
    }

    private static Slice next(Buf b, int[] cursor, int len) {
        Slice s = new Slice(b, cursor[0], len);
        cursor[0] += len;
        return s;
    }

    private static Slice g(Slice p) { return new Slice(Buf.GRADS, p.offset(), p.length()); }

    Workspace workspace() {
        return new Workspace(params, acts, batch * d, batch * l, 2 * batch + 1);
    }

    /** PyTorch's default Linear init, U(-1/sqrt(fanIn), 1/sqrt(fanIn)), for weights and biases. */
    void init(Workspace ws, long seed) {
        Random r = new Random(seed);
        float[] p = ws.params();
        for (Slice[] wb : new Slice[][] {{w1, b1}, {wml, bml}, {w2, b2}, {w3, b3}}) {
            int fanIn = wb[0].length() / wb[1].length();
            float bound = (float) (1 / Math.sqrt(fanIn));
            for (Slice s : wb) for (int i = 0; i < s.length(); i++) p[s.offset() + i] = bound * (2 * r.nextFloat() - 1);
        }
    }

    /** A minibatch of binary-ish pixels, fresh noise and the step's scalars (Adam step t ≥ 1). */
    void nextStep(Workspace ws, Random r, int t) {
        float[] x = ws.input();
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat() < 0.3f ? r.nextFloat() : 0f;
        float[] eps = ws.noise();
        for (int i = 0; i < eps.length; i++) eps[i] = (float) r.nextGaussian();
        float[] sc = ws.scalars();
        sc[Scalars.LEARNING_RATE] = 1e-3f;
        sc[Scalars.ADAM_BC1] = (float) (1 - Math.pow(0.9, t));
        sc[Scalars.ADAM_BC2] = (float) (1 - Math.pow(0.999, t));
        sc[Scalars.KL_WEIGHT] = 1f;
    }

    private static Slice rows(Slice s, int rows, int width) { return s.sub(0, rows * width); }

    private List<Op> forward(int b) {
        Slice x = new Slice(Buf.INPUT, 0, b * d), eps = new Slice(Buf.NOISE, 0, b * l);
        Slice h1b = rows(h1, b, h), mlb = rows(ml, b, 2 * l), zb = rows(z, b, l), h2b = rows(h2, b, h), lg = rows(logits, b, d);
        List<Op> ops = new ArrayList<>();
        ops.add(new Op.Sgemm(h1b, x, w1, b, h, d, false, true, false));
        ops.add(new Op.BiasAdd(h1b, b1, b, h));
        ops.add(new Op.ActForward(encAct, 0.01f, h1b, h1b, b * h));
        ops.add(new Op.Sgemm(mlb, h1b, wml, b, 2 * l, h, false, true, false));
        ops.add(new Op.BiasAdd(mlb, bml, b, 2 * l));
        ops.add(new Op.Reparam(zb, mlb, eps, b, l));
        ops.add(new Op.Sgemm(h2b, zb, w2, b, h, l, false, true, false));
        ops.add(new Op.BiasAdd(h2b, b2, b, h));
        ops.add(new Op.ActForward(decAct, 0.01f, h2b, h2b, b * h));
        ops.add(new Op.Sgemm(lg, h2b, w3, b, d, h, false, true, false));
        ops.add(new Op.BiasAdd(lg, b3, b, d));
        ops.add(new Op.ReconLoss(new Slice(Buf.OUT, 0, b), lg, x, 1f, 0f, b, d));
        ops.add(new Op.KlForward(new Slice(Buf.OUT, batch, b), mlb, b, l));
        return ops;
    }

    private List<Op> backward() {
        int b = batch;
        Slice x = new Slice(Buf.INPUT, 0, b * d), eps = new Slice(Buf.NOISE, 0, b * l);
        Slice grads = new Slice(Buf.GRADS, 0, params), norm = new Slice(Buf.OUT, 2 * batch, 1);
        List<Op> ops = new ArrayList<>();
        ops.add(new Op.Fill(grads, 0f));
        ops.add(new Op.ReconLossBackward(dlogits, logits, x, 1f, 0f, b, d));
        ops.add(new Op.Sgemm(g(w3), dlogits, h2, d, h, b, true, false, false));
        ops.add(new Op.BiasGrad(g(b3), dlogits, b, d));
        ops.add(new Op.Sgemm(dh2, dlogits, w3, b, h, d, false, false, false));
        ops.add(new Op.ActBackward(decAct, 0.01f, dh2, h2, dh2, b * h));
        ops.add(new Op.Sgemm(g(w2), dh2, z, h, l, b, true, false, false));
        ops.add(new Op.BiasGrad(g(b2), dh2, b, h));
        ops.add(new Op.Sgemm(dz, dh2, w2, b, l, h, false, false, false));
        ops.add(new Op.ReparamBackward(dml, dz, ml, eps, b, l));
        ops.add(new Op.KlBackward(dml, ml, b, l));
        ops.add(new Op.Sgemm(g(wml), dml, h1, 2 * l, h, b, true, false, false));
        ops.add(new Op.BiasGrad(g(bml), dml, b, 2 * l));
        ops.add(new Op.Sgemm(dh1, dml, wml, b, h, 2 * l, false, false, false));
        ops.add(new Op.ActBackward(encAct, 0.01f, dh1, h1, dh1, b * h));
        ops.add(new Op.Sgemm(g(w1), dh1, x, h, d, b, true, false, true)); // accumulates onto the zeroed arena
        ops.add(new Op.BiasGrad(g(b1), dh1, b, h));
        ops.add(new Op.GlobalNorm(norm, grads));
        ops.add(new Op.ClipByNorm(grads, norm, maxNorm));
        ops.add(new Op.Adam(new Slice(Buf.PARAMS, 0, params), grads, new Slice(Buf.ADAM_M, 0, params),
                new Slice(Buf.ADAM_V, 0, params), 0.9f, 0.999f, 1e-8f, 0f));
        return ops;
    }

    StepPlan train() {
        List<Op> ops = new ArrayList<>(forward(batch));
        ops.addAll(backward());
        return new StepPlan("train", batch, ops, new Slice(Buf.OUT, 0, 2 * batch + 1));
    }

    StepPlan eval() {
        return new StepPlan("eval", evalBatch, forward(evalBatch), new Slice(Buf.OUT, 0, evalBatch));
    }
}
