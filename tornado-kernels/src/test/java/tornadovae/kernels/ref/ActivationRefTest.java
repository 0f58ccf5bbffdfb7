package tornadovae.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tornadovae.kernels.ref.GradCheck.*;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tornadovae.kernels.ActivationKind;

/** ActivationRef: forward against java.lang.Math, backward (written through the output) against finite differences. */
class ActivationRefTest {
    static final float SLOPE = 0.2f;

    /** The activation in double, written from its textbook definition. */
    static double f(ActivationKind kind, double x) {
        return switch (kind) {
            case IDENTITY -> x;
            case RELU -> Math.max(0.0, x);
            case LEAKY_RELU -> x >= 0 ? x : (double) SLOPE * x;
            case SIGMOID -> 1.0 / (1.0 + Math.exp(-x));
            case TANH -> Math.tanh(x);
            case SILU -> x / (1.0 + Math.exp(-x));
            case GELU -> 0.5 * x * (1.0 + Math.tanh(Math.sqrt(2.0 / Math.PI) * (x + 0.044715 * x * x * x)));
        };
    }

    /** |x| in [0.05, 3]: far enough from 0 that x ± h never crosses a kink. */
    static float[] awayFromKinks(Random r, int n) {
        return signed(r, n, 0.05, 3);
    }

    @ParameterizedTest
    @EnumSource(ActivationKind.class)
    void forwardMatchesMathFormulas(ActivationKind kind) {
        Random r = new Random(kind.ordinal());
        float[] x = uniform(r, 41, -6, 6);
        x[0] = 0f; x[1] = -0f; x[2] = 100f; x[3] = -100f; x[4] = 1e4f; x[5] = -1e4f; x[6] = 1e-30f; x[7] = -1e-30f;
        int off = 3;
        float[] out = output(new float[x.length], off);
        ActivationRef.forward(kind, SLOPE, out, off, input(x, 2), 2, x.length);
        double[] expected = new double[x.length];
        for (int i = 0; i < x.length; i++) expected[i] = f(kind, x[i]);
        // One rounding to float: half an ulp, or an absolute hair where the result is subnormal.
        assertClose(kind + " forward", expected, out, off, 0x1p-24, Float.MIN_NORMAL);
        assertPaddingUntouched(kind + " forward", out, off, x.length);
        for (int i = 0; i < x.length; i++) assertTrue(Float.isFinite(out[off + i]), kind + " forward of " + x[i]);
    }

    @ParameterizedTest
    @EnumSource(ActivationKind.class)
    void backwardIsTheDerivativeOfForward(ActivationKind kind) {
        Random r = new Random(100 + kind.ordinal());
        for (int n : new int[] {1, 7, 37}) {
            float[] x = awayFromKinks(r, n), w = uniform(r, n, -1, 1);
            float[] y = new float[n];
            ActivationRef.forward(kind, SLOPE, y, 0, x, 0, n);

            int dOff = 5, yOff = 1, wOff = 4;
            float[] src = kind.derivativeFrom() == ActivationKind.Source.OUTPUT ? y : x;   // what f' is computed from
            float[] dinp = output(uniform(r, n, -9, 9), dOff);
            ActivationRef.backward(kind, SLOPE, dinp, dOff, input(src, yOff), yOff, input(w, wOff), wOff, n);

            double[] numeric = numericGradient(xd -> {
                double loss = 0;
                for (int i = 0; i < n; i++) loss += w[i] * f(kind, xd[i]);
                return loss;
            }, toDouble(x));
            assertGradient(kind + " dinp n=" + n, numeric, dinp, dOff, RTOL);
            assertPaddingUntouched(kind + " dinp", dinp, dOff, n);

            // dinp may alias dout (the documented in-place use).
            float[] inPlace = output(w, wOff);
            ActivationRef.backward(kind, SLOPE, inPlace, wOff, input(src, yOff), yOff, inPlace, wOff, n);
            assertGradient(kind + " in-place dinp n=" + n, numeric, inPlace, wOff, RTOL);
            assertPaddingUntouched(kind + " in-place dinp", inPlace, wOff, n);
        }
    }

    @ParameterizedTest
    @EnumSource(ActivationKind.class)
    void derivativeStaysFiniteAndInRangeAtExtremes(ActivationKind kind) {
        boolean fromOutput = kind.derivativeFrom() == ActivationKind.Source.OUTPUT;
        // SiLU's and GELU's slopes dip below 0 and rise above 1 near the origin (to about -0.1 and 1.1)
        float lo = fromOutput ? 0f : -0.2f, hi = fromOutput ? 1f : 1.2f;
        for (float x : new float[] {100f, -100f, 1e4f, -1e4f, 1e-30f, -1e-30f, -1.5f, 1.5f}) {
            float d = kind.derivative(SLOPE, fromOutput ? kind.apply(SLOPE, x) : x);
            assertTrue(Float.isFinite(d) && d >= lo && d <= hi, kind + " f'(" + x + ") = " + d);
        }
        // Saturated sigmoid and tanh have (numerically) flat tails.
        if (kind == ActivationKind.SIGMOID || kind == ActivationKind.TANH)
            assertEquals(0f, kind.derivative(SLOPE, kind.apply(SLOPE, 1e4f)), 1e-30f);
    }
}
