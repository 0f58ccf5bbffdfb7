package tornadovae.kernels.plan;

import java.util.List;
import tornadovae.kernels.ActivationKind;

import static tornadovae.kernels.plan.OpSlices.check;

/**
 * One step of a plan: which kernel, over which slices, with which frozen dimensions. Each op has a
 * reference kernel in {@code tornadovae.kernels.ref}, which defines it, and describes itself: its
 * slices are marked {@link In}, {@link Out}, {@link InOut} or {@link Scratch}, so what it reads and
 * writes ({@link #reads()}, {@link #writes()}), the per-step {@link Scalars} it needs, its FLOPs and
 * its bytes come from the op, not from lists kept beside it. Plan statistics, the TornadoVM
 * backend's transfers and {@link Fusion}'s legality are all derived from these.
 *
 * <p>Adding an op: a record here (marked slices, {@link #flops()}, {@link #scalars()} if it reads any),
 * its reference loop, a method in {@link Kernels} and each backend's kernel registration;
 * {@code KernelRegistryTest} names every backend that lacks it.
 */
public sealed interface Op {

    /** Slices the op reads (an {@link InOut} slice both reads and writes). */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(java.lang.annotation.ElementType.RECORD_COMPONENT)
    @interface In {}

    /** Slices the op overwrites without reading. */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(java.lang.annotation.ElementType.RECORD_COMPONENT)
    @interface Out {}

    /** Slices the op reads and writes (an update in place, or an accumulation). */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(java.lang.annotation.ElementType.RECORD_COMPONENT)
    @interface InOut {}

    /** Working space whose contents are undefined before and after the op. */
    @java.lang.annotation.Retention(java.lang.annotation.RetentionPolicy.RUNTIME)
    @java.lang.annotation.Target(java.lang.annotation.ElementType.RECORD_COMPONENT)
    @interface Scratch {}

    /** Floating-point operations of one run (an exp or a log counts as one; SGEMMs and convolutions exactly). */
    long flops();

    /** The {@link Scalars} slots it reads: values that change from step to step. */
    default int[] scalars() { return new int[0]; }

    /** Slices it reads, epilogue's included. */
    default List<Slice> reads() { return OpSlices.of(this).reads(); }

    /** Slices it writes. */
    default List<Slice> writes() { return OpSlices.of(this).writes(); }

    /** Every slice it names, scratch included. */
    default List<Slice> slices() { return OpSlices.of(this).all(); }

    /** Bytes it reads and writes in the plan's buffers (scratch not counted). */
    default long bytes() {
        long n = 0;
        for (Slice s : reads()) n += s.length();
        for (Slice s : writes()) n += s.length();
        return 4 * n;
    }

    /** dst[:] = value */
    record Fill(@Out Slice dst, float value) implements Op {
        public long flops() { return 0; }
    }

    /** c = op(a)·op(b) (+ c); see {@link tornadovae.kernels.ref.MatmulRef#sgemm}. */
    record Sgemm(@Out Slice c, @In Slice a, @In Slice b, int m, int n, int k,
                 boolean transA, boolean transB, boolean accumulate) implements Op {
        public Sgemm { check(c, m * n, "C"); check(a, m * k, "A"); check(b, k * n, "B"); }

        public long flops() { return 2L * m * n * k + (accumulate ? (long) m * n : 0); }

        @Override public List<Slice> reads() { return accumulate ? List.of(a, b, c) : List.of(a, b); }
    }

    /** out[r][c] += bias[c] */
    record BiasAdd(@InOut Slice out, @In Slice bias, int rows, int cols) implements Op {
        public BiasAdd { check(out, rows * cols, "out"); check(bias, cols, "bias"); }

        public long flops() { return (long) rows * cols; }
    }

    /** dbias[c] = Σ_r dout[r][c] */
    record BiasGrad(@Out Slice dbias, @In Slice dout, int rows, int cols) implements Op {
        public BiasGrad { check(dbias, cols, "dbias"); check(dout, rows * cols, "dout"); }

        public long flops() { return (long) rows * cols; }
    }

    /** out = f(in) */
    record ActForward(ActivationKind kind, float slope, @Out Slice out, @In Slice in, int n) implements Op {
        public ActForward { check(out, n, "out"); check(in, n, "in"); }

        public long flops() { return n; }
    }

    /**
     * dinp = dout·f'(src), where src is the forward's output or its input, as {@link ActivationKind#derivativeFrom()}
     * says for the kind (the plan keeps whichever the kind needs).
     */
    record ActBackward(ActivationKind kind, float slope, @Out Slice dinp, @In Slice src, @In Slice dout, int n) implements Op {
        public ActBackward { check(dinp, n, "dinp"); check(src, n, "src"); check(dout, n, "dout"); }

        public long flops() { return 2L * n; }
    }

    /** z = mu + exp(logvar/2)·eps, muLogvar is [B][2L] */
    record Reparam(@Out Slice z, @In Slice muLogvar, @In Slice eps, int batch, int latent) implements Op {
        public Reparam { check(z, batch * latent, "z"); check(muLogvar, 2 * batch * latent, "muLogvar"); check(eps, batch * latent, "eps"); }

        public long flops() { return 4L * batch * latent; }              // halve, exp, multiply, add
    }

    /** Writes dMuLogvar from dz (overwrites). */
    record ReparamBackward(@Out Slice dMuLogvar, @In Slice dz, @In Slice muLogvar, @In Slice eps, int batch, int latent) implements Op {
        public ReparamBackward { check(dMuLogvar, 2 * batch * latent, "dMuLogvar"); check(dz, batch * latent, "dz"); }

        public long flops() { return 5L * batch * latent; }
    }

    record KlForward(@Out Slice klPerSample, @In Slice muLogvar, int batch, int latent) implements Op {
        public KlForward { check(klPerSample, batch, "kl"); check(muLogvar, 2 * batch * latent, "muLogvar"); }

        public long flops() { return 5L * batch * latent; }              // 1 + lv - mu² - exp(lv), summed
    }

    /** Adds SCALARS[KL_WEIGHT]·dKL into dMuLogvar. */
    record KlBackward(@InOut Slice dMuLogvar, @In Slice muLogvar, int batch, int latent) implements Op {
        public KlBackward { check(dMuLogvar, 2 * batch * latent, "dMuLogvar"); }

        public long flops() { return 4L * batch * latent; }

        @Override public int[] scalars() { return new int[] {Scalars.KL_WEIGHT}; }
    }

    /**
     * As KlBackward, but a latent dimension whose KL averaged over the batch is below
     * {@code freeBits} nats gets no gradient (free bits); see {@link tornadovae.kernels.ref.VaeRef#klBackwardFreeBits}.
     */
    record KlBackwardFreeBits(@InOut Slice dMuLogvar, @In Slice muLogvar, float freeBits, int batch, int latent) implements Op {
        public KlBackwardFreeBits { check(dMuLogvar, 2 * batch * latent, "dMuLogvar"); check(muLogvar, 2 * batch * latent, "muLogvar"); }

        public long flops() { return 6L * batch * latent; }

        @Override public int[] scalars() { return new int[] {Scalars.KL_WEIGHT}; }
    }

    /** Per-sample reconstruction loss from logits; see {@link tornadovae.kernels.ref.LossRef}. */
    record ReconLoss(@Out Slice perSample, @In Slice logits, @In Slice target, float wBce, float wMse, int batch, int dim) implements Op {
        public ReconLoss { check(perSample, batch, "perSample"); check(logits, batch * dim, "logits"); check(target, batch * dim, "target"); }

        public long flops() { return 6L * batch * dim; }                 // BCE from logits and/or squared error, summed
    }

    record ReconLossBackward(@Out Slice dlogits, @In Slice logits, @In Slice target, float wBce, float wMse, int batch, int dim) implements Op {
        public ReconLossBackward { check(dlogits, batch * dim, "dlogits"); check(logits, batch * dim, "logits"); }

        public long flops() { return 4L * batch * dim; }
    }

    /** out[0] = ||x||₂ */
    record GlobalNorm(@Out Slice out, @In Slice x) implements Op {
        public GlobalNorm { check(out, 1, "out"); }

        public long flops() { return 2L * x.length(); }
    }

    /** x *= min(1, maxNorm / (norm[0] + 1e-6)) */
    record ClipByNorm(@InOut Slice x, @In Slice norm, float maxNorm) implements Op {
        public long flops() { return x.length(); }
    }

    /**
     * Adam over whole arenas; lr and bias corrections come from SCALARS. With normOut (not null) it
     * first writes ||grads||₂ there, as {@link GlobalNorm} would, in the same pass over the gradients (see {@link Fusion}).
     */
    record Adam(@InOut Slice params, @In Slice grads, @InOut Slice m, @InOut Slice v, float beta1, float beta2, float eps,
                float weightDecay, @Out Slice normOut) implements Op {
        public Adam {
            check(grads, params.length(), "grads"); check(m, params.length(), "m"); check(v, params.length(), "v");
            if (normOut != null) check(normOut, 1, "normOut");
        }

        public Adam(Slice params, Slice grads, Slice m, Slice v, float beta1, float beta2, float eps, float weightDecay) {
            this(params, grads, m, v, beta1, beta2, eps, weightDecay, null);
        }

        // moments, bias corrections, sqrt, divide, update, decay; and GlobalNorm's, when it folds that in
        public long flops() { return 14L * params.length() + (normOut != null ? 2L * grads.length() : 0); }

        @Override public int[] scalars() { return new int[] {Scalars.LEARNING_RATE, Scalars.ADAM_BC1, Scalars.ADAM_BC2}; }
    }

    /**
     * A Conv2d or, when {@code g.transposed()}, a ConvTranspose2d (the family differs only in geometry):
     * <pre>
     *   Conv2d:          out[n][o][y][x] = bias[o] + Σ in[n][c][y·s−p+i][x·s−p+j]·w[o][c][i][j], w in PyTorch's [outC][inC][k][k]
     *   ConvTranspose2d: out[n][o][y][x] = bias[o] + Σ in[n][c][a][b]·w[c][o][i][j] over y = a·s−p+i, x = b·s−p+j; w [inC][outC][k][k]
     * </pre>
     * col is scratch (im2col for the JVM schedule). The epilogue, if any, activates out as it is written (see {@link Fusion}).
     */
    record Conv(@Out Slice out, @In Slice in, @In Slice weight, @In Slice bias, @Scratch Slice col, ConvGeometry g,
                Epilogue epilogue) implements Op {
        public Conv {
            check(out, g.outSize(), "out"); check(in, g.inSize(), "in");
            check(weight, g.weightSize(), "weight"); check(bias, g.outC(), "bias");
            epilogue.checkFor(out, true);
        }

        public Conv(Slice out, Slice in, Slice weight, Slice bias, Slice col, ConvGeometry g) {
            this(out, in, weight, bias, col, g, Epilogue.NONE);
        }

        public long flops() { return g.flops() + g.outSize() + epilogue.flops(g.outSize()); }
    }

    /** The input gradient of {@link Conv} (overwrites dIn), times f'(the epilogue's source) when it has a derivative epilogue. */
    record ConvInputGrad(@Out Slice dIn, @In Slice dOut, @In Slice weight, @Scratch Slice col, ConvGeometry g,
                         Epilogue epilogue) implements Op {
        public ConvInputGrad {
            check(dIn, g.inSize(), "dIn"); check(dOut, g.outSize(), "dOut"); check(weight, g.weightSize(), "weight");
            epilogue.checkFor(dIn, false);
        }

        public ConvInputGrad(Slice dIn, Slice dOut, Slice weight, Slice col, ConvGeometry g) {
            this(dIn, dOut, weight, col, g, Epilogue.NONE);
        }

        public long flops() { return g.flops() + epilogue.flops(g.inSize()); }
    }

    /** The weight gradient of {@link Conv} (overwrites dWeight). */
    record ConvWeightGrad(@Out Slice dWeight, @In Slice dOut, @In Slice in, @Scratch Slice col, ConvGeometry g) implements Op {
        public ConvWeightGrad {
            check(dWeight, g.weightSize(), "dWeight"); check(dOut, g.outSize(), "dOut"); check(in, g.inSize(), "in");
        }

        public long flops() { return g.flops(); }
    }

    /** dbias[c] = Σ_{n,p} dout[n][c][p] over NCHW with {@code plane} = H·W (overwrites). */
    record ChannelBiasGrad(@Out Slice dbias, @In Slice dout, int batch, int channels, int plane) implements Op {
        public ChannelBiasGrad { check(dbias, channels, "dbias"); check(dout, batch * channels * plane, "dout"); }

        public long flops() { return (long) batch * channels * plane; }
    }

    /**
     * Monte-Carlo samples: out[k][b][:] = in[b][:] for k < copies (the encoder output replicated
     * so K·B decoder rows see K noise draws each).
     */
    record Replicate(@Out Slice out, @In Slice in, int copies) implements Op {
        public Replicate { check(out, copies * in.length(), "out"); }

        public long flops() { return 0; }
    }

    /** The gradient of {@link Replicate}: out[b][:] = scale·Σ_k in[k][b][:] (overwrites). */
    record SumCopies(@Out Slice out, @In Slice in, int copies, float scale) implements Op {
        public SumCopies { check(in, copies * out.length(), "in"); }

        public long flops() { return in.length(); }
    }

    /** Every op type, for registries and their completeness tests. */
    static List<Class<?>> types() { return List.of(Op.class.getPermittedSubclasses()); }
}
