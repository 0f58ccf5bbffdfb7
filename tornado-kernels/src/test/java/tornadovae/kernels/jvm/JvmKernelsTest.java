package tornadovae.kernels.jvm;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.ReferenceKernels;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tornadovae.kernels.jvm.TestArrays.*;

/** Every JvmKernels op against ReferenceKernels, with odd sizes and offsets into larger arrays. */
class JvmKernelsTest {

    private static final ReferenceKernels REF = new ReferenceKernels();
    private static JvmKernels one, two;

    @BeforeAll
    static void start() {
        one = JvmKernels.create(1);
        two = JvmKernels.create(2);
    }

    @AfterAll
    static void stop() {
        one.close();
        two.close();
    }

    /** The odd sizes plus some large enough to be split over threads (≥ PARALLEL_MIN). */
    private static final int[] LENGTHS = {1, 2, 3, 7, 17, 33, 127, 129, 785, 16 * 1024 + 3, 100_353, 650_001};

    private static JvmKernels any(Random r) { return r.nextBoolean() ? one : two; }

    @Test
    void sgemmGoesToTheSchedule() {
        Random r = new Random(1);
        int m = 33, n = 129, k = 17;
        float[] a = padded(r, 2, m * k, -1, 1), b = padded(r, 3, k * n, -1, 1), c = padded(r, 4, m * n, -1, 1);
        float[] ref = c.clone();
        REF.sgemm(ref, 4, a, 2, b, 3, m, n, k, true, true, true);
        two.sgemm(c, 4, a, 2, b, 3, m, n, k, true, true, true);
        assertClose("sgemm", ref, c, 4, m * n, 1e-5);
    }

    @Test
    void fill() {
        Random r = new Random(2);
        for (int n : LENGTHS) {
            int off = offset(r);
            float[] x = padded(r, off, n, -1, 1), ref = x.clone();
            REF.fill(ref, off, n, 0.25f);
            any(r).fill(x, off, n, 0.25f);
            assertClose("fill n=" + n, ref, x, off, n, 0);
        }
    }

    @Test
    void biasAddAndBiasGrad() {
        Random r = new Random(3);
        for (int rows : ODD_SIZES)
            for (int cols : ODD_SIZES) {
                if (rows * cols > 200_000) continue;
                int oo = offset(r), bo = offset(r);
                float[] out = padded(r, oo, rows * cols, -2, 2), bias = padded(r, bo, cols, -1, 1);
                float[] ref = out.clone();
                REF.biasAdd(ref, oo, bias, bo, rows, cols);
                any(r).biasAdd(out, oo, bias, bo, rows, cols);
                assertClose("biasAdd " + rows + "x" + cols, ref, out, oo, rows * cols, 0);

                float[] db = padded(r, bo, cols, -1, 1), dbRef = db.clone();
                REF.biasGrad(dbRef, bo, out, oo, rows, cols);
                any(r).biasGrad(db, bo, out, oo, rows, cols);
                assertClose("biasGrad " + rows + "x" + cols, dbRef, db, bo, cols, 0);   // same double sums
            }
    }

    @Test
    void activationsForwardAndBackward() {
        Random r = new Random(4);
        for (ActivationKind kind : ActivationKind.values())
            for (int n : LENGTHS) {
                float slope = 0.01f + 0.3f * r.nextFloat();
                int io = offset(r), oo = offset(r);
                float[] inp = padded(r, io, n, -12, 12), out = padded(r, oo, n, -1, 1), ref = out.clone();
                REF.actForward(kind, slope, ref, oo, inp, io, n);
                any(r).actForward(kind, slope, out, oo, inp, io, n);
                // Sigmoid, tanh, SiLU and GELU come from float exp/tanh; the piecewise-linear ones are exact.
                boolean smooth = kind == ActivationKind.SIGMOID || kind == ActivationKind.TANH
                        || kind.derivativeFrom() == ActivationKind.Source.INPUT;
                double tol = smooth ? 1e-6 : 0;
                assertClose("actForward " + kind + " n=" + n, ref, out, oo, n, tol);

                // In place, as layers run it.
                float[] same = inp.clone(), sameRef = inp.clone();
                REF.actForward(kind, slope, sameRef, io, sameRef, io, n);
                any(r).actForward(kind, slope, same, io, same, io, n);
                assertClose("actForward in place " + kind + " n=" + n, sameRef, same, io, n, tol);

                // f' from the output or the input, as the kind says; from the output it is the same float arithmetic
                boolean fromOut = kind.derivativeFrom() == ActivationKind.Source.OUTPUT;
                float[] src = fromOut ? ref : inp;
                int so = fromOut ? oo : io;
                double backTol = fromOut ? 0 : 1e-6;
                int go = offset(r), dio = offset(r);
                float[] dout = padded(r, go, n, -1, 1), dinp = padded(r, dio, n, -1, 1), dinpRef = dinp.clone();
                REF.actBackward(kind, slope, dinpRef, dio, src, so, dout, go, n);
                any(r).actBackward(kind, slope, dinp, dio, src, so, dout, go, n);
                assertClose("actBackward " + kind + " n=" + n, dinpRef, dinp, dio, n, backTol);

                float[] alias = dout.clone(), aliasRef = dout.clone();
                REF.actBackward(kind, slope, aliasRef, go, src, so, aliasRef, go, n);
                any(r).actBackward(kind, slope, alias, go, src, so, alias, go, n);
                assertClose("actBackward dinp==dout " + kind + " n=" + n, aliasRef, alias, go, n, backTol);
            }
    }

    @Test
    void reparameterisationAndKl() {
        Random r = new Random(5);
        for (int batch : new int[]{1, 3, 128, 129})
            for (int latent : new int[]{1, 2, 7, 20, 33}) {
                int mo = offset(r), eo = offset(r), zo = offset(r), dzo = offset(r), dmo = offset(r), ko = offset(r);
                float[] ml = padded(r, mo, batch * 2 * latent, -3, 3), eps = padded(r, eo, batch * latent, -2, 2);
                float[] z = padded(r, zo, batch * latent, -1, 1), zRef = z.clone();
                REF.reparamForward(zRef, zo, ml, mo, eps, eo, batch, latent);
                any(r).reparamForward(z, zo, ml, mo, eps, eo, batch, latent);
                assertClose("reparamForward", zRef, z, zo, batch * latent, 1e-6);

                float[] dz = padded(r, dzo, batch * latent, -1, 1);
                float[] dml = padded(r, dmo, batch * 2 * latent, -1, 1), dmlRef = dml.clone();
                REF.reparamBackward(dmlRef, dmo, dz, dzo, ml, mo, eps, eo, batch, latent);
                any(r).reparamBackward(dml, dmo, dz, dzo, ml, mo, eps, eo, batch, latent);
                assertClose("reparamBackward", dmlRef, dml, dmo, batch * 2 * latent, 1e-6);

                float[] kl = padded(r, ko, batch, -1, 1), klRef = kl.clone();
                REF.klForward(klRef, ko, ml, mo, batch, latent);
                any(r).klForward(kl, ko, ml, mo, batch, latent);
                assertClose("klForward", klRef, kl, ko, batch, 1e-6);

                REF.klBackward(dmlRef, dmo, ml, mo, 0.7f, batch, latent);
                any(r).klBackward(dml, dmo, ml, mo, 0.7f, batch, latent);
                assertClose("klBackward", dmlRef, dml, dmo, batch * 2 * latent, 1e-6);

                REF.klBackwardFreeBits(dmlRef, dmo, ml, mo, 0.7f, 1.5f, batch, latent);
                any(r).klBackwardFreeBits(dml, dmo, ml, mo, 0.7f, 1.5f, batch, latent);
                assertClose("klBackwardFreeBits", dmlRef, dml, dmo, batch * 2 * latent, 1e-6);
            }
    }

    @Test
    void reconstructionLossForwardAndBackward() {
        Random r = new Random(6);
        float[][] weights = {{1, 0}, {0, 1}, {1, 1}, {0.5f, 2f}};
        int[][] shapes = {{1, 1}, {3, 7}, {2, 17}, {7, 33}, {128, 784}, {129, 785}, {17, 3072}, {1, 127}};
        for (int[] s : shapes)
            for (float[] w : weights)
                for (boolean binary : new boolean[]{false, true}) {
                    int batch = s[0], dim = s[1], lo = offset(r), to = offset(r), po = offset(r), go = offset(r);
                    float[] logits = padded(r, lo, batch * dim, -30, 30);
                    for (int i = 0; i < logits.length; i += 3) logits[i] *= 0.1f;   // plenty near zero too
                    float[] target = padded(r, to, batch * dim, 0, 1);
                    if (binary) for (int i = 0; i < target.length; i++) target[i] = target[i] < 0.5f ? 0f : 1f;
                    String what = String.format("recon %dx%d wBce=%s wMse=%s binary=%b", batch, dim, w[0], w[1], binary);

                    float[] ps = padded(r, po, batch, -1, 1), psRef = ps.clone();
                    REF.reconForward(psRef, po, logits, lo, target, to, w[0], w[1], batch, dim);
                    any(r).reconForward(ps, po, logits, lo, target, to, w[0], w[1], batch, dim);
                    assertClose(what + " forward", psRef, ps, po, batch, 1e-5);

                    float[] dl = padded(r, go, batch * dim, -1, 1), dlRef = dl.clone();
                    REF.reconBackward(dlRef, go, logits, lo, target, to, w[0], w[1], batch, dim);
                    any(r).reconBackward(dl, go, logits, lo, target, to, w[0], w[1], batch, dim);
                    assertClose(what + " backward", dlRef, dl, go, batch * dim, 1e-6);
                }
    }

    @Test
    void globalNormAndClip() {
        Random r = new Random(7);
        for (int n : LENGTHS) {
            int off = offset(r), outIdx = r.nextInt(3);
            float[] x = padded(r, off, n, -0.1f, 0.1f);
            float[] out = new float[3], outRef = new float[3];
            REF.globalNorm(outRef, outIdx, x, off, n);
            any(r).globalNorm(out, outIdx, x, off, n);
            assertClose("globalNorm n=" + n, outRef, out, outIdx, 1, 2e-6);
            assertEquals(outRef[outIdx], out[outIdx], 2e-6 * outRef[outIdx], "globalNorm relative n=" + n);

            for (float maxNorm : new float[]{outRef[outIdx] * 0.3f, outRef[outIdx] * 2f}) {
                float[] y = x.clone(), yRef = x.clone();
                REF.clipByNorm(yRef, off, n, outRef[outIdx], maxNorm);
                any(r).clipByNorm(y, off, n, outRef[outIdx], maxNorm);
                assertClose("clipByNorm n=" + n + " maxNorm=" + maxNorm, yRef, y, off, n, 0);
            }
        }
    }

    @Test
    void adam() {
        Random r = new Random(8);
        for (int n : LENGTHS)
            for (float wd : new float[]{0f, 0.01f})
                for (int t : new int[]{1, 1000}) {
                    float b1 = 0.9f, b2 = 0.999f;
                    float bc1 = (float) (1 - Math.pow(b1, t)), bc2 = (float) (1 - Math.pow(b2, t));
                    int po = offset(r), go = offset(r), mo = offset(r), vo = offset(r);
                    float[] p = padded(r, po, n, -1, 1), g = padded(r, go, n, -0.05f, 0.05f);
                    float[] m = padded(r, mo, n, -0.01f, 0.01f), v = padded(r, vo, n, 0, 1e-4f);
                    float[] pRef = p.clone(), mRef = m.clone(), vRef = v.clone();
                    REF.adam(pRef, po, g, go, mRef, mo, vRef, vo, n, 1e-3f, b1, b2, 1e-8f, wd, bc1, bc2);
                    any(r).adam(p, po, g, go, m, mo, v, vo, n, 1e-3f, b1, b2, 1e-8f, wd, bc1, bc2);
                    String what = "adam n=" + n + " wd=" + wd + " t=" + t;
                    assertClose(what + " p", pRef, p, po, n, 1e-6);
                    assertClose(what + " m", mRef, m, mo, n, 1e-7);
                    assertClose(what + " v", vRef, v, vo, n, 1e-7);
                }
    }

    /** Folding the gradient norm into Adam's pass (Fusion) keeps both ops' bits, split or not. */
    @Test
    void normAndAdamIsGlobalNormThenAdamBitForBit() {
        Random r = new Random(13);
        for (int n : new int[]{1, 17, 785, JvmKernels.CHUNK + 3, 650_001})
            for (JvmKernels k : new JvmKernels[]{one, two}) {
                int po = offset(r), go = offset(r), mo = offset(r), vo = offset(r);
                float[] p = padded(r, po, n, -1, 1), g = padded(r, go, n, -0.05f, 0.05f);
                float[] m = padded(r, mo, n, -0.01f, 0.01f), v = padded(r, vo, n, 0, 1e-4f);
                float[] p2 = p.clone(), m2 = m.clone(), v2 = v.clone(), norm = {7f, 7f, 7f}, norm2 = norm.clone();
                k.globalNorm(norm, 1, g, go, n);
                k.adam(p, po, g, go, m, mo, v, vo, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.5f, 0.3f);
                k.normAndAdam(norm2, 1, p2, po, g, go, m2, mo, v2, vo, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.5f, 0.3f);
                String what = "n=" + n + " on " + k.threads() + " threads: ";
                assertBitsEqual(what + "norm", norm, norm2);
                assertBitsEqual(what + "p", p, p2);
                assertBitsEqual(what + "m", m, m2);
                assertBitsEqual(what + "v", v, v2);
                assertTrue(norm2[1] > 0, what + "a norm was written");
            }
    }

    @Test
    void splitOpsGiveTheSameBitsOnOneAndTwoThreads() {
        Random r = new Random(9);
        int n = 650_001, batch = 128, dim = 784;
        float[] x = padded(r, 1, n, -0.1f, 0.1f);
        float[] n1 = new float[1], n2 = new float[1];
        one.globalNorm(n1, 0, x, 1, n);
        two.globalNorm(n2, 0, x, 1, n);
        assertBitsEqual("globalNorm", n1, n2);

        float[] p1 = padded(r, 0, n, -1, 1), g = padded(r, 0, n, -0.1f, 0.1f), m1 = padded(r, 0, n, -0.01f, 0.01f);
        float[] v1 = padded(r, 0, n, 0, 1e-4f), p2 = p1.clone(), m2 = m1.clone(), v2 = v1.clone();
        for (int step = 0; step < 3; step++) {
            one.adam(p1, 0, g, 0, m1, 0, v1, 0, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.5f, 0.3f);
            two.adam(p2, 0, g, 0, m2, 0, v2, 0, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.5f, 0.3f);
        }
        assertBitsEqual("adam p", p1, p2);
        assertBitsEqual("adam m", m1, m2);
        assertBitsEqual("adam v", v1, v2);

        float[] logits = padded(r, 0, batch * dim, -10, 10), target = padded(r, 0, batch * dim, 0, 1);
        float[] l1 = new float[batch], l2 = new float[batch], d1 = new float[batch * dim], d2 = new float[batch * dim];
        one.reconForward(l1, 0, logits, 0, target, 0, 1, 1, batch, dim);
        two.reconForward(l2, 0, logits, 0, target, 0, 1, 1, batch, dim);
        one.reconBackward(d1, 0, logits, 0, target, 0, 1, 1, batch, dim);
        two.reconBackward(d2, 0, logits, 0, target, 0, 1, 1, batch, dim);
        assertBitsEqual("reconForward", l1, l2);
        assertBitsEqual("reconBackward", d1, d2);
    }

    /**
     * After warm-up a training step must not allocate. The JIT removes the Vector API's boxes only
     * once it has compiled a kernel, so this waits (a bounded time) until every op has had one
     * clean batch of calls, and names the ops that never did.
     */
    @Test
    void noAllocationOnceCompiled() {
        var threadBean = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        Random r = new Random(12);
        // Small enough for quick rounds, large enough that every op takes its split (pool) path.
        int batch = 64, dim = 784, hidden = 200, n = 60_000;
        float[] x = padded(r, 0, batch * dim, 0, 1), w = padded(r, 0, hidden * dim, -0.1f, 0.1f);
        float[] h = new float[batch * hidden], logits = padded(r, 0, batch * dim, -5, 5), loss = new float[batch];
        float[] dl = new float[batch * dim], dw = new float[hidden * dim], bias = new float[hidden];
        float[] p = padded(r, 0, n, -1, 1), g = padded(r, 0, n, -1, 1), m = new float[n], v = new float[n], norm = new float[1];
        java.util.Map<String, Runnable> ops = new java.util.LinkedHashMap<>();
        ops.put("sgemm NT", () -> two.sgemm(h, 0, x, 0, w, 0, batch, hidden, dim, false, true, false));
        ops.put("sgemm TN", () -> two.sgemm(dw, 0, dl, 0, x, 0, hidden, dim, batch, true, false, false));
        ops.put("biasAdd", () -> two.biasAdd(h, 0, bias, 0, batch, hidden));
        ops.put("biasGrad", () -> two.biasGrad(bias, 0, h, 0, batch, hidden));
        for (ActivationKind kind : ActivationKind.values()) {
            ops.put("actForward " + kind, () -> two.actForward(kind, 0.1f, dl, 0, logits, 0, batch * dim - 3));
            ops.put("actBackward " + kind, () -> two.actBackward(kind, 0.1f, dl, 0, x, 0, dl, 0, batch * dim - 3));
        }
        ops.put("reconForward BCE", () -> two.reconForward(loss, 0, logits, 0, x, 0, 1, 0, batch, dim));
        ops.put("reconForward BCE+MSE", () -> two.reconForward(loss, 0, logits, 0, x, 0, 1, 1, batch, dim - 1));
        ops.put("reconBackward BCE", () -> two.reconBackward(dl, 0, logits, 0, x, 0, 1, 0, batch, dim));
        ops.put("reconBackward BCE+MSE", () -> two.reconBackward(dl, 0, logits, 0, x, 0, 1, 1, batch, dim - 1));
        ops.put("globalNorm", () -> two.globalNorm(norm, 0, g, 0, n));
        ops.put("clipByNorm", () -> two.clipByNorm(g, 0, n, 2f, 1f));
        ops.put("adam", () -> two.adam(p, 0, g, 0, m, 0, v, 0, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.5f, 0.5f));
        ops.put("normAndAdam", () -> two.normAndAdam(norm, 0, p, 0, g, 0, m, 0, v, 0, n, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.5f, 0.5f));
        // mnist-conv's second layer and its mirror at batch 8 (the weight gradient splits by taps there)
        putConvOps(ops, "", tornadovae.kernels.plan.ConvGeometry.conv2d(8, 32, 14, 14, 64, 3, 2, 1),
                tornadovae.kernels.plan.ConvGeometry.convTranspose2d(8, 64, 7, 7, 32, 3, 2, 1, 1), r);
        // mnist-conv's first layer and its mirror: one input channel, the thin path (ThinConv)
        putConvOps(ops, "thin ", tornadovae.kernels.plan.ConvGeometry.conv2d(8, 1, 28, 28, 32, 3, 2, 1),
                tornadovae.kernels.plan.ConvGeometry.convTranspose2d(8, 32, 14, 14, 1, 3, 2, 1, 1), r);
        float[] channelGrads = padded(r, 0, 8 * 64 * 49, -1, 1), channelBias = new float[64];
        ops.put("channelBiasGrad", () -> two.channelBiasGrad(channelBias, 0, channelGrads, 0, 8, 64, 49));
        java.util.Set<String> allocating = new java.util.TreeSet<>(ops.keySet());
        long deadline = System.nanoTime() + 60_000_000_000L;     // typically done in 2-5 s; more on a loaded host
        while (!allocating.isEmpty() && System.nanoTime() < deadline) {
            for (String name : new java.util.ArrayList<>(allocating)) {
                Runnable op = ops.get(name);
                long before = threadBean.getCurrentThreadAllocatedBytes();
                for (int i = 0; i < 10; i++) op.run();
                if (threadBean.getCurrentThreadAllocatedBytes() - before == 0) allocating.remove(name);
            }
        }
        assertEquals(java.util.Set.of(), allocating, "ops that still allocated after warm-up");
    }

    /**
     * The six convolution ops of Conv2d c and its mirror ConvTranspose2d t (t's output has c's input
     * shape, its input c's output shape, and the weights the same size), named prefix + op.
     */
    private static void putConvOps(java.util.Map<String, Runnable> ops, String prefix, tornadovae.kernels.plan.ConvGeometry c,
                                   tornadovae.kernels.plan.ConvGeometry t, Random r) {
        float[] wide = padded(r, 0, c.inSize(), -1, 1), narrow = padded(r, 0, c.outSize(), -1, 1);
        float[] w = padded(r, 0, c.weightSize(), -0.1f, 0.1f), dw = new float[c.weightSize()];
        float[] bias = new float[Math.max(c.outC(), t.outC())];
        float[] colC = new float[c.scratchFloats(false)], colT = new float[t.scratchFloats(true)];
        ops.put(prefix + "conv2d", () -> two.conv2d(narrow, 0, wide, 0, w, 0, bias, 0, colC, 0, colC.length, c));
        ops.put(prefix + "conv2dInputGrad", () -> two.conv2dInputGrad(wide, 0, narrow, 0, w, 0, colC, 0, colC.length, c));
        ops.put(prefix + "conv2dWeightGrad", () -> two.conv2dWeightGrad(dw, 0, narrow, 0, wide, 0, colC, 0, colC.length, c));
        ops.put(prefix + "convTranspose2d", () -> two.convTranspose2d(wide, 0, narrow, 0, w, 0, bias, 0, colT, 0, colT.length, t));
        ops.put(prefix + "convTranspose2dInputGrad", () -> two.convTranspose2dInputGrad(narrow, 0, wide, 0, w, 0, colT, 0, colT.length, t));
        ops.put(prefix + "convTranspose2dWeightGrad", () -> two.convTranspose2dWeightGrad(dw, 0, wide, 0, narrow, 0, colT, 0, colT.length, t));
        // with fused activations (Epilogue): the forward activates, the input gradient multiplies by f'
        float[] wideAct = padded(r, 0, c.inSize(), -1, 1), narrowAct = padded(r, 0, c.outSize(), -1, 1);
        ops.put(prefix + "conv2d+ReLU", () -> two.conv2d(narrow, 0, wide, 0, w, 0, bias, 0, colC, 0, colC.length, c,
                ActivationKind.RELU, 0f));
        ops.put(prefix + "conv2dInputGrad·ReLU'", () -> two.conv2dInputGrad(wide, 0, narrow, 0, w, 0, colC, 0, colC.length, c,
                ActivationKind.RELU, 0f, wideAct, 0));
        ops.put(prefix + "convTranspose2d+ReLU", () -> two.convTranspose2d(wide, 0, narrow, 0, w, 0, bias, 0, colT, 0, colT.length, t,
                ActivationKind.RELU, 0f));
        ops.put(prefix + "convTranspose2dInputGrad·ReLU'", () -> two.convTranspose2dInputGrad(narrow, 0, wide, 0, w, 0, colT, 0,
                colT.length, t, ActivationKind.RELU, 0f, narrowAct, 0));
    }

    @Test
    void closedKernelsStillComputeOnTheCaller() {
        Random r = new Random(10);
        JvmKernels k = JvmKernels.create(2);
        k.close();
        int n = 100_000;
        float[] x = padded(r, 0, n, -1, 1), out = new float[1], ref = new float[1];
        k.globalNorm(out, 0, x, 0, n);
        REF.globalNorm(ref, 0, x, 0, n);
        assertEquals(ref[0], out[0], 2e-6 * ref[0]);
        float[] a = padded(r, 0, 200 * 300, -1, 1), b = padded(r, 0, 300 * 100, -1, 1);
        float[] c = new float[200 * 100], cRef = new float[200 * 100];
        k.sgemm(c, 0, a, 0, b, 0, 200, 100, 300, false, false, false);
        REF.sgemm(cRef, 0, a, 0, b, 0, 200, 100, 300, false, false, false);
        assertClose("sgemm after close", cRef, c, 0, c.length, 1e-4);
    }
}
