package tornadovae.model.layers;

import tornadovae.kernels.plan.ConvGeometry;
import tornadovae.model.Shape;

/**
 * Conv2d over C×H×W images (NCHW), weight [outC][inC][k][k] and bias [outC] as in PyTorch.
 * The output shape is fixed at construction, so a kernel too big for the image fails here.
 */
public final class Conv2d extends ConvLayer {
    public Conv2d(String name, Shape in, int outC, int kernel, int stride, int pad) {
        super(name, in, outputShape(name, in, outC, kernel, stride, pad), kernel, stride, pad);
    }

    private static Shape outputShape(String name, Shape in, int outC, int kernel, int stride, int pad) {
        checkArguments("Conv2d", name, in, outC, kernel, stride, pad);
        int h = ConvGeometry.convOut(in.dim(1), kernel, stride, pad), w = ConvGeometry.convOut(in.dim(2), kernel, stride, pad);
        if (h < 1 || w < 1)
            throw new IllegalArgumentException(name + ": Conv2d(kernel " + kernel + ", stride " + stride + ", padding " + pad
                    + ") does not fit its input " + in);
        return Shape.of(outC, h, w);
    }

    @Override public String type() { return "Conv2d(" + kernel + ",s" + stride + ",p" + pad + ")"; }
    @Override int[] weightShape() { return new int[]{out.dim(0), in.dim(0), kernel, kernel}; }
    @Override int fanIn() { return in.dim(0) * kernel * kernel; }
    @Override boolean transposed() { return false; }
}
