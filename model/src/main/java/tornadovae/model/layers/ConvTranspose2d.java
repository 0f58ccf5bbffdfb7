package tornadovae.model.layers;

import tornadovae.kernels.plan.ConvGeometry;
import tornadovae.model.Shape;

/**
 * ConvTranspose2d over C×H×W images (NCHW), weight [inC][outC][k][k] and bias [outC] as in
 * PyTorch. The output size is (in − 1)·stride − 2·padding + kernel + output padding per axis.
 */
public final class ConvTranspose2d extends ConvLayer {
    private final int outPadH, outPadW;

    public ConvTranspose2d(String name, Shape in, int outC, int kernel, int stride, int pad, int outPadH, int outPadW) {
        super(name, in, outputShape(name, in, outC, kernel, stride, pad, outPadH, outPadW), kernel, stride, pad);
        this.outPadH = outPadH;
        this.outPadW = outPadW;
    }

    private static Shape outputShape(String name, Shape in, int outC, int kernel, int stride, int pad, int outPadH, int outPadW) {
        checkArguments("ConvTranspose2d", name, in, outC, kernel, stride, pad);
        if (outPadH < 0 || outPadH >= stride || outPadW < 0 || outPadW >= stride)
            throw new IllegalArgumentException(name + ": output padding must be at least 0 and smaller than the stride "
                    + stride + ", got " + outPadH + "×" + outPadW);
        int h = ConvGeometry.transposeOut(in.dim(1), kernel, stride, pad, outPadH);
        int w = ConvGeometry.transposeOut(in.dim(2), kernel, stride, pad, outPadW);
        if (h < 1 || w < 1)
            throw new IllegalArgumentException(name + ": ConvTranspose2d(kernel " + kernel + ", stride " + stride
                    + ", padding " + pad + ") gives no output for its input " + in);
        return Shape.of(outC, h, w);
    }

    @Override public String type() {
        return "ConvT2d(" + kernel + ",s" + stride + ",p" + pad + (outPadH + outPadW > 0 ? ",op" + outPadH : "") + ")";
    }

    /** PyTorch's layout for ConvTranspose2d: [inC][outC][k][k]. */
    @Override int[] weightShape() { return new int[]{in.dim(0), out.dim(0), kernel, kernel}; }
    /** PyTorch's fan-in for ConvTranspose2d: weight.size(1)·k² = outC·k². */
    @Override int fanIn() { return out.dim(0) * kernel * kernel; }
    @Override boolean transposed() { return true; }
}
