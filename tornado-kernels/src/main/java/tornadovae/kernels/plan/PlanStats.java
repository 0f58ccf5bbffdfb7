package tornadovae.kernels.plan;

/**
 * Floating-point operations of a plan, counted from its ops so that a benchmark can report
 * GFLOP/s. SGEMM counts exactly (2·m·n·k, one multiply and one add per term); the element-wise
 * ops count roughly what their reference loop computes per element (an exp or a log counts as
 * one), which is noise beside the SGEMMs of any real model.
 */
public final class PlanStats {
    private PlanStats() {}

    /** Floating-point operations of one run of the plan. */
    public static long flops(StepPlan plan) {
        long sum = 0;
        for (Op op : plan.ops()) sum += flops(op);
        return sum;
    }

    /** Floating-point operations of one op. */
    public static long flops(Op op) {
        return switch (op) {
            case Op.Fill o -> 0;
            case Op.Sgemm o -> 2L * o.m() * o.n() * o.k() + (o.accumulate() ? (long) o.m() * o.n() : 0);
            case Op.BiasAdd o -> (long) o.rows() * o.cols();
            case Op.BiasGrad o -> (long) o.rows() * o.cols();
            case Op.ActForward o -> o.n();
            case Op.ActBackward o -> 2L * o.n();
            case Op.Reparam o -> 4L * o.batch() * o.latent();              // halve, exp, multiply, add
            case Op.ReparamBackward o -> 5L * o.batch() * o.latent();
            case Op.KlForward o -> 5L * o.batch() * o.latent();            // 1 + lv - mu² - exp(lv), summed
            case Op.KlBackward o -> 4L * o.batch() * o.latent();
            case Op.KlBackwardFreeBits o -> 6L * o.batch() * o.latent();
            case Op.Conv2d o -> convFlops(o.g(), false) + o.g().outSize() + epilogueFlops(o.epilogue(), o.g().outSize());
            case Op.Conv2dInputGrad o -> convFlops(o.g(), false) + epilogueFlops(o.epilogue(), o.g().inSize());
            case Op.Conv2dWeightGrad o -> convFlops(o.g(), false);
            case Op.ConvTranspose2d o -> convFlops(o.g(), true) + o.g().outSize() + epilogueFlops(o.epilogue(), o.g().outSize());
            case Op.ConvTranspose2dInputGrad o -> convFlops(o.g(), true) + epilogueFlops(o.epilogue(), o.g().inSize());
            case Op.ConvTranspose2dWeightGrad o -> convFlops(o.g(), true);
            case Op.ChannelBiasGrad o -> (long) o.batch() * o.channels() * o.plane();
            case Op.Replicate o -> 0;
            case Op.SumCopies o -> (long) o.in().length();
            case Op.ReconLoss o -> 6L * o.batch() * o.dim();               // BCE from logits and/or squared error, summed
            case Op.ReconLossBackward o -> 4L * o.batch() * o.dim();
            case Op.GlobalNorm o -> 2L * o.x().length();
            case Op.ClipByNorm o -> o.x().length();
            case Op.Adam o -> 14L * o.params().length()                   // moments, bias corrections, sqrt, divide, update, decay
                    + (o.normOut() != null ? 2L * o.grads().length() : 0); // and GlobalNorm's, when it folds that in
        };
    }

    /** What the ActForward (n) or ActBackward (2n) an epilogue replaces counted. */
    static long epilogueFlops(Epilogue e, long n) {
        return e.isNone() ? 0 : e.isDerivative() ? 2 * n : n;
    }

    /**
     * Multiply-adds of a convolution (or its input or weight gradient, which cost the same): every output
     * pixel of a Conv2d, and every input pixel of a ConvTranspose2d, meets inC·outC·k² weights: one multiply
     * and one add per (pixel, input channel, output channel, tap).
     */
    static long convFlops(ConvGeometry g, boolean transpose) {
        long pixels = transpose ? (long) g.inH() * g.inW() : (long) g.outH() * g.outW();
        return 2L * g.batch() * pixels * g.inC() * g.outC() * g.kernel() * g.kernel();
    }
}
