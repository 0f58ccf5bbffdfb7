package tornadovae.kernels.jvm;

import static tornadovae.kernels.jvm.TestArrays.*;

import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.ConvGeometry;
import tornadovae.kernels.plan.ReferenceKernels;

/**
 * rgb128-conv's 4×4 stride-2 convolutions (X from Y by sub-pixel phases, {@link SubPixelConv}; Y from
 * X and the weight gradient by the implicit im2col) against the reference loops, and the bits that
 * resume and the backend comparison rely on.
 */
class SubPixelConvTest {
    private static final ReferenceKernels REF = new ReferenceKernels();
    private static JvmKernels one, two;

    @BeforeAll static void start() { one = JvmKernels.create(1); two = JvmKernels.create(2); }
    @AfterAll static void stop() { one.close(); two.close(); }

    /** Every 4×4 stride-2 layer of rgb128-conv, at a small batch: the encoder's Conv2d, the decoder's ConvTranspose2d. */
    static ConvGeometry[] rgb128Shapes(int batch) {
        int[] ch = {3, 32, 64, 128, 256, 512};
        ConvGeometry[] g = new ConvGeometry[10];
        for (int l = 0; l < 5; l++) {
            int size = 128 >> l;
            g[l] = ConvGeometry.conv2d(batch, ch[l], size, size, ch[l + 1], 4, 2, 1);
            g[5 + l] = ConvGeometry.convTranspose2d(batch, ch[5 - l], 4 << l, 4 << l, ch[4 - l], 4, 2, 1, 0);
        }
        return g;
    }

    @Test
    void rgb128ShapesMatchTheReference() {
        Random r = new Random(23);
        for (ConvGeometry g : rgb128Shapes(2)) {
            boolean t = g.transposed();
            JvmKernels jvm = r.nextBoolean() ? one : two;
            int oi = offset(r), ow = offset(r), ob = offset(r), oo = offset(r), oc = offset(r);
            float[] in = padded(r, oi, g.inSize(), -1, 1), w = padded(r, ow, g.weightSize(), -1, 1);
            float[] bias = padded(r, ob, g.outC(), -1, 1), dOut = padded(r, oo, g.outSize(), -1, 1);
            int colLen = g.scratchFloats(t);
            float[] col = new float[oc + colLen];
            String what = g + (t ? " transposed" : "");

            float[] ref = padded(r, 3, g.outSize(), -1, 1), got = ref.clone();
            if (t) {
                REF.convTranspose2d(ref, 3, in, oi, w, ow, bias, ob, col, oc, colLen, g);
                jvm.convTranspose2d(got, 3, in, oi, w, ow, bias, ob, col, oc, colLen, g);
            } else {
                REF.conv2d(ref, 3, in, oi, w, ow, bias, ob, col, oc, colLen, g);
                jvm.conv2d(got, 3, in, oi, w, ow, bias, ob, col, oc, colLen, g);
            }
            assertClose(what + " forward", ref, got, 3, g.outSize(), 5e-5);

            ref = padded(r, 2, g.inSize(), -1, 1);
            got = ref.clone();
            if (t) {
                REF.convTranspose2dInputGrad(ref, 2, dOut, oo, w, ow, col, oc, colLen, g);
                jvm.convTranspose2dInputGrad(got, 2, dOut, oo, w, ow, col, oc, colLen, g);
            } else {
                REF.conv2dInputGrad(ref, 2, dOut, oo, w, ow, col, oc, colLen, g);
                jvm.conv2dInputGrad(got, 2, dOut, oo, w, ow, col, oc, colLen, g);
            }
            assertClose(what + " input grad", ref, got, 2, g.inSize(), 5e-5);

            ref = padded(r, 4, g.weightSize(), -1, 1);
            got = ref.clone();
            if (t) {
                REF.convTranspose2dWeightGrad(ref, 4, dOut, oo, in, oi, col, oc, colLen, g);
                jvm.convTranspose2dWeightGrad(got, 4, dOut, oo, in, oi, col, oc, colLen, g);
            } else {
                REF.conv2dWeightGrad(ref, 4, dOut, oo, in, oi, col, oc, colLen, g);
                jvm.conv2dWeightGrad(got, 4, dOut, oo, in, oi, col, oc, colLen, g);
            }
            assertClose(what + " weight grad", ref, got, 4, g.weightSize(), 5e-4);
        }
    }

    /**
     * X from Y by phases: the same bits for 1 and 2 threads, any scratch and any batch split into
     * groups (odd batches, single images); the fused epilogue gives the bits of the op and then the
     * activation; and the values agree with the col2im way.
     */
    @Test
    void xFromYBitsDoNotDependOnThreadsScratchOrEpilogue() {
        Random r = new Random(24);
        ConvGeometry[] shapes = {
                ConvGeometry.conv2d(5, 16, 12, 10, 24, 4, 2, 1),                  // 6×5 pixels of Y: short rows
                ConvGeometry.convTranspose2d(7, 64, 4, 4, 32, 4, 2, 1, 0),       // many images a group
                ConvGeometry.convTranspose2d(3, 32, 16, 16, 16, 4, 2, 1, 0),     // the fewest channels of X it takes
                ConvGeometry.conv2d(1, 8, 34, 34, 40, 4, 2, 1)};
        for (ConvGeometry g : shapes) {
            boolean t = g.transposed();
            float[] in = padded(r, 0, g.inSize(), -1, 1), w = padded(r, 0, g.weightSize(), -1, 1);
            float[] bias = padded(r, 0, g.outC(), -1, 1), dOut = padded(r, 0, g.outSize(), -1, 1);
            float[] actOut = padded(r, 0, t ? g.outSize() : g.inSize(), -1, 1);
            int per = g.scratchPerImage(t);
            int[] scratch = {g.scratchFloats(t), per, per * 2 + 3};
            float[][] got = new float[3][];
            for (int v = 0; v < 3; v++) {
                JvmKernels jvm = v == 1 ? one : two;
                float[] col = new float[scratch[v]];
                got[v] = xFromY(jvm, g, in, w, bias, dOut, col);
            }
            String what = g + (t ? " transposed" : "");
            assertBitsEqual(what + ", 1 against 2 threads", got[0], got[1]);
            assertBitsEqual(what + ", other scratch", got[0], got[2]);

            float[] col = new float[scratch[0]];
            float[] fused = new float[got[0].length], slope = {0.2f};
            if (t) two.convTranspose2d(fused, 0, in, 0, w, 0, bias, 0, col, 0, col.length, g, ActivationKind.LEAKY_RELU, slope[0]);
            else two.conv2dInputGrad(fused, 0, dOut, 0, w, 0, col, 0, col.length, g, ActivationKind.LEAKY_RELU, slope[0], actOut, 0);
            float[] want = got[0].clone();
            if (t) two.actForward(ActivationKind.LEAKY_RELU, slope[0], want, 0, want, 0, want.length);
            else two.actBackward(ActivationKind.LEAKY_RELU, slope[0], want, 0, actOut, 0, want, 0, want.length);
            assertBitsEqual(what + " with its epilogue", want, fused);

            two.subPixelConv(false);
            try {
                float[] col2im = xFromY(two, g, in, w, bias, dOut, col);
                assertClose(what + " against the col2im way", col2im, got[0], 0, col2im.length, 2e-5);
            } finally {
                two.subPixelConv(true);
            }
        }
    }

    /**
     * Where Y's rows are 16 or 32 pixels, the SGEMMs of X from Y (sub-pixel phases) and of Y from X (the implicit
     * im2col over X's planes split into stride-2 phases) read B where it lies instead of packing it
     * (WindowPanels.direct): the same bits as packing, and only where every 16 columns are one run.
     */
    @Test
    void readingBInPlaceGivesThePackedBits() {
        Random r = new Random(25);
        ConvGeometry[] shapes = {
                ConvGeometry.convTranspose2d(3, 32, 16, 16, 16, 4, 2, 1, 0),     // rows of 16 pixels
                ConvGeometry.convTranspose2d(2, 24, 32, 32, 20, 4, 2, 1, 0),     // rows of 32 (one tile), 20 rows of X
                ConvGeometry.conv2d(2, 16, 64, 64, 24, 4, 2, 1),                 // the input gradient's way
                ConvGeometry.conv2d(2, 3, 128, 128, 8, 4, 2, 1),                 // an RGB image: 4-row GEMMs, rows of 64
                ConvGeometry.conv2d(3, 8, 32, 32, 64, 4, 2, 1)};                 // the weight gradient's col read in place
        for (ConvGeometry g : shapes) {
            float[] in = padded(r, 0, g.inSize(), -1, 1), w = padded(r, 0, g.weightSize(), -1, 1);
            float[] bias = padded(r, 0, g.outC(), -1, 1), dOut = padded(r, 0, g.outSize(), -1, 1);
            float[] col = new float[g.scratchFloats(g.transposed())];
            float[] direct = xFromY(two, g, in, w, bias, dOut, col), packed, directY = yFromX(two, g, in, w, bias, dOut, col), packedY;
            float[] directW = weightGrad(two, g, in, dOut, col), packedW;
            WindowPanels.directLoads = false;
            ConvWeightGrad.directA = false;
            try {
                packed = xFromY(two, g, in, w, bias, dOut, col);
                packedY = yFromX(two, g, in, w, bias, dOut, col);
                packedW = weightGrad(two, g, in, dOut, col);
            } finally {
                WindowPanels.directLoads = true;
                ConvWeightGrad.directA = true;
            }
            assertBitsEqual(g + " X from Y read in place against packed", packed, direct);
            assertBitsEqual(g + " Y from X read in place against packed", packedY, directY);
            assertBitsEqual(g + " weight gradient with col read in place against packed", packedW, directW);
        }

        WindowPanels p = new WindowPanels();
        p.base = new int[64];
        for (int j = 0; j < 64; j++) p.base[j] = (j / 16) * 18 + j % 16;   // rows of 16 in rows of 18 (padded)
        assertTrue(p.direct(0, 64), "rows of 16 are runs of 16");
        assertFalse(p.direct(0, 40), "a part of a run at the end");
        assertFalse(p.direct(8, 40), "a start inside a run");
        for (int j = 0; j < 64; j++) p.base[j] = (j / 8) * 10 + j % 8;      // rows of 8: too short
        assertFalse(p.direct(0, 64), "rows of 8");
        p.tap0 = 0;
        for (int j = 0; j < 64; j++) p.base[j] = j;
        assertFalse(p.direct(0, 64), "colᵀ is never read in place");
    }

    private static float[] weightGrad(JvmKernels jvm, ConvGeometry g, float[] in, float[] dOut, float[] col) {
        float[] dw = new float[g.weightSize()];
        if (g.transposed()) jvm.convTranspose2dWeightGrad(dw, 0, dOut, 0, in, 0, col, 0, col.length, g);
        else jvm.conv2dWeightGrad(dw, 0, dOut, 0, in, 0, col, 0, col.length, g);
        return dw;
    }

    private static float[] yFromX(JvmKernels jvm, ConvGeometry g, float[] in, float[] w, float[] bias, float[] dOut, float[] col) {
        if (!g.transposed()) {
            float[] out = new float[g.outSize()];
            jvm.conv2d(out, 0, in, 0, w, 0, bias, 0, col, 0, col.length, g);
            return out;
        }
        float[] dIn = new float[g.inSize()];
        jvm.convTranspose2dInputGrad(dIn, 0, dOut, 0, w, 0, col, 0, col.length, g);
        return dIn;
    }

    private static float[] xFromY(JvmKernels jvm, ConvGeometry g, float[] in, float[] w, float[] bias, float[] dOut, float[] col) {
        if (g.transposed()) {
            float[] out = new float[g.outSize()];
            jvm.convTranspose2d(out, 0, in, 0, w, 0, bias, 0, col, 0, col.length, g);
            return out;
        }
        float[] dIn = new float[g.inSize()];
        jvm.conv2dInputGrad(dIn, 0, dOut, 0, w, 0, col, 0, col.length, g);
        return dIn;
    }
}
