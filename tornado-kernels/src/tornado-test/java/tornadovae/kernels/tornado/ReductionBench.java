package tornadovae.kernels.tornado;

import static tornadovae.kernels.tornado.KernelTimer.medianMs;

import java.util.Random;

import tornadovae.kernels.ref.ConvRef;
import tornadovae.kernels.ref.LossRef;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * rgb128-conv's reductions on the default device, each variant checked against the reference and timed (median of
 * 5 executions after one that compiles, TornadoVM's dispatch included): the reconstruction loss's element pass at
 * batch 64 × 3·128·128, and a conv layer's bias gradient at each of the step's ten shapes. Variant 1 is the kernel
 * the backend ran before (kept here as the baseline), variant 2 the one it runs. Run from the built tree as
 * {@link CpuWgradBench}; compare variants only within one run.
 */
final class ReductionBench {
    private ReductionBench() {}

    private static final int BATCH = 64;

    /** Variant 1 of the element pass: PoCL's exp, log and a second exp for the sigmoid. */
    public static void reconElements1(float[] logits, int lOff, float[] target, int tOff, float[] out, int total,
                                      float wBce, float wMse) {
        for (@Parallel int i = 0; i < total; i++) {
            float x = logits[lOff + i];
            float t = target[tOff + i];
            float p = 1f / (1f + TornadoMath.exp(-x));
            float bce = TornadoMath.max(x, 0f) - x * t + TornadoMath.log(1f + TornadoMath.exp(-TornadoMath.abs(x)));
            out[i] = wBce * bce + wMse * (p - t) * (p - t);
        }
    }

    /** Variant 1 of the bias gradient: one work-item per channel over all its planes. */
    public static void channelBiasGrad1(float[] dout, int doutOff, float[] dbias, int dbOff, int batch, int channels, int plane) {
        for (@Parallel int c = 0; c < channels; c++) {
            float acc = 0f;
            for (int n = 0; n < batch; n++)
                for (int q = 0; q < plane; q++) acc += dout[doutOff + (n * channels + c) * plane + q];
            dbias[dbOff + c] = acc;
        }
    }

    public static void main(String[] args) {
        int dim = 3 * 128 * 128, total = BATCH * dim;
        float[] logits = random(total, 4f, 1), target = random(total, 0.5f, 2), out = new float[total];
        for (int i = 0; i < total; i++) target[i] += 0.5f;
        double[] expected = new double[BATCH];
        for (int b = 0; b < BATCH; b++) {
            float[] one = new float[1];
            LossRef.reconForward(one, 0, logits, b * dim, target, b * dim, 1f, 1f, 1, dim);
            expected[b] = one[0];
        }
        System.out.println("| kernel | shape | variant 1 ms | variant 2 ms |");
        System.out.println("|---|---|---:|---:|");
        double v1 = medianMs(tg -> tg.task("t", ReductionBench::reconElements1, logits, 0, target, 0, out, total, 1f, 1f), out, logits, target);
        check("reconLoss elements, variant 1", rowSums(out, dim), expected, 1e-5);
        double v2 = medianMs(tg -> tg.task("t", ReductionKernels::reconLossElements, logits, 0, target, 0, out, total, 1f, 1f), out, logits, target);
        check("reconLoss elements, variant 2", rowSums(out, dim), expected, 1e-5);
        System.out.printf("| reconLoss elements | %d×%d | %.2f | %.2f |%n", BATCH, dim, v1, v2);

        int[][] shapes = {{32, 64 * 64}, {64, 32 * 32}, {128, 16 * 16}, {256, 8 * 8}, {512, 4 * 4}, {3, 128 * 128}};
        for (int[] sh : shapes) {
            int ch = sh[0], plane = sh[1];
            float[] dout = random(BATCH * ch * plane, 1f, 3), db = new float[ch], parts = new float[BATCH * ch];
            float[] ref = new float[ch];
            ConvRef.channelBiasGrad(ref, 0, dout, 0, BATCH, ch, plane);
            double[] want = new double[ch];
            for (int c = 0; c < ch; c++) want[c] = ref[c];
            double a = medianMs(tg -> tg.task("t", ReductionBench::channelBiasGrad1, dout, 0, db, 0, BATCH, ch, plane), db, dout);
            check("channelBiasGrad variant 1 " + ch + "×" + plane, db, want, 1e-4);
            double b = medianMs(tg -> tg.task("p", ReductionKernels::planeSums, dout, 0, parts, BATCH, ch, plane)
                    .task("s", ReductionKernels::channelSums, parts, db, 0, BATCH, ch), db, dout, parts);
            check("channelBiasGrad variant 2 " + ch + "×" + plane, db, want, 1e-4);
            System.out.printf("| channelBiasGrad | %d×%d×%d | %.2f | %.2f |%n", BATCH, ch, plane, a, b);
        }
        System.exit(0);
    }

    private static float[] rowSums(float[] x, int dim) {
        float[] s = new float[x.length / dim];
        for (int r = 0; r < s.length; r++) {
            double acc = 0;
            for (int d = 0; d < dim; d++) acc += x[r * dim + d];
            s[r] = (float) acc;
        }
        return s;
    }

    /** Stops the bench when a variant's result is more than tol·max(1, |expected|) off anywhere. */
    private static void check(String what, float[] got, double[] want, double tol) {
        for (int i = 0; i < want.length; i++)
            if (!(Math.abs(got[i] - want[i]) <= tol * Math.max(1, Math.abs(want[i]))))
                throw new IllegalStateException(what + ": element " + i + " is " + got[i] + ", the reference " + want[i]);
    }

    private static float[] random(int n, float scale, long seed) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = scale * (2 * r.nextFloat() - 1);
        return a;
    }
}
