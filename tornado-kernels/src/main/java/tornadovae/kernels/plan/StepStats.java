package tornadovae.kernels.plan;

/**
 * What one run of a plan costs a backend besides arithmetic: kernel launches (TornadoVM tasks,
 * or ops interpreted by a host backend) and bytes copied host to device and device to host.
 */
public record StepStats(int launches, long bytesIn, long bytesOut) {
    /** A host backend: every op is one call, nothing is copied. */
    public static StepStats host(StepPlan plan) {
        return new StepStats(plan.ops().size(), 0, 0);
    }
}
