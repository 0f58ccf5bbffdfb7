package tornadovae.model;

import java.util.ArrayList;
import java.util.List;
import tornadovae.kernels.plan.Buf;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.Slice;
import tornadovae.kernels.plan.StepPlan;

/** Collects ops and hands out activation slices from a bump allocator over ACTS. */
public final class PlanBuilder {
    private final List<Op> ops = new ArrayList<>();
    private int actsTop;

    /** Refuses to go past a Java array's reach, so a batch too large for the model is a sentence, not a wrapped offset. */
    public Slice acts(int n) {
        if (n < 0 || (long) actsTop + n > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("the activations of this batch need more than " + (Integer.MAX_VALUE - 8)
                    + " floats; use a smaller batch");
        Slice s = new Slice(Buf.ACTS, actsTop, n);
        actsTop += n;   // cannot wrap: the check above keeps it below Integer.MAX_VALUE
        return s;
    }

    public void add(Op op) { ops.add(op); }

    public int actsUsed() { return actsTop; }

    /** The plan as built: a backend applies the {@link tornadovae.kernels.plan.Fusion} rules it opts into when it prepares it. */
    public StepPlan build(String name, int batch, Slice readBack) {
        return new StepPlan(name, batch, List.copyOf(ops), readBack);
    }
}
