package tornadovae.kernels.plan;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;
import tornadovae.kernels.ActivationKind;

/**
 * One step of a plan: which kernel, over which slices, with which frozen dimensions. Each op
 * has a reference kernel with the same name in {@code tornadovae.kernels.ref}, which defines it.
 */
public sealed interface Op {

    /** dst[:] = value */
    record Fill(Slice dst, float value) implements Op {}

    /** c = op(a)·op(b) (+ c); see {@link tornadovae.kernels.ref.MatmulRef#sgemm}. */
    record Sgemm(Slice c, Slice a, Slice b, int m, int n, int k,
                 boolean transA, boolean transB, boolean accumulate) implements Op {
        public Sgemm {
            check(c, m * n, "C");
            check(a, m * k, "A");
            check(b, k * n, "B");
        }
    }

    /** out[r][c] += bias[c] */
    record BiasAdd(Slice out, Slice bias, int rows, int cols) implements Op {
        public BiasAdd { check(out, rows * cols, "out"); check(bias, cols, "bias"); }
    }

    /** dbias[c] = Σ_r dout[r][c] */
    record BiasGrad(Slice dbias, Slice dout, int rows, int cols) implements Op {
        public BiasGrad { check(dbias, cols, "dbias"); check(dout, rows * cols, "dout"); }
    }

    record ActForward(ActivationKind kind, float slope, Slice out, Slice in, int n) implements Op {
        public ActForward { check(out, n, "out"); check(in, n, "in"); }
    }

    /** dinp = dout·f'(out) */
    record ActBackward(ActivationKind kind, float slope, Slice dinp, Slice out, Slice dout, int n) implements Op {
        public ActBackward { check(dinp, n, "dinp"); check(out, n, "out"); check(dout, n, "dout"); }
    }

    /** z = mu + exp(logvar/2)·eps, muLogvar is [B][2L] */
    record Reparam(Slice z, Slice muLogvar, Slice eps, int batch, int latent) implements Op {
        public Reparam { check(z, batch * latent, "z"); check(muLogvar, 2 * batch * latent, "muLogvar"); check(eps, batch * latent, "eps"); }
    }

    /** Writes dMuLogvar from dz (overwrites). */
    record ReparamBackward(Slice dMuLogvar, Slice dz, Slice muLogvar, Slice eps, int batch, int latent) implements Op {
        public ReparamBackward { check(dMuLogvar, 2 * batch * latent, "dMuLogvar"); check(dz, batch * latent, "dz"); }
    }

    record KlForward(Slice klPerSample, Slice muLogvar, int batch, int latent) implements Op {
        public KlForward { check(klPerSample, batch, "kl"); check(muLogvar, 2 * batch * latent, "muLogvar"); }
    }

    /** Adds SCALARS[KL_WEIGHT]·dKL into dMuLogvar. */
    record KlBackward(Slice dMuLogvar, Slice muLogvar, int batch, int latent) implements Op {
        public KlBackward { check(dMuLogvar, 2 * batch * latent, "dMuLogvar"); }
    }

    /**
     * As KlBackward, but a latent dimension whose KL averaged over the batch is below
     * {@code freeBits} nats gets no gradient (free bits); see {@link tornadovae.kernels.ref.VaeRef#klBackwardFreeBits}.
     */
    record KlBackwardFreeBits(Slice dMuLogvar, Slice muLogvar, float freeBits, int batch, int latent) implements Op {
        public KlBackwardFreeBits { check(dMuLogvar, 2 * batch * latent, "dMuLogvar"); check(muLogvar, 2 * batch * latent, "muLogvar"); }
    }

    /** Per-sample reconstruction loss from logits; see {@link tornadovae.kernels.ref.LossRef}. */
    record ReconLoss(Slice perSample, Slice logits, Slice target, float wBce, float wMse, int batch, int dim) implements Op {
        public ReconLoss { check(perSample, batch, "perSample"); check(logits, batch * dim, "logits"); check(target, batch * dim, "target"); }
    }

    record ReconLossBackward(Slice dlogits, Slice logits, Slice target, float wBce, float wMse, int batch, int dim) implements Op {
        public ReconLossBackward { check(dlogits, batch * dim, "dlogits"); check(logits, batch * dim, "logits"); }
    }

    /** out[0] = ||x||₂ */
    record GlobalNorm(Slice out, Slice x) implements Op {
        public GlobalNorm { check(out, 1, "out"); }
    }

    /** x *= min(1, maxNorm / (norm[0] + 1e-6)) */
    record ClipByNorm(Slice x, Slice norm, float maxNorm) implements Op {}

    /**
     * Adam over whole arenas; lr and bias corrections come from SCALARS. With normOut (not null) it
     * first writes ||grads||₂ there, as {@link GlobalNorm} would, in the same pass over the gradients (see {@link Fusion}).
     */
    record Adam(Slice params, Slice grads, Slice m, Slice v, float beta1, float beta2, float eps, float weightDecay,
                Slice normOut) implements Op {
        public Adam {
            check(grads, params.length(), "grads"); check(m, params.length(), "m"); check(v, params.length(), "v");
            if (normOut != null) check(normOut, 1, "normOut");
        }

        public Adam(Slice params, Slice grads, Slice m, Slice v, float beta1, float beta2, float eps, float weightDecay) {
            this(params, grads, m, v, beta1, beta2, eps, weightDecay, null);
        }
    }

    /**
     * Conv2d: out[n][o][y][x] = bias[o] + Σ in[n][c][y·s−p+i][x·s−p+j]·w[o][c][i][j], w in PyTorch's
     * [outC][inC][k][k]. col is scratch (im2col for the JVM schedule, contents undefined afterwards).
     * The epilogue, if any, activates out as it is written (see {@link Fusion}).
     */
    record Conv2d(Slice out, Slice in, Slice weight, Slice bias, Slice col, ConvGeometry g, Epilogue epilogue) implements Op {
        public Conv2d {
            conv(g);
            check(out, g.outSize(), "out"); check(in, g.inSize(), "in");
            check(weight, g.weightSize(), "weight"); check(bias, g.outC(), "bias");
            epilogue.checkFor(out, true);
        }

        public Conv2d(Slice out, Slice in, Slice weight, Slice bias, Slice col, ConvGeometry g) {
            this(out, in, weight, bias, col, g, Epilogue.NONE);
        }
    }

    /** Conv2d's input gradient (overwrites dIn), times f'(actOut) when the epilogue is a derivative (see {@link Fusion}). */
    record Conv2dInputGrad(Slice dIn, Slice dOut, Slice weight, Slice col, ConvGeometry g, Epilogue epilogue) implements Op {
        public Conv2dInputGrad {
            conv(g);
            check(dIn, g.inSize(), "dIn"); check(dOut, g.outSize(), "dOut"); check(weight, g.weightSize(), "weight");
            epilogue.checkFor(dIn, false);
        }

        public Conv2dInputGrad(Slice dIn, Slice dOut, Slice weight, Slice col, ConvGeometry g) {
            this(dIn, dOut, weight, col, g, Epilogue.NONE);
        }
    }

    /** Conv2d's weight gradient (overwrites dWeight). */
    record Conv2dWeightGrad(Slice dWeight, Slice dOut, Slice in, Slice col, ConvGeometry g) implements Op {
        public Conv2dWeightGrad {
            conv(g);
            check(dWeight, g.weightSize(), "dWeight"); check(dOut, g.outSize(), "dOut"); check(in, g.inSize(), "in");
        }
    }

    /**
     * ConvTranspose2d: out[n][o][y][x] = bias[o] + Σ in[n][c][a][b]·w[c][o][i][j] over y = a·s−p+i,
     * x = b·s−p+j; w in PyTorch's [inC][outC][k][k]. col is scratch as for Conv2d.
     */
    record ConvTranspose2d(Slice out, Slice in, Slice weight, Slice bias, Slice col, ConvGeometry g, Epilogue epilogue) implements Op {
        public ConvTranspose2d {
            transpose(g);
            check(out, g.outSize(), "out"); check(in, g.inSize(), "in");
            check(weight, g.weightSize(), "weight"); check(bias, g.outC(), "bias");
            epilogue.checkFor(out, true);
        }

        public ConvTranspose2d(Slice out, Slice in, Slice weight, Slice bias, Slice col, ConvGeometry g) {
            this(out, in, weight, bias, col, g, Epilogue.NONE);
        }
    }

    /** ConvTranspose2d's input gradient (overwrites dIn), times f'(actOut) when the epilogue is a derivative. */
    record ConvTranspose2dInputGrad(Slice dIn, Slice dOut, Slice weight, Slice col, ConvGeometry g, Epilogue epilogue) implements Op {
        public ConvTranspose2dInputGrad {
            transpose(g);
            check(dIn, g.inSize(), "dIn"); check(dOut, g.outSize(), "dOut"); check(weight, g.weightSize(), "weight");
            epilogue.checkFor(dIn, false);
        }

        public ConvTranspose2dInputGrad(Slice dIn, Slice dOut, Slice weight, Slice col, ConvGeometry g) {
            this(dIn, dOut, weight, col, g, Epilogue.NONE);
        }
    }

    /** ConvTranspose2d's weight gradient (overwrites dWeight). */
    record ConvTranspose2dWeightGrad(Slice dWeight, Slice dOut, Slice in, Slice col, ConvGeometry g) implements Op {
        public ConvTranspose2dWeightGrad {
            transpose(g);
            check(dWeight, g.weightSize(), "dWeight"); check(dOut, g.outSize(), "dOut"); check(in, g.inSize(), "in");
        }
    }

    /** dbias[c] = Σ_{n,p} dout[n][c][p] over NCHW with {@code plane} = H·W (overwrites). */
    record ChannelBiasGrad(Slice dbias, Slice dout, int batch, int channels, int plane) implements Op {
        public ChannelBiasGrad { check(dbias, channels, "dbias"); check(dout, batch * channels * plane, "dout"); }
    }

    /**
     * Monte-Carlo samples: out[k][b][:] = in[b][:] for k < copies (the encoder output replicated
     * so K·B decoder rows see K noise draws each).
     */
    record Replicate(Slice out, Slice in, int copies) implements Op {
        public Replicate { check(out, copies * in.length(), "out"); }
    }

    /** The gradient of {@link Replicate}: out[b][:] = scale·Σ_k in[k][b][:] (overwrites). */
    record SumCopies(Slice out, Slice in, int copies, float scale) implements Op {
        public SumCopies { check(in, copies * out.length(), "in"); }
    }

    /** Every slice an op names: its record components, and its epilogue's activation output. */
    static List<Slice> slices(Op op) {
        List<Slice> found = new ArrayList<>();
        for (RecordComponent rc : op.getClass().getRecordComponents()) {
            Object v;
            try {
                v = rc.getAccessor().invoke(op);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("reading " + rc.getName() + " of " + op.getClass().getSimpleName(), e);
            }
            if (v instanceof Slice s) found.add(s);
            else if (v instanceof Epilogue e && e.actOut() != null) found.add(e.actOut());
        }
        return found;
    }

    private static void conv(ConvGeometry g) {
        if (!g.isConv()) throw new IllegalArgumentException("not a Conv2d geometry: " + g);
    }

    private static void transpose(ConvGeometry g) {
        if (!g.isTranspose()) throw new IllegalArgumentException("not a ConvTranspose2d geometry: " + g);
    }

    private static void check(Slice s, int expected, String what) {
        if (s.length() != expected)
            throw new IllegalArgumentException(what + " slice holds " + s.length() + " floats, op needs " + expected);
    }
}
