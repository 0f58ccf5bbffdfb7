package tornadovae.kernels.plan;

/**
 * Floating-point operations of a plan, summed from its ops' own counts ({@link Op#flops()}) so that a
 * benchmark can report GFLOP/s. SGEMMs and convolutions count exactly (2·m·n·k); element-wise ops
 * roughly what their reference loop computes per element, which is noise beside the GEMMs of any model.
 */
public final class PlanStats {
    private PlanStats() {}

    /** Floating-point operations of one run of the plan. */
    public static long flops(StepPlan plan) {
        long sum = 0;
        for (Op op : plan.ops()) sum += op.flops();
        return sum;
    }
}
