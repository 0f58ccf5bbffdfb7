package tornadovae.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.Random;
import java.util.function.ToDoubleFunction;

/**
 * Shared machinery for checking the reference kernels: double-precision central differences,
 * tolerance checks, and arrays embedded at an offset inside bigger arrays whose padding lets a
 * test see every out-of-range read (NaN in inputs) or write (a sentinel in outputs).
 */
final class GradCheck {
    private GradCheck() {}

    /**
     * FD step. The forwards we differentiate are double re-implementations, so truncation error
     * (~h²) and cancellation error (~1e-16·|L|/h) are both far below the float backward's own
     * rounding, which is what the tolerance has to absorb.
     */
    static final double H = 1e-6;

    /**
     * Tolerance for analytic-vs-numeric gradients: |a - n| ≤ RTOL·max(1, |n|). The inputs are
     * chosen so that gradients are of order one, where the float backward is good to ~1e-6;
     * 1e-4 is ten times tighter than the ~1e-3 usually quoted and still far from flaky.
     */
    static final double RTOL = 1e-4;

    /** Padding value written into outputs around the region a kernel may write. */
    static final float SENTINEL = -12345.678f;

    /** Central-difference gradient of f at x; x is restored before returning. */
    static double[] numericGradient(ToDoubleFunction<double[]> f, double[] x) {
        double[] g = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            double saved = x[i];
            x[i] = saved + H;
            double plus = f.applyAsDouble(x);
            x[i] = saved - H;
            double minus = f.applyAsDouble(x);
            x[i] = saved;
            g[i] = (plus - minus) / (2 * H);
        }
        return g;
    }

    /** Asserts actual[off+i] ≈ expected[i] within rtol·max(1, |expected[i]|). */
    static void assertGradient(String what, double[] expected, float[] actual, int off, double rtol) {
        for (int i = 0; i < expected.length; i++) {
            double a = actual[off + i], e = expected[i];
            double tol = rtol * Math.max(1.0, Math.abs(e));
            if (!(Math.abs(a - e) <= tol))
                fail(what + "[" + i + "]: analytic " + a + " vs numeric " + e + " (|diff| " + Math.abs(a - e)
                        + " > tol " + tol + ")");
        }
    }

    /** Asserts actual[off+i] ≈ expected[i] within rel·|expected[i]| + abs. */
    static void assertClose(String what, double[] expected, float[] actual, int off, double rel, double abs) {
        for (int i = 0; i < expected.length; i++) {
            double a = actual[off + i], e = expected[i];
            double tol = rel * Math.abs(e) + abs;
            if (!(Math.abs(a - e) <= tol))
                fail(what + "[" + i + "]: got " + a + ", expected " + e + " (|diff| " + Math.abs(a - e)
                        + " > tol " + tol + ")");
        }
    }

    /** Makes sure a gradient check has signal: gradients that are all ~0 would prove nothing. */
    static void assertNotTrivial(String what, double[]... numeric) {
        double max = 0;
        for (double[] gs : numeric) for (double g : gs) max = Math.max(max, Math.abs(g));
        if (max < 0.05) fail(what + ": numeric gradient is nearly zero everywhere (max " + max + "), the check is vacuous");
    }

    static float[] uniform(Random r, int n, double lo, double hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (lo + (hi - lo) * r.nextDouble());
        return x;
    }

    /** Values with |x| in [lo, hi] and random sign: of order one, never near zero. */
    static float[] signed(Random r, int n, double lo, double hi) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) ((r.nextBoolean() ? 1 : -1) * (lo + (hi - lo) * r.nextDouble()));
        return x;
    }

    static float[] gaussian(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) r.nextGaussian();
        return x;
    }

    static double[] toDouble(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) d[i] = x[i];
        return d;
    }

    static double[] toDouble(float[] x, int off, int n) {
        double[] d = new double[n];
        for (int i = 0; i < n; i++) d[i] = x[off + i];
        return d;
    }

    /** An input array: data at [off, off+n), NaN everywhere else so a stray read poisons the result. */
    static float[] input(float[] data, int off) {
        float[] a = new float[off + data.length + 3];
        Arrays.fill(a, Float.NaN);
        System.arraycopy(data, 0, a, off, data.length);
        return a;
    }

    /** An output array: initial contents at [off, off+n), the sentinel everywhere else. */
    static float[] output(float[] initial, int off) {
        float[] a = new float[off + initial.length + 3];
        Arrays.fill(a, SENTINEL);
        System.arraycopy(initial, 0, a, off, initial.length);
        return a;
    }

    /** Asserts that nothing outside [off, off+n) of an {@link #output} array was written. */
    static void assertPaddingUntouched(String what, float[] a, int off, int n) {
        for (int i = 0; i < a.length; i++) {
            if (i >= off && i < off + n) continue;
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(SENTINEL))
                fail(what + ": element " + i + " outside the written range [" + off + ", " + (off + n) + ") changed to " + a[i]);
        }
    }

    /** Asserts that an array still holds exactly what it held before (inputs are read-only). */
    static void assertUnchanged(String what, float[] before, float[] after) {
        assertEquals(before.length, after.length, what + " length");
        for (int i = 0; i < before.length; i++)
            if (Float.floatToRawIntBits(before[i]) != Float.floatToRawIntBits(after[i]))
                fail(what + ": input element " + i + " was modified from " + before[i] + " to " + after[i]);
    }

    static double dot(float[] w, double[] y) {
        double s = 0;
        for (int i = 0; i < y.length; i++) s += w[i] * y[i];
        return s;
    }
}
