package tornadovae.kernels.jvm;

import static tornadovae.kernels.jvm.TestArrays.*;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.ConvGeometry;
import tornadovae.kernels.plan.ReferenceKernels;

/** The im2col + SGEMM convolutions against the reference loops, on random shapes and scratch sizes. */
class ConvLoweringTest {
    private static final ReferenceKernels REF = new ReferenceKernels();
    private static JvmKernels one, two;

    @BeforeAll static void start() { one = JvmKernels.create(1); two = JvmKernels.create(2); }
    @AfterAll static void stop() { one.close(); two.close(); }

    @Test
    void everyConvolutionOpMatchesTheReference() {
        Random r = new Random(5);
        for (int trial = 0; trial < 40; trial++) {
            boolean transposed = trial % 2 == 1;
            int k = 1 + r.nextInt(4), s = 1 + r.nextInt(2), p = r.nextInt(Math.min(2, k));
            int batch = 1 + r.nextInt(5), inC = 1 + r.nextInt(6), outC = 1 + r.nextInt(6);
            int h = k + r.nextInt(8), w = k + r.nextInt(8);
            ConvGeometry g = transposed
                    ? ConvGeometry.convTranspose2d(batch, inC, h, w, outC, k, s, p, r.nextInt(s))
                    : ConvGeometry.conv2d(batch, inC, h, w, outC, k, s, p);
            JvmKernels jvm = r.nextBoolean() ? one : two;
            // scratch for one image up to the whole batch (and a bit more): the group size must not matter
            int per = g.scratchPerImage(transposed);
            int colLen = per * (1 + r.nextInt(batch)) + r.nextInt(per);
            String what = g + (transposed ? " transposed" : "") + " scratch " + colLen;
            check(what, g, transposed, jvm, colLen, r);
        }
    }

    @Test
    void mnistConvShapesMatchTheReference() {
        Random r = new Random(6);
        check("conv2", ConvGeometry.conv2d(7, 32, 14, 14, 64, 3, 2, 1), false, two,
                ConvGeometry.conv2d(7, 32, 14, 14, 64, 3, 2, 1).scratchFloats(false), r);
        check("deconv1", ConvGeometry.convTranspose2d(5, 64, 7, 7, 32, 3, 2, 1, 1), true, two,
                ConvGeometry.convTranspose2d(5, 64, 7, 7, 32, 3, 2, 1, 1).scratchFloats(true), r);
        // 14-pixel rows of Y: a whole vector of taps and a part of one per row at stride 2
        check("conv1", ConvGeometry.conv2d(6, 1, 28, 28, 32, 3, 2, 1), false, two,
                ConvGeometry.conv2d(6, 1, 28, 28, 32, 3, 2, 1).scratchFloats(false), r);
        check("deconv2", ConvGeometry.convTranspose2d(5, 32, 14, 14, 1, 3, 2, 1, 1), true, one,
                ConvGeometry.convTranspose2d(5, 32, 14, 14, 1, 3, 2, 1, 1).scratchFloats(true), r);
    }

    /**
     * Resume and the backend comparison rely on the JVM schedule giving the same bits for any thread
     * count; the forward and input-gradient products also for any scratch size (group size).
     */
    @Test
    void resultsDoNotDependOnThreadsOrScratch() {
        Random r = new Random(8);
        ConvGeometry[] shapes = {
                ConvGeometry.conv2d(9, 32, 14, 14, 64, 3, 2, 1),              // 288 taps: split by taps
                ConvGeometry.convTranspose2d(6, 64, 7, 7, 32, 3, 2, 1, 1),
                ConvGeometry.conv2d(5, 3, 11, 9, 4, 3, 1, 1),                // 27 taps: not split
                ConvGeometry.convTranspose2d(4, 8, 5, 5, 16, 4, 2, 1, 0)};
        for (ConvGeometry g : shapes) {
            for (boolean transposed : new boolean[]{false, true}) {
                if (transposed != g.transposed()) continue;
                int per = g.scratchPerImage(transposed), whole = g.scratchFloats(transposed);
                float[] in = padded(r, 0, g.inSize(), -1, 1), w = padded(r, 0, g.weightSize(), -1, 1);
                float[] bias = padded(r, 0, g.outC(), -1, 1), dOut = padded(r, 0, g.outSize(), -1, 1);
                float[][] fwd = new float[3][], dIn = new float[3][], dW = new float[2][];
                int[] scratch = {whole, per, per * 3 + 1};
                for (int v = 0; v < 3; v++) {
                    JvmKernels jvm = v == 1 ? one : two;
                    float[] col = new float[scratch[v]];
                    fwd[v] = new float[g.outSize()];
                    dIn[v] = new float[g.inSize()];
                    if (transposed) {
                        jvm.convTranspose2d(fwd[v], 0, in, 0, w, 0, bias, 0, col, 0, col.length, g);
                        jvm.convTranspose2dInputGrad(dIn[v], 0, dOut, 0, w, 0, col, 0, col.length, g);
                    } else {
                        jvm.conv2d(fwd[v], 0, in, 0, w, 0, bias, 0, col, 0, col.length, g);
                        jvm.conv2dInputGrad(dIn[v], 0, dOut, 0, w, 0, col, 0, col.length, g);
                    }
                    if (v < 2) {   // the weight gradient's group size is the scratch's: same scratch, other threads
                        float[] c2 = new float[whole];
                        dW[v] = new float[g.weightSize()];
                        if (transposed) jvm.convTranspose2dWeightGrad(dW[v], 0, dOut, 0, in, 0, c2, 0, whole, g);
                        else jvm.conv2dWeightGrad(dW[v], 0, dOut, 0, in, 0, c2, 0, whole, g);
                    }
                }
                String what = g + (transposed ? " transposed" : "");
                for (int v = 1; v < 3; v++) {
                    assertBitsEqual(what + " forward, variant " + v, fwd[0], fwd[v]);
                    assertBitsEqual(what + " input grad, variant " + v, dIn[0], dIn[v]);
                }
                assertBitsEqual(what + " weight grad, 1 against 2 threads", dW[0], dW[1]);
            }
        }
    }

    /**
     * A layer whose X has few taps runs ThinConv's direct loops instead of im2col + SGEMM. Its
     * forward must keep the SGEMM's bits (what it computed before): each output an fma chain over the
     * taps in (channel, row, column) order from zero, window values outside X being zeros, plus the
     * bias. The same chain is written out here.
     */
    @Test
    void thinConvolutionsKeepTheSgemmsBits() {
        Random r = new Random(9);
        ConvGeometry[] shapes = {ConvGeometry.conv2d(3, 1, 28, 28, 32, 3, 2, 1), ConvGeometry.conv2d(2, 3, 11, 9, 5, 3, 1, 1),
                ConvGeometry.conv2d(2, 2, 13, 13, 7, 4, 2, 1)};
        for (ConvGeometry g : shapes) {
            float[] in = padded(r, 0, g.inSize(), -1, 1), w = padded(r, 0, g.weightSize(), -1, 1), b = padded(r, 0, g.outC(), -1, 1);
            float[] got = new float[g.outSize()], want = new float[g.outSize()], col = new float[g.scratchFloats(false)];
            two.conv2d(got, 0, in, 0, w, 0, b, 0, col, 0, col.length, g);
            int k = g.kernel(), taps = g.inC() * k * k;
            for (int n = 0, o = 0; n < g.batch(); n++)
                for (int co = 0; co < g.outC(); co++)
                    for (int oy = 0; oy < g.outH(); oy++)
                        for (int ox = 0; ox < g.outW(); ox++, o++) {
                            float acc = 0f;
                            for (int t = 0; t < taps; t++) {
                                int c = t / (k * k), iy = oy * g.stride() + t % (k * k) / k - g.pad(), ix = ox * g.stride() + t % k - g.pad();
                                boolean inside = iy >= 0 && iy < g.inH() && ix >= 0 && ix < g.inW();
                                float v = inside ? in[((n * g.inC() + c) * g.inH() + iy) * g.inW() + ix] : 0f;
                                acc = Math.fma(w[co * taps + t], v, acc);
                            }
                            want[o] = acc + b[co];
                        }
            assertBitsEqual(g + " thin forward", want, got);
        }
    }

    /**
     * A fused activation (Epilogue) must give the bits of the op followed by the JVM's own activation
     * op, on every path (GEMM, thin, the fallback-free group loops), with any thread count and scratch
     * size, and must not write outside the output. Also against the reference's composition.
     */
    @Test
    void epiloguesGiveTheBitsOfTheOpFollowedByItsActivation() {
        Random r = new Random(10);
        ConvGeometry[] shapes = {
                ConvGeometry.conv2d(5, 32, 14, 14, 64, 3, 2, 1),              // the GEMM path
                ConvGeometry.convTranspose2d(4, 64, 7, 7, 32, 3, 2, 1, 1),
                ConvGeometry.conv2d(3, 1, 28, 28, 32, 3, 2, 1),               // thin
                ConvGeometry.convTranspose2d(3, 32, 14, 14, 1, 3, 2, 1, 1),
                ConvGeometry.conv2d(3, 3, 11, 9, 5, 3, 1, 1)};
        for (ConvGeometry g : shapes) {
            boolean transposed = g.transposed();
            for (ActivationKind kind : ActivationKind.values()) {
                for (JvmKernels jvm : new JvmKernels[]{one, two}) {
                    String what = g + " " + kind + " on " + jvm.threads() + " threads";
                    int per = g.scratchPerImage(transposed);
                    int colLen = r.nextBoolean() ? g.scratchFloats(transposed) : per * (1 + r.nextInt(g.batch()));
                    float[] col = new float[colLen];
                    float[] in = padded(r, 0, g.inSize(), -2, 2), w = padded(r, 0, g.weightSize(), -1, 1);
                    float[] bias = padded(r, 0, g.outC(), -1, 1), dOut = padded(r, 0, g.outSize(), -1, 1);
                    float slope = 0.1f;

                    // forward: f(conv) in one op against conv, then actForward
                    int oo = offset(r) + 1, n = g.outSize();
                    float[] want = padded(r, oo, n, -1, 1), got = want.clone(), ref = want.clone();
                    if (transposed) {
                        jvm.convTranspose2d(want, oo, in, 0, w, 0, bias, 0, col, 0, colLen, g);
                        jvm.convTranspose2d(got, oo, in, 0, w, 0, bias, 0, col, 0, colLen, g, kind, slope);
                        REF.convTranspose2d(ref, oo, in, 0, w, 0, bias, 0, col, 0, colLen, g, kind, slope);
                    } else {
                        jvm.conv2d(want, oo, in, 0, w, 0, bias, 0, col, 0, colLen, g);
                        jvm.conv2d(got, oo, in, 0, w, 0, bias, 0, col, 0, colLen, g, kind, slope);
                        REF.conv2d(ref, oo, in, 0, w, 0, bias, 0, col, 0, colLen, g, kind, slope);
                    }
                    jvm.actForward(kind, slope, want, oo, want, oo, n);
                    assertBitsEqual(what + " forward", want, got);
                    assertClose(what + " forward against the reference", ref, got, oo, n, 2e-5);

                    // input gradient: conv's input gradient times f'(actOut) against the op, then actBackward
                    int oi = offset(r) + 1, oa = offset(r), m = g.inSize();
                    float[] actOut = padded(r, oa, m, -1, 1);
                    for (int i = 0; i < m; i += 3) actOut[oa + i] = 0f;        // ReLU's zeros, and the kink
                    want = padded(r, oi, m, -1, 1);
                    got = want.clone();
                    ref = want.clone();
                    if (transposed) {
                        jvm.convTranspose2dInputGrad(want, oi, dOut, 0, w, 0, col, 0, colLen, g);
                        jvm.convTranspose2dInputGrad(got, oi, dOut, 0, w, 0, col, 0, colLen, g, kind, slope, actOut, oa);
                        REF.convTranspose2dInputGrad(ref, oi, dOut, 0, w, 0, col, 0, colLen, g, kind, slope, actOut, oa);
                    } else {
                        jvm.conv2dInputGrad(want, oi, dOut, 0, w, 0, col, 0, colLen, g);
                        jvm.conv2dInputGrad(got, oi, dOut, 0, w, 0, col, 0, colLen, g, kind, slope, actOut, oa);
                        REF.conv2dInputGrad(ref, oi, dOut, 0, w, 0, col, 0, colLen, g, kind, slope, actOut, oa);
                    }
                    jvm.actBackward(kind, slope, want, oi, actOut, oa, want, oi, m);
                    assertBitsEqual(what + " input grad", want, got);
                    assertClose(what + " input grad against the reference", ref, got, oi, m, 2e-5);
                }
            }
        }
    }

    @Test
    void channelBiasGradMatchesTheReferenceAndIgnoresTheThreadCount() {
        Random r = new Random(7);
        int[][] shapes = {{1, 1, 1}, {3, 5, 7}, {128, 32, 196}, {128, 64, 49}, {9, 3, 785}, {2, 40, 1000}};
        for (int[] sh : shapes) {
            int batch = sh[0], channels = sh[1], plane = sh[2], od = offset(r);
            float[] dout = padded(r, od, batch * channels * plane, -1, 1);
            float[] ref = new float[channels + 2], a = ref.clone(), b = ref.clone();
            REF.channelBiasGrad(ref, 2, dout, od, batch, channels, plane);
            one.channelBiasGrad(a, 2, dout, od, batch, channels, plane);
            two.channelBiasGrad(b, 2, dout, od, batch, channels, plane);
            String what = "channel bias grad " + batch + "x" + channels + "x" + plane;
            assertClose(what, ref, a, 2, channels, 1e-5);
            assertBitsEqual(what + ", 1 against 2 threads", a, b);
        }
    }

    private static void check(String what, ConvGeometry g, boolean transposed, JvmKernels jvm, int colLen, Random r) {
        int oi = offset(r), ow = offset(r), ob = offset(r), oo = offset(r), oc = offset(r);
        float[] in = padded(r, oi, g.inSize(), -1, 1), w = padded(r, ow, g.weightSize(), -1, 1);
        float[] bias = padded(r, ob, g.outC(), -1, 1), dOut = padded(r, oo, g.outSize(), -1, 1);
        float[] col = new float[oc + colLen];
        double tol = 2e-5;

        float[] ref = padded(r, 3, g.outSize(), -1, 1), got = ref.clone();
        if (transposed) {
            REF.convTranspose2d(ref, 3, in, oi, w, ow, bias, ob, col, oc, colLen, g);
            jvm.convTranspose2d(got, 3, in, oi, w, ow, bias, ob, col, oc, colLen, g);
        } else {
            REF.conv2d(ref, 3, in, oi, w, ow, bias, ob, col, oc, colLen, g);
            jvm.conv2d(got, 3, in, oi, w, ow, bias, ob, col, oc, colLen, g);
        }
        assertClose(what + " forward", ref, got, 3, g.outSize(), tol);

        ref = padded(r, 2, g.inSize(), -1, 1);
        got = ref.clone();
        if (transposed) {
            REF.convTranspose2dInputGrad(ref, 2, dOut, oo, w, ow, col, oc, colLen, g);
            jvm.convTranspose2dInputGrad(got, 2, dOut, oo, w, ow, col, oc, colLen, g);
        } else {
            REF.conv2dInputGrad(ref, 2, dOut, oo, w, ow, col, oc, colLen, g);
            jvm.conv2dInputGrad(got, 2, dOut, oo, w, ow, col, oc, colLen, g);
        }
        assertClose(what + " input grad", ref, got, 2, g.inSize(), tol);

        ref = padded(r, 4, g.weightSize(), -1, 1);
        got = ref.clone();
        if (transposed) {
            REF.convTranspose2dWeightGrad(ref, 4, dOut, oo, in, oi, col, oc, colLen, g);
            jvm.convTranspose2dWeightGrad(got, 4, dOut, oo, in, oi, col, oc, colLen, g);
        } else {
            REF.conv2dWeightGrad(ref, 4, dOut, oo, in, oi, col, oc, colLen, g);
            jvm.conv2dWeightGrad(got, 4, dOut, oo, in, oi, col, oc, colLen, g);
        }
        assertClose(what + " weight grad", ref, got, 4, g.weightSize(), tol * 10);
    }
}
