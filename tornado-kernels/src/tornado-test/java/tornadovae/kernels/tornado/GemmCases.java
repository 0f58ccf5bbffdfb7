package tornadovae.kernels.tornado;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import tornadovae.kernels.plan.ConvGeometry;

/**
 * GemmCalls for the kernel tests: odd shapes, the four transpose forms, batched and summed-over-batches calls,
 * every bias mode, and the GEMMs of the models' layers (as im2col + batched GEMM lowers a convolution). Each
 * call gets its own random arrays, its operands at random offsets inside them, so that a kernel reading or
 * writing past its operand changes a value the comparison sees.
 */
final class GemmCases {
    private final Random r;

    GemmCases(long seed) { r = new Random(seed); }

    private float[] random(int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = 2 * r.nextFloat() - 1;
        return x;
    }

    /**
     * A call with operands laid out by transA/transB (row-major, as MatmulRef.sgemm), {@code outputs·inner}
     * batches of A and B one after another and the outputs' Cs {@code m·ldc} apart.
     */
    GemmCall call(int m, int n, int k, boolean transA, boolean transB, int outputs, int inner, boolean accumulate,
                  int biasMode, int act, float slope) {
        int batches = outputs * inner;
        int aOff = r.nextInt(7), bOff = r.nextInt(7), cOff = r.nextInt(7), biasOff = r.nextInt(5);
        int ldc = n + r.nextInt(3);
        float[] a = random(aOff + batches * m * k + 5);
        float[] b = random(bOff + batches * k * n + 5);
        float[] c = random(cOff + outputs * m * ldc + 5);
        float[] bias = biasMode == 0 ? null : random(biasOff + Math.max(m, n) + 3);
        return new GemmCall(a, aOff, m * k, transA ? 1 : k, transA ? m : 1, b, bOff, k * n, transB ? 1 : n, transB ? k : 1,
                c, cOff, m * ldc, ldc, m, n, k, outputs, inner, accumulate, bias, biasOff, biasMode, act, slope);
    }

    /** Edge shapes: 1×1×1, not multiples of any block, thin, deep (split-K), batched, summed, with every epilogue. */
    List<GemmCall> edges() {
        List<GemmCall> l = new ArrayList<>();
        int id = TornadoActivations.ACT_IDENTITY;
        l.add(call(1, 1, 1, false, false, 1, 1, false, 0, id, 0f));
        l.add(call(37, 53, 29, false, false, 1, 1, true, 0, id, 0f));
        l.add(call(37, 53, 29, true, true, 1, 1, false, 2, TornadoActivations.ACT_SIGMOID, 0f));
        l.add(call(65, 130, 17, false, true, 1, 1, false, 1, TornadoActivations.ACT_LEAKY_RELU, 0.2f));
        l.add(call(129, 70, 33, true, false, 1, 1, true, 2, TornadoActivations.ACT_RELU, 0f));
        l.add(call(20, 24, 1200, false, false, 1, 1, false, 0, id, 0f));        // deep: split-K over k
        l.add(call(12, 33, 40, false, false, 3, 1, false, 1, TornadoActivations.ACT_TANH, 0f));   // batched (a conv forward)
        l.add(call(32, 9, 49, false, true, 1, 40, true, 0, id, 0f));          // summed over 40 batches, split
        l.add(call(256, 256, 256, false, false, 1, 1, false, 0, id, 0f));
        l.add(grouped(13, 11, 21, 7, true, 1, TornadoActivations.ACT_LEAKY_RELU));   // across 7 images of 11 pixels
        return l;
    }

    // ---------------------------------------------------------------- the models' GEMMs

    /** Linear(in → out) on a batch: forward Y = X·Wᵀ + b, dX = dY·W, dW = dYᵀ·X (accumulated), as Linear emits them. */
    void linear(List<GemmCall> l, int batch, int in, int out, int act) {
        l.add(call(batch, out, in, false, true, 1, 1, false, 2, act, 0f));
        l.add(call(batch, in, out, false, false, 1, 1, false, 0, TornadoActivations.ACT_IDENTITY, 0f));
        l.add(call(out, in, batch, true, false, 1, 1, true, 0, TornadoActivations.ACT_IDENTITY, 0f));
    }

    /**
     * A convolution lowered to im2col + GEMM, K' = inC·kernel² taps, P = outH·outW pixels: forward
     * Y_b[outC][P] = W[outC][K']·col_b[K'][P] (+ bias per channel, act) as one GEMM across the images; input gradient
     * dcol_b[K'][P] = Wᵀ·dY_b likewise; weight gradient dW[outC][K'] = Σ_b dY_b·col_bᵀ. A transposed convolution
     * runs the same three with the roles of forward and input gradient swapped, so the shapes are covered.
     */
    void conv(List<GemmCall> l, int images, int inC, int outC, int kernel, int outH, int outW, int act) {
        int taps = inC * kernel * kernel, p = outH * outW;
        l.add(grouped(outC, p, taps, images, false, 1, act));
        l.add(grouped(taps, p, outC, images, true, 0, TornadoActivations.ACT_IDENTITY));
        l.add(call(outC, taps, p, false, true, 1, images, true, 0, TornadoActivations.ACT_IDENTITY, 0f));
    }

    /**
     * One GEMM across {@code images} groups of {@code p} columns, as the GPU family gets a convolution's forward and
     * input gradient ({@link DeviceConv#yFromX}): B's and C's groups lie apart with a random gap, C's rows
     * {@code ldc ≥ p} apart, so that a kernel mixing up a group's address shows.
     */
    private GemmCall grouped(int m, int p, int k, int images, boolean transA, int biasMode, int act) {
        int aOff = r.nextInt(7), bOff = r.nextInt(7), cOff = r.nextInt(7), biasOff = r.nextInt(5);
        int ldc = p + r.nextInt(3), sBn = k * p + r.nextInt(4), sCn = m * ldc + r.nextInt(4);
        float[] a = random(aOff + m * k + 5);
        float[] b = random(bOff + images * sBn + 5);
        float[] c = random(cOff + images * sCn + 5);
        float[] bias = biasMode == 0 ? null : random(biasOff + m + 3);
        return new GemmCall(a, aOff, 0, transA ? 1 : k, transA ? m : 1, b, bOff, 0, p, 1, c, cOff, 0, ldc, m, images * p, k,
                1, 1, false, bias, biasOff, biasMode, act, 0f, p, sBn, sCn, null);
    }

    /**
     * A convolution's Y-from-X GEMM reading X itself ({@link DeviceConv#implicit}) across the batch's images, with a
     * bias per channel and act, X and Y at random offsets.
     */
    void convImplicit(List<GemmCall> l, ConvGeometry g, int act) {
        int xImage = g.transposed() ? g.outC() * g.outH() * g.outW() : g.inC() * g.inH() * g.inW();
        int cy = g.transposed() ? g.inC() : g.outC();
        int yImage = cy * DeviceConv.pixels(g), taps = DeviceConv.taps(g);
        int xOff = r.nextInt(7), yOff = r.nextInt(7), wOff = r.nextInt(7), biasOff = r.nextInt(5);
        float[] x = random(xOff + g.batch() * xImage + 5), w = random(wOff + cy * taps + 5), bias = random(biasOff + cy + 3);
        l.add(DeviceConv.yFromXImplicit(g, w, wOff, x, xOff, random(yOff + g.batch() * yImage + 5), yOff, g.batch(), bias,
                biasOff, 1, act, 0.2f));
    }

    /** The MLP 784-400-20 (mu|logvar: 40) and its mirrored decoder. */
    List<GemmCall> mlp(int batch) {
        List<GemmCall> l = new ArrayList<>();
        linear(l, batch, 784, 400, TornadoActivations.ACT_RELU);
        linear(l, batch, 400, 40, TornadoActivations.ACT_IDENTITY);
        linear(l, batch, 20, 400, TornadoActivations.ACT_RELU);
        linear(l, batch, 400, 784, TornadoActivations.ACT_IDENTITY);
        return l;
    }

    /**
     * VaeSpec "mnist-conv": 1×28×28, conv 32 k3 s2 p1 → 14×14, conv 64 → 7×7, dense 3136 → 256 → 40 (mu|logvar),
     * decoder 20 → 256 → 3136, ConvTranspose 64 → 32 (14×14), 32 → 1 (28×28): each distinct GEMM shape once
     * (ConvTranspose2d(inC → outC) is the GEMMs of Conv2d(outC → inC), see {@link #mnistConvs}).
     */
    List<GemmCall> mnistConv(int images) {
        List<GemmCall> l = mnistConvs(images);
        int relu = TornadoActivations.ACT_LEAKY_RELU;
        linear(l, images, 3136, 256, relu);
        linear(l, images, 256, 40, TornadoActivations.ACT_IDENTITY);
        linear(l, images, 20, 256, relu);
        linear(l, images, 256, 3136, relu);
        return l;
    }

    /**
     * mnist-conv's convolutions alone: conv 1 → 32 (14×14 out), conv 32 → 64 (7×7 out). Its ConvTranspose 64 → 32
     * and 32 → 1 are the same three GEMM shapes with forward and input gradient swapped.
     */
    List<GemmCall> mnistConvs(int images) {
        List<GemmCall> l = new ArrayList<>();
        int relu = TornadoActivations.ACT_LEAKY_RELU;
        conv(l, images, 1, 32, 3, 14, 14, relu);
        conv(l, images, 32, 64, 3, 7, 7, relu);
        return l;
    }

    /**
     * VaeSpec "rgb128-conv" reduced: {@code size}×{@code size} RGB images, channels 32, 64, 128, 256, 512 divided
     * by {@code channelDiv}, k4 s2 p1 (each layer halves the image), flatten → 2·latent, and the mirrored decoder.
     */
    List<GemmCall> rgb128Conv(int images, int size, int channelDiv, int latent) {
        List<GemmCall> l = new ArrayList<>();
        int relu = TornadoActivations.ACT_LEAKY_RELU;
        int[] ch = {3, 32 / channelDiv, 64 / channelDiv, 128 / channelDiv, 256 / channelDiv, 512 / channelDiv};
        int s = size;
        for (int i = 0; i + 1 < ch.length; i++) {
            s /= 2;
            conv(l, images, ch[i], ch[i + 1], 4, s, s, relu);
        }
        int flat = ch[5] * s * s;
        linear(l, images, flat, 2 * latent, TornadoActivations.ACT_IDENTITY);
        linear(l, images, latent, flat, relu);
        for (int i = ch.length - 1; i > 0; i--) {
            conv(l, images, ch[i - 1], ch[i], 4, s, s, relu);   // ConvTranspose ch[i] → ch[i-1]: s → 2s
            s *= 2;
        }
        return l;
    }
}
