package tornadovae.kernels.plan;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs plans on the host arrays through a {@link Kernels}: the reference or the JVM schedules, each op
 * by its {@link HostKernels} entry. A backend fuses its own copy of each plan's ops by the
 * {@link Fusion} rules it was given: the JVM schedules have every fused kernel, the reference runs
 * plans as they were built.
 */
public final class HostBackend implements Backend {
    private final String name;
    private final Kernels k;
    private final Set<Fusion.Rule> fusion;
    private final Map<String, List<Op>> prepared = new HashMap<>();
    private Workspace ws;
    private OpProfile profile; // null unless profiling: then each op is timed

    public HostBackend(String name, Kernels kernels, Set<Fusion.Rule> fusion) {
        this.name = name;
        this.k = kernels;
        this.fusion = Set.copyOf(fusion);
    }

    public static HostBackend reference() { return new HostBackend("reference", new ReferenceKernels(), Fusion.NONE); }

    @Override public String name() { return name; }

    @Override
    public void prepare(Workspace ws, List<StepPlan> plans) {
        this.ws = ws;
        prepared.clear();
        for (StepPlan p : plans) {
            ws.checkFits(p);
            if (prepared.put(p.name(), Fusion.fuse(p.ops(), fusion)) != null)
                throw new IllegalArgumentException("two plans are named " + p.name());
        }
    }

    @Override
    public void run(StepPlan plan) {
        if (ws == null) throw new IllegalStateException("prepare() first");
        List<Op> ops = prepared.get(plan.name());
        if (ops == null) throw new IllegalStateException("plan " + plan.name() + " was not prepared");
        if (profile == null) {
            for (Op op : ops) HostKernels.run(k, op, ws);
            return;
        }
        for (Op op : ops) {
            long t0 = System.nanoTime();
            HostKernels.run(k, op, ws);
            profile.add(op, System.nanoTime() - t0);
        }
    }

    /** Times each op on the host clock: a kernel returns only when its work (all its threads) is done. */
    @Override
    public boolean profile(OpProfile profile) {
        this.profile = profile;
        return true;
    }

    /** One call per op as this backend runs it (after fusion); nothing is copied. */
    @Override
    public StepStats stats(StepPlan plan) {
        List<Op> ops = prepared.get(plan.name());
        return ops == null ? StepStats.host(plan) : new StepStats(ops.size(), 0, 0);
    }

    /** The ops this backend runs for a prepared plan, after its fusion rules. */
    public List<Op> preparedOps(StepPlan plan) {
        List<Op> ops = prepared.get(plan.name());
        if (ops == null) throw new IllegalStateException("plan " + plan.name() + " was not prepared");
        return ops;
    }

    /** Releases the kernels' threads (the JVM schedules keep a worker pool). */
    @Override
    public void close() {
        if (k instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the " + name + " kernels failed", e);
            }
        }
    }
}
