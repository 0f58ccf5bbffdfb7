package tornadovae.model.layers;

import java.util.SplittableRandom;
import tornadovae.kernels.plan.Buf;
import tornadovae.kernels.plan.ConvGeometry;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.Slice;
import tornadovae.model.ParamLayout;
import tornadovae.model.PlanBuilder;
import tornadovae.model.Shape;

/**
 * What {@link Conv2d} and {@link ConvTranspose2d} share: NCHW images, a square kernel with one stride
 * and one padding, a weight of inC·outC·k² and a bias per output channel, the scratch their ops
 * lower into, and the order of the backward ops. They differ in the output size, PyTorch's weight
 * layout and fan-in, and which ops they emit.
 */
abstract sealed class ConvLayer implements Layer permits Conv2d, ConvTranspose2d {
    final String name;
    final Shape in, out;
    final int kernel, stride, pad;
    private int weightOffset = -1, biasOffset = -1;

    ConvLayer(String name, Shape in, Shape out, int kernel, int stride, int pad) {
        this.name = name;
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.stride = stride;
        this.pad = pad;
        // the im2col scratch of one image is ConvGeometry's int arithmetic: bound it here, in long, where a
        // hostile or mistyped architecture is still one sentence and not a wrapped size or an OutOfMemoryError
        long pixels = transposed() ? (long) in.dim(1) * in.dim(2) : (long) out.dim(1) * out.dim(2);
        long lowered = (long) (transposed() ? out.dim(0) : in.dim(0)) * kernel * kernel, narrow = transposed() ? in.dim(0) : out.dim(0);
        if (pixels * (lowered + narrow) > MAX_SCRATCH_PER_IMAGE)
            throw new IllegalArgumentException(name + ": " + getClass().getSimpleName() + " with kernel " + kernel + " from " + in
                    + " to " + out + " needs more than " + MAX_SCRATCH_PER_IMAGE + " values of scratch per image");
    }

    /** 2^26 floats (256 MiB) of lowered input per image; rgb128-conv's largest layer needs ~6·10^5. */
    static final long MAX_SCRATCH_PER_IMAGE = 1L << 26;

    /** The checks both constructors start with, naming the layer type. */
    static void checkArguments(String type, String name, Shape in, int outC, int kernel, int stride, int pad) {
        if (in.rank() != 3) throw new IllegalArgumentException(name + ": " + type + " needs a C×H×W input, got " + in);
        if (kernel < 1 || stride < 1 || pad < 0 || outC < 1)
            throw new IllegalArgumentException(name + ": " + type + " needs kernel, stride and channels ≥ 1 and padding ≥ 0");
    }

    /** The weight's shape in PyTorch's layout. */
    abstract int[] weightShape();

    /** PyTorch's fan-in for the default initialisation. */
    abstract int fanIn();

    /** Whether the ops are the transposed convolution's (the scratch is sized per op kind). */
    abstract boolean transposed();

    @Override public String name() { return name; }
    @Override public Shape inputShape() { return in; }
    @Override public Shape outputShape() { return out; }
    @Override public long paramCount() { return (long) in.dim(0) * out.dim(0) * kernel * kernel + out.dim(0); }

    /** In int range once {@link #declareParams} has put the weight in a layout (which bounds every entry). */
    private int weightSize() { return in.dim(0) * out.dim(0) * kernel * kernel; }

    @Override
    public void declareParams(ParamLayout layout) {
        weightOffset = layout.add(name + ".weight", weightShape()).offset();
        biasOffset = layout.add(name + ".bias", out.dim(0)).offset();
    }

    /** PyTorch's default: weight and bias U(±1/√fan_in). */
    @Override
    public void initParams(float[] params, ParamLayout layout, SplittableRandom rng) {
        double bound = 1.0 / Math.sqrt(fanIn());
        for (int i = 0; i < weightSize(); i++) params[weightOffset + i] = (float) rng.nextDouble(-bound, bound);
        for (int i = 0; i < out.dim(0); i++) params[biasOffset + i] = (float) rng.nextDouble(-bound, bound);
    }

    public ConvGeometry geometry(int batch) {
        return new ConvGeometry(batch, in.dim(0), in.dim(1), in.dim(2), out.dim(0), out.dim(1), out.dim(2), kernel, stride, pad,
                transposed());
    }

    private Slice weight(Buf b) { return new Slice(b, weightOffset, weightSize()); }
    private Slice bias(Buf b) { return new Slice(b, biasOffset, out.dim(0)); }

    @Override
    public void forward(PlanBuilder pb, Slice y, Slice x, int batch) {
        ConvGeometry g = geometry(batch);
        pb.add(new Op.Conv(y, x, weight(Buf.PARAMS), bias(Buf.PARAMS), pb.acts(g.scratchFloats(transposed())), g));
    }

    @Override
    public void backward(PlanBuilder pb, Slice dx, Slice dy, Slice y, Slice x, int batch) {
        ConvGeometry g = geometry(batch);
        Slice col = pb.acts(g.scratchFloats(transposed()));
        pb.add(new Op.ConvWeightGrad(weight(Buf.GRADS), dy, x, col, g));
        pb.add(new Op.ChannelBiasGrad(bias(Buf.GRADS), dy, batch, out.dim(0), out.dim(1) * out.dim(2)));
        if (dx != null) pb.add(new Op.ConvInputGrad(dx, dy, weight(Buf.PARAMS), col, g));
    }
}
