package tornadovae.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tornadovae.kernels.ref.GradCheck.*;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** OptimRef: fill, global norm, PyTorch's clip_grad_norm_, and Adam/AdamW against a double-precision PyTorch Adam. */
class OptimRefTest {

    @Test
    void fillWritesExactlyTheRange() {
        for (int n : new int[] {0, 1, 17}) {
            float[] x = output(new float[n], 3);
            OptimRef.fill(x, 3, n, -0.75f);
            for (int i = 0; i < n; i++) assertEquals(-0.75f, x[3 + i]);
            assertPaddingUntouched("fill n=" + n, x, 3, n);
        }
    }

    @Test
    void globalNormMatchesDoubleComputation() {
        Random r = new Random(8);
        for (int n : new int[] {1, 7, 1001, 65_537}) {
            float[] data = uniform(r, n, -3, 3);
            double sq = 0;
            for (float v : data) sq += (double) v * v;
            float[] x = input(data, 5), xBefore = x.clone();
            float[] out = output(new float[1], 2);
            OptimRef.globalNorm(out, 2, x, 5, n);
            assertClose("norm n=" + n, new double[] {Math.sqrt(sq)}, out, 2, 0x1p-24, 0);
            assertPaddingUntouched("norm out", out, 2, 1);
            assertUnchanged("norm x", xBefore, x);
        }
    }

    @Test
    void clipLeavesGradientsBelowTheThresholdAlone() {
        Random r = new Random(9);
        float[] data = uniform(r, 33, -1, 1);
        float norm = norm(data);
        float[] x = output(data, 4);
        OptimRef.clipByNorm(x, 4, data.length, norm, 2 * norm);
        for (int i = 0; i < data.length; i++) assertEquals(data[i], x[4 + i], "element " + i);
        assertPaddingUntouched("clip below", x, 4, data.length);

        // An all-zero gradient has norm 0: the 1e-6 keeps the coefficient finite, nothing changes.
        float[] zeros = new float[9];
        OptimRef.clipByNorm(zeros, 0, zeros.length, 0f, 1f);
        for (float v : zeros) assertEquals(0f, v);
    }

    @ParameterizedTest(name = "maxNorm = norm·{0}")
    @CsvSource({"0.5", "0.01", "1"})
    void clipAboveTheThresholdScalesToMaxNormLikePyTorch(double fraction) {
        Random r = new Random(10);
        float[] data = uniform(r, 57, -2, 2);
        float norm = norm(data), maxNorm = (float) (fraction * norm);
        float[] x = output(data, 1);
        OptimRef.clipByNorm(x, 1, data.length, norm, maxNorm);
        // torch.nn.utils.clip_grad_norm_: coef = max_norm / (total_norm + 1e-6), clamped to 1.
        double coef = Math.min(1.0, maxNorm / (norm + 1e-6));
        assertTrue(coef < 1.0);
        double[] expected = new double[data.length];
        for (int i = 0; i < data.length; i++) expected[i] = data[i] * coef;
        assertClose("clipped", expected, x, 1, 1e-6, 0);
        assertPaddingUntouched("clip above", x, 1, data.length);
        assertEquals(maxNorm * norm / (norm + 1e-6), norm(x, 1, data.length), 1e-5 * maxNorm);
    }

    @Test
    void clipEpsilonIsPyTorchs1e6() {
        // At norm 1e-6 the epsilon doubles the denominator: coef = 1e-6 / (1e-6 + 1e-6) = 0.5.
        float[] x = {1e-6f, -2e-6f, 0.5e-6f};
        OptimRef.clipByNorm(x, 0, 3, 1e-6f, 1e-6f);
        assertEquals(0.5e-6f, x[0], 1e-6f * 1e-5f);
        assertEquals(-1e-6f, x[1], 1e-6f * 1e-5f);
        assertEquals(0.25e-6f, x[2], 1e-6f * 1e-5f);
    }

    static float norm(float[] x) { return norm(x, 0, x.length); }

    static float norm(float[] x, int off, int n) {
        double s = 0;
        for (int i = 0; i < n; i++) s += (double) x[off + i] * x[off + i];
        return (float) Math.sqrt(s);
    }

    /**
     * torch.optim.AdamW's single-tensor step (torch.optim.Adam when weightDecay = 0), in double:
     * p *= 1 - lr·wd; m = b1·m + (1-b1)·g; v = b2·v + (1-b2)·g²;
     * p -= (lr / (1 - b1^t)) · m / (sqrt(v) / sqrt(1 - b2^t) + eps).
     */
    static final class TorchAdam {
        final double lr, b1, b2, eps, wd;
        final double[] p, m, v;
        /** m's recurrence on |g|: the scale m's float rounding is relative to (m itself may cancel to ~0). */
        final double[] mScale;
        int t;

        TorchAdam(float[] p0, double lr, double b1, double b2, double eps, double wd) {
            this.lr = lr; this.b1 = b1; this.b2 = b2; this.eps = eps; this.wd = wd;
            p = toDouble(p0);
            m = new double[p0.length];
            v = new double[p0.length];
            mScale = new double[p0.length];
        }

        void step(float[] g) {
            t++;
            double bc1 = 1 - Math.pow(b1, t), bc2 = 1 - Math.pow(b2, t);
            for (int i = 0; i < p.length; i++) {
                p[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g[i];
                mScale[i] = b1 * mScale[i] + (1 - b1) * Math.abs(g[i]);
                v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
                double denom = Math.sqrt(v[i]) / Math.sqrt(bc2) + eps;
                p[i] -= lr / bc1 * m[i] / denom;
            }
        }
    }

    @ParameterizedTest(name = "lr={0} b1={1} b2={2} eps={3} wd={4}")
    @CsvSource({
            "1e-3, 0.9, 0.999, 1e-8, 0",    // torch.optim.Adam defaults
            "1e-2, 0.9, 0.999, 1e-8, 0.01", // AdamW defaults, larger lr
            "3e-2, 0.8, 0.99, 1e-3, 0.1",   // eps comparable to sqrt(v) for the small gradients
    })
    void adamMatchesDoublePrecisionPyTorchAdamStepByStep(float lr, float b1, float b2, float eps, float wd) {
        Random r = new Random(12);
        int n = 37, steps = 15, pOff = 3, gOff = 6, mOff = 1, vOff = 8;
        float[] p0 = uniform(r, n, -1, 1);
        float[] p = output(p0, pOff), m = output(new float[n], mOff), v = output(new float[n], vOff);
        TorchAdam torch = new TorchAdam(p0, lr, b1, b2, eps, wd);
        for (int step = 1; step <= steps; step++) {
            float[] g = uniform(r, n, -1, 1);
            for (int i = 0; i < n; i += 5) g[i] *= 1e-4f; // small gradients, where eps matters
            g[1] = 0f;                                      // a parameter whose gradient vanishes
            if (step % 4 == 0) g[2] = 0f;                   // and one whose gradient comes and goes
            float[] gArr = input(g, gOff), gBefore = gArr.clone();
            // The caller computes the bias corrections (they travel per step in SCALARS).
            float bc1 = (float) (1 - Math.pow(b1, step)), bc2 = (float) (1 - Math.pow(b2, step));
            OptimRef.adam(p, pOff, gArr, gOff, m, mOff, v, vOff, n, lr, b1, b2, eps, wd, bc1, bc2);
            torch.step(g);

            String where = "step " + step;
            for (int i = 0; i < n; i++)
                assertClose("m " + where + " [" + i + "]", new double[] {torch.m[i]}, m, mOff + i, 0, 1e-6 * torch.mScale[i]);
            assertClose("v " + where, torch.v, v, vOff, 1e-5, 1e-30);
            // The float state is rounded every step; parameters drift from double by ~1e-7·|p| a step,
            // while one Adam update is ~lr, so 2e-6 still sees a 1e-3 relative error in the update.
            assertClose("p " + where, torch.p, p, pOff, 2e-6, 2e-6);
            assertUnchanged("g " + where, gBefore, gArr);
        }
        assertPaddingUntouched("p", p, pOff, n);
        assertPaddingUntouched("m", m, mOff, n);
        assertPaddingUntouched("v", v, vOff, n);
    }

    /** Adam's signature property: thanks to the bias corrections the first step moves each parameter by ≈ lr·sign(g). */
    @Test
    void firstAdamStepMovesEachParameterByLearningRate() {
        Random r = new Random(13);
        int n = 21;
        float[] p0 = uniform(r, n, -1, 1), p = p0.clone(), g = uniform(r, n, -2, 2);
        float lr = 1e-2f, b1 = 0.9f, b2 = 0.999f;
        OptimRef.adam(p, 0, g, 0, new float[n], 0, new float[n], 0, n, lr, b1, b2, 1e-8f, 0f,
                (float) (1 - b1), (float) (1 - b2));
        for (int i = 0; i < n; i++)
            assertEquals(-lr * Math.signum(g[i]), p[i] - p0[i], 1e-6, "parameter " + i);
    }
}
