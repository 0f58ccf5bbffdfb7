package tornadovae.kernels.plan;

import java.util.List;

/**
 * Runs step plans over a workspace. The JVM backend runs them on the host arrays directly; the
 * TornadoVM backend keeps the state buffers on the device and moves only INPUT, NOISE and
 * SCALARS in and the plan's read-back slice out per step.
 */
public interface Backend extends AutoCloseable {

    String name();

    /** Builds whatever the backend needs for these plans (TornadoVM: task graphs, compiled on first use). */
    void prepare(Workspace ws, List<StepPlan> plans);

    /** Runs one plan; afterwards the plan's read-back slice of OUT is valid on the host. */
    void run(StepPlan plan);

    /**
     * Kernel launches and bytes moved per run of a prepared plan. A host backend interprets one op
     * per call and copies nothing.
     */
    default StepStats stats(StepPlan plan) { return StepStats.host(plan); }

    /**
     * From now on, adds the time of every op this backend runs to profile (null: stop timing). A host
     * backend times each op on the host clock; a device backend reports its kernels' device times. Returns
     * false, and times nothing, if this backend cannot time its ops.
     */
    default boolean profile(OpProfile profile) { return false; }

    /** Makes the host copies of PARAMS, ADAM_M and ADAM_V current (before a checkpoint or a picture). */
    default void pullState() {}

    /** Sends host PARAMS, ADAM_M and ADAM_V to the device (after loading a checkpoint). */
    default void pushState() {}

    @Override
    default void close() {}
}
