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
            case Op.ReconLoss o -> 6L * o.batch() * o.dim();               // BCE from logits and/or squared error, summed
            case Op.ReconLossBackward o -> 4L * o.batch() * o.dim();
            case Op.GlobalNorm o -> 2L * o.x().length();
            case Op.ClipByNorm o -> o.x().length();
            case Op.Adam o -> 14L * o.params().length();                  // moments, bias corrections, sqrt, divide, update, decay
        };
    }
}
