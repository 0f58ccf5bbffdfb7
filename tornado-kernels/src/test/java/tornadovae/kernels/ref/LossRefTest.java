package tornadovae.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tornadovae.kernels.ref.GradCheck.*;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** LossRef: reconstruction loss on logits (BCE, MSE on sigmoid, and their mixes). */
class LossRefTest {

    static double sigmoid(double x) { return 1 / (1 + Math.exp(-x)); }

    /** The textbook BCE on probabilities; accurate in double for moderate logits. */
    static double naiveBce(double x, double t) {
        double p = sigmoid(x);
        return -t * Math.log(p) - (1 - t) * Math.log(1 - p);
    }

    static double naiveLoss(double x, double t, double wBce, double wMse) {
        double p = sigmoid(x);
        return wBce * naiveBce(x, t) + wMse * (p - t) * (p - t);
    }

    /** Half binary targets (MNIST-like), half continuous ones in [0, 1]. */
    static float[] targets(Random r, int n) {
        float[] t = new float[n];
        for (int i = 0; i < n; i++) t[i] = i % 2 == 0 ? (r.nextBoolean() ? 1f : 0f) : (float) r.nextDouble();
        return t;
    }

    @ParameterizedTest(name = "wBce={0} wMse={1}")
    @CsvSource({"1,0", "0,1", "1,1", "0.3,2"})
    void reconBackwardIsTheDerivativeOfReconForward(float wBce, float wMse) {
        Random r = new Random(Float.floatToIntBits(wBce) ^ Float.floatToIntBits(wMse) * 31);
        for (int[] shape : new int[][] {{1, 1}, {3, 7}, {5, 13}, {2, 31}}) {
            int batch = shape[0], dim = shape[1], n = batch * dim;
            String where = "wBce=" + wBce + " wMse=" + wMse + " batch=" + batch + " dim=" + dim;
            float[] logits = uniform(r, n, -4, 4), t = targets(r, n);

            int psOff = 2;
            float[] perSample = output(new float[batch], psOff);
            LossRef.reconForward(perSample, psOff, input(logits, 3), 3, input(t, 1), 1, wBce, wMse, batch, dim);
            double[] expected = new double[batch];
            for (int b = 0; b < batch; b++)
                for (int d = 0; d < dim; d++) expected[b] += naiveLoss(logits[b * dim + d], t[b * dim + d], wBce, wMse);
            assertClose("reconForward " + where, expected, perSample, psOff, 1e-6, 1e-6);
            assertPaddingUntouched("reconForward", perSample, psOff, batch);

            int dOff = 4;
            float[] dlogits = output(uniform(r, n, -9, 9), dOff);
            LossRef.reconBackward(dlogits, dOff, input(logits, 3), 3, input(t, 1), 1, wBce, wMse, batch, dim);
            double[] numeric = numericGradient(x -> {
                double loss = 0;
                for (int i = 0; i < n; i++) loss += naiveLoss(x[i], t[i], wBce, wMse);
                return loss;
            }, toDouble(logits));
            if (n > 1) assertNotTrivial(where, numeric);
            assertGradient("dlogits " + where, numeric, dlogits, dOff, RTOL);
            assertPaddingUntouched("dlogits", dlogits, dOff, n);
        }
    }

    @Test
    void stableBceMatchesNaiveBceAtModerateLogits() {
        Random r = new Random(41);
        for (int i = 0; i < 2000; i++) {
            double x = -15 + 30 * r.nextDouble(), t = i % 3 == 0 ? (i % 2) : r.nextDouble();
            double naive = naiveBce(x, t);
            assertEquals(naive, LossRef.bceWithLogits(x, t), 1e-9 * Math.max(1, Math.abs(naive)), "x=" + x + " t=" + t);
        }
    }

    /** {logit, target, BCE, (sigmoid(logit) - target)²}: the limits the stable form must reach. */
    static final double[][] EXTREMES = {
            {100, 1, 0, 0}, {-100, 1, 100, 1}, {100, 0, 100, 1}, {-100, 0, 0, 0}, {100, 0.5, 50, 0.25},
            {1e4, 1, 0, 0}, {-1e4, 1, 1e4, 1}, {1e4, 0, 1e4, 1}, {-1e4, 0, 0, 0}, {-1e4, 0.5, 5e3, 0.25},
    };

    @Test
    void extremeLogitsGiveFiniteLossesWithTheRightLimits() {
        int n = EXTREMES.length;
        float[] logits = new float[n], t = new float[n];
        for (int i = 0; i < n; i++) { logits[i] = (float) EXTREMES[i][0]; t[i] = (float) EXTREMES[i][1]; }
        for (float[] w : new float[][] {{1, 0}, {0, 1}, {1, 1}}) {
            // One sample per pixel, so every extreme gets its own loss value.
            float[] perSample = new float[n];
            LossRef.reconForward(perSample, 0, logits, 0, t, 0, w[0], w[1], n, 1);
            float[] dlogits = new float[n];
            LossRef.reconBackward(dlogits, 0, logits, 0, t, 0, w[0], w[1], n, 1);
            for (int i = 0; i < n; i++) {
                String where = "logit " + logits[i] + " target " + t[i] + " wBce=" + w[0] + " wMse=" + w[1];
                double expected = w[0] * EXTREMES[i][2] + w[1] * EXTREMES[i][3];
                assertTrue(Float.isFinite(perSample[i]), "loss not finite at " + where);
                assertEquals(expected, perSample[i], 1e-6 * Math.max(1, expected), "loss at " + where);
                // Saturated sigmoid: BCE's slope is p - t ∈ {-1, -0.5, 0, 0.5, 1}, the MSE term's is 0.
                double p = EXTREMES[i][0] > 0 ? 1 : 0;
                assertTrue(Float.isFinite(dlogits[i]), "gradient not finite at " + where);
                assertEquals(w[0] * (p - EXTREMES[i][1]), dlogits[i], 1e-6, "gradient at " + where);
            }
        }
        assertEquals(100.0, LossRef.bceWithLogits(-100, 1), 1e-12);
    }

    /** A confident, correct prediction costs log(1 + e^-x) ≈ e^-x: tiny, but not rounded to 0 (log1p, not log(1 + ·)). */
    @Test
    void stableBceKeepsRelativeAccuracyForTinyLosses() {
        for (double x : new double[] {20, 40, 100}) {
            assertEquals(Math.exp(-x), LossRef.bceWithLogits(x, 1), 1e-6 * Math.exp(-x), "logit " + x + " target 1");
            assertEquals(Math.exp(-x), LossRef.bceWithLogits(-x, 0), 1e-6 * Math.exp(-x), "logit " + -x + " target 0");
        }
    }
}
