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
 * ConvTranspose2d over C×H×W images (NCHW), weight [inC][outC][k][k] and bias [outC] as in
 * PyTorch. The output size is (in − 1)·stride − 2·padding + kernel + output padding per axis.
 */
public final class ConvTranspose2d implements Layer {
    private final String name;
    private final Shape in, out;
    private final int kernel, stride, pad, outPadH, outPadW;
    private int weightOffset = -1, biasOffset = -1;

    public ConvTranspose2d(String name, Shape in, int outC, int kernel, int stride, int pad, int outPadH, int outPadW) {
        if (in.rank() != 3) throw new IllegalArgumentException(name + ": ConvTranspose2d needs a C×H×W input, got " + in);
        if (kernel < 1 || stride < 1 || pad < 0 || outC < 1)
            throw new IllegalArgumentException(name + ": ConvTranspose2d needs kernel, stride and channels ≥ 1 and padding ≥ 0");
        if (outPadH < 0 || outPadH >= stride || outPadW < 0 || outPadW >= stride)
            throw new IllegalArgumentException(name + ": output padding must be at least 0 and smaller than the stride "
                    + stride + ", got " + outPadH + "×" + outPadW);
        int h = ConvGeometry.transposeOut(in.dim(1), kernel, stride, pad, outPadH);
        int w = ConvGeometry.transposeOut(in.dim(2), kernel, stride, pad, outPadW);
        if (h < 1 || w < 1)
            throw new IllegalArgumentException(name + ": ConvTranspose2d(kernel " + kernel + ", stride " + stride
                    + ", padding " + pad + ") gives no output for its input " + in);
        this.name = name;
        this.in = in;
        this.out = Shape.of(outC, h, w);
        this.kernel = kernel;
        this.stride = stride;
        this.pad = pad;
        this.outPadH = outPadH;
        this.outPadW = outPadW;
    }

    @Override public String name() { return name; }
    @Override public String type() {
        return "ConvT2d(" + kernel + ",s" + stride + ",p" + pad + (outPadH + outPadW > 0 ? ",op" + outPadH : "") + ")";
    }
    @Override public Shape inputShape() { return in; }
    @Override public Shape outputShape() { return out; }
    @Override public int paramCount() { return weightSize() + out.dim(0); }

    private int weightSize() { return in.dim(0) * out.dim(0) * kernel * kernel; }

    @Override
    public void declareParams(ParamLayout layout) {
        weightOffset = layout.add(name + ".weight", in.dim(0), out.dim(0), kernel, kernel).offset();
        biasOffset = layout.add(name + ".bias", out.dim(0)).offset();
    }

    /** PyTorch's default for ConvTranspose2d: U(±1/√fan_in) with fan_in = weight.size(1)·k² = outC·k². */
    @Override
    public void initParams(float[] params, ParamLayout layout, SplittableRandom rng) {
        double bound = 1.0 / Math.sqrt(out.dim(0) * kernel * kernel);
        for (int i = 0; i < weightSize(); i++) params[weightOffset + i] = (float) rng.nextDouble(-bound, bound);
        for (int i = 0; i < out.dim(0); i++) params[biasOffset + i] = (float) rng.nextDouble(-bound, bound);
    }

    public ConvGeometry geometry(int batch) {
        return new ConvGeometry(batch, in.dim(0), in.dim(1), in.dim(2), out.dim(0), out.dim(1), out.dim(2), kernel, stride, pad);
    }

    private Slice weight(Buf b) { return new Slice(b, weightOffset, weightSize()); }
    private Slice bias(Buf b) { return new Slice(b, biasOffset, out.dim(0)); }

    @Override
    public void forward(PlanBuilder pb, Slice y, Slice x, int batch) {
        ConvGeometry g = geometry(batch);
        pb.add(new Op.ConvTranspose2d(y, x, weight(Buf.PARAMS), bias(Buf.PARAMS), pb.acts(g.scratchFloats(true)), g));
    }

    @Override
    public void backward(PlanBuilder pb, Slice dx, Slice dy, Slice y, Slice x, int batch) {
        ConvGeometry g = geometry(batch);
        Slice col = pb.acts(g.scratchFloats(true));
        pb.add(new Op.ConvTranspose2dWeightGrad(weight(Buf.GRADS), dy, x, col, g));
        pb.add(new Op.ChannelBiasGrad(bias(Buf.GRADS), dy, batch, out.dim(0), out.dim(1) * out.dim(2)));
        if (dx != null) pb.add(new Op.ConvTranspose2dInputGrad(dx, dy, weight(Buf.PARAMS), col, g));
    }
}
