package tornadovae.kernels.plan;

/**
 * The sizes of one convolution or transposed convolution over a batch, NCHW: input
 * [batch][inC][inH][inW], output [batch][outC][outH][outW], a square kernel, one stride and one
 * padding for both axes. A transposed convolution's output size includes its output padding.
 * {@code transposed} is what makes the conv ops ({@link Op.Conv} and its gradients) a Conv2d or a
 * ConvTranspose2d: the two differ only in geometry.
 */
public record ConvGeometry(int batch, int inC, int inH, int inW, int outC, int outH, int outW,
                           int kernel, int stride, int pad, boolean transposed) {
    public ConvGeometry {
        if (batch < 1 || inC < 1 || inH < 1 || inW < 1 || outC < 1 || outH < 1 || outW < 1 || kernel < 1 || stride < 1 || pad < 0)
            throw new IllegalArgumentException("bad convolution geometry " + describe(batch, inC, inH, inW, outC, outH, outW, kernel, stride, pad, transposed));
        boolean fits = transposed ? outputPadFits(outH, inH, kernel, stride, pad) && outputPadFits(outW, inW, kernel, stride, pad)
                : outH == convOut(inH, kernel, stride, pad) && outW == convOut(inW, kernel, stride, pad);
        if (!fits)
            throw new IllegalArgumentException("not a " + (transposed ? "ConvTranspose2d" : "Conv2d") + " geometry: "
                    + describe(batch, inC, inH, inW, outC, outH, outW, kernel, stride, pad, transposed));
    }

    private static boolean outputPadFits(int out, int in, int kernel, int stride, int pad) {
        int op = out - transposeOut(in, kernel, stride, pad, 0);
        return op >= 0 && op < stride;
    }

    private static String describe(int batch, int inC, int inH, int inW, int outC, int outH, int outW, int kernel, int stride,
                                   int pad, boolean transposed) {
        return (transposed ? "ConvTranspose2d " : "Conv2d ") + batch + "×" + inC + "×" + inH + "×" + inW + " → " + outC + "×"
                + outH + "×" + outW + " (kernel " + kernel + ", stride " + stride + ", padding " + pad + ")";
    }

    @Override public String toString() {
        return describe(batch, inC, inH, inW, outC, outH, outW, kernel, stride, pad, transposed);
    }

    /** Conv2d: out = ⌊(in + 2·pad − kernel) / stride⌋ + 1. */
    public static ConvGeometry conv2d(int batch, int inC, int inH, int inW, int outC, int kernel, int stride, int pad) {
        return new ConvGeometry(batch, inC, inH, inW, outC, convOut(inH, kernel, stride, pad),
                convOut(inW, kernel, stride, pad), kernel, stride, pad, false);
    }

    /** ConvTranspose2d: out = (in − 1)·stride − 2·pad + kernel + outputPadding. */
    public static ConvGeometry convTranspose2d(int batch, int inC, int inH, int inW, int outC, int kernel, int stride,
                                               int pad, int outputPad) {
        return new ConvGeometry(batch, inC, inH, inW, outC, transposeOut(inH, kernel, stride, pad, outputPad),
                transposeOut(inW, kernel, stride, pad, outputPad), kernel, stride, pad, true);
    }

    public static int convOut(int in, int kernel, int stride, int pad) { return Math.floorDiv(in + 2 * pad - kernel, stride) + 1; }

    public static int transposeOut(int in, int kernel, int stride, int pad, int outputPad) {
        return (in - 1) * stride - 2 * pad + kernel + outputPad;
    }

    public int inSize() { return batch * inC * inH * inW; }
    public int outSize() { return batch * outC * outH * outW; }
    public int weightSize() { return inC * outC * kernel * kernel; }

    /** The same layer for another batch size. */
    public ConvGeometry withBatch(int b) { return new ConvGeometry(b, inC, inH, inW, outC, outH, outW, kernel, stride, pad, transposed); }

    /**
     * Multiply-adds of the convolution, of its input gradient and of its weight gradient alike: every output
     * pixel of a Conv2d, and every input pixel of a ConvTranspose2d, meets inC·outC·k² weights, one multiply
     * and one add per (pixel, input channel, output channel, tap).
     */
    public long flops() {
        long pixels = transposed ? (long) inH * inW : (long) outH * outW;
        return 2L * batch * pixels * inC * outC * kernel * kernel;
    }

    /**
     * Scratch of about 1 MB: the lowered group then stays in cache between im2col and the GEMM
     * (measured on mnist-conv's second layer: groups of 8 images ran ~30% faster than 60 or 128; each group
     * costs a few pool dispatches, so not smaller).
     */
    private static final int SCRATCH_TARGET = 1 << 18;

    /**
     * Floats of im2col scratch the JVM schedule wants for this layer: per image, one row of
     * lowered input (inC·k² for Conv2d, outC·k² for ConvTranspose2d) plus one row of the
     * channel-major narrow side per pixel, for a group of images small enough to stay in cache. At least one image's worth; the schedule works with any size above that.
     */
    public int scratchFloats(boolean transposed) {
        int perImage = scratchPerImage(transposed);
        int group = Math.max(1, Math.min(batch, SCRATCH_TARGET / perImage));
        return group * perImage;
    }

    /** Scratch for one image (see {@link #scratchFloats}). */
    public int scratchPerImage(boolean transposed) {
        int pixels = transposed ? inH * inW : outH * outW;
        int lowered = (transposed ? outC : inC) * kernel * kernel;
        int small = transposed ? inC : outC;
        return pixels * (lowered + small);
    }
}
