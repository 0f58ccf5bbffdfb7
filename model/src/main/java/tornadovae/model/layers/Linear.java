package tornadovae.model.layers;

import java.util.SplittableRandom;
import tornadovae.kernels.plan.Buf;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.Slice;
import tornadovae.model.ParamLayout;
import tornadovae.model.PlanBuilder;
import tornadovae.model.Shape;

/**
 * y = x·Wᵀ + b with W stored [out][in] as in PyTorch. A Linear may be a "split head": several
 * PyTorch-named tensors (mu, logvar) declared back to back so that one GEMM computes them all.
 */
public final class Linear implements Layer {
    private final String name;
    private final int in, out;
    private final String[] heads;
    private int weightOffset = -1, biasOffset = -1;

    public Linear(String name, int in, int out) {
        this(name, in, out, new String[]{name});
    }

    private Linear(String name, int in, int out, String[] heads) {
        if (in <= 0 || out <= 0) throw new IllegalArgumentException(name + ": Linear(" + in + ", " + out + ") needs positive sizes");
        this.name = name;
        this.in = in;
        this.out = out;
        this.heads = heads;
    }

    /** Heads of {@code outEach} features each, e.g. mu and logvar: outputs [B][heads·outEach]. */
    public static Linear splitHead(String name, int in, int outEach, String... heads) {
        return new Linear(name, in, outEach * heads.length, heads);
    }

    @Override public String name() { return name; }
    @Override public String type() { return "Linear"; }
    @Override public Shape inputShape() { return Shape.of(in); }
    @Override public Shape outputShape() { return Shape.of(out); }
    @Override public long paramCount() { return (long) out * in + out; }

    @Override
    public void declareParams(ParamLayout layout) {
        int each = out / heads.length;
        for (int h = 0; h < heads.length; h++) {
            int off = layout.add(heads[h] + ".weight", each, in).offset();
            if (h == 0) weightOffset = off;
        }
        for (int h = 0; h < heads.length; h++) {
            int off = layout.add(heads[h] + ".bias", each).offset();
            if (h == 0) biasOffset = off;
        }
    }

    private Slice weight(Buf buf) { return new Slice(buf, weightOffset, out * in); }
    private Slice bias(Buf buf) { return new Slice(buf, biasOffset, out); }

    /** PyTorch's nn.Linear default: kaiming_uniform(a=√5) on W and U(±1/√in) on b, both bound 1/√in. */
    @Override
    public void initParams(float[] params, ParamLayout layout, SplittableRandom rng) {
        double bound = 1.0 / Math.sqrt(in);
        for (int i = 0; i < out * in; i++) params[weightOffset + i] = (float) rng.nextDouble(-bound, bound);
        for (int i = 0; i < out; i++) params[biasOffset + i] = (float) rng.nextDouble(-bound, bound);
    }

    @Override
    public void forward(PlanBuilder pb, Slice y, Slice x, int batch) {
        pb.add(new Op.Sgemm(y, x, weight(Buf.PARAMS), batch, out, in, false, true, false));
        pb.add(new Op.BiasAdd(y, bias(Buf.PARAMS), batch, out));
    }

    @Override
    public void backward(PlanBuilder pb, Slice dx, Slice dy, Slice y, Slice x, int batch) {
        pb.add(new Op.Sgemm(weight(Buf.GRADS), dy, x, out, in, batch, true, false, false));
        pb.add(new Op.BiasGrad(bias(Buf.GRADS), dy, batch, out));
        if (dx != null) pb.add(new Op.Sgemm(dx, dy, weight(Buf.PARAMS), batch, in, out, false, false, false));
    }
}
