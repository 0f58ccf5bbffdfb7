package tornadovae.kernels.jvm;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tornadovae.kernels.ActivationKind;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * VectorMath's scalar functions are accurate, and the vector code written out in JvmKernels gives
 * exactly their bits, whether the JIT has compiled it yet or not.
 */
class VectorMathTest {

    private static JvmKernels kernels;

    @BeforeAll
    static void start() { kernels = JvmKernels.create(2); }

    @AfterAll
    static void stop() { kernels.close(); }

    /** A sweep, the edges of every branch, and random values over many magnitudes, both signs. */
    private static float[] points() {
        Random r = new Random(1);
        int n = 64 * 1024 + 5;                  // not a multiple of the vector length: tails too
        float[] x = new float[n];
        int i = 0;
        for (float v : new float[]{0f, 1e-30f, 1e-8f, 0.3466f, 0.6249999f, 0.625f, 1f, 1.4142135f, 9f, 43f, 43.6f,
                86.9f, 87f, 87.1f, 88f, 100f, 1e10f, Float.MAX_VALUE, Float.MIN_VALUE})
            for (float sign : new float[]{1f, -1f}) x[i++] = sign * v;
        for (; i < n / 2; i++) x[i] = -100f + 200f * i / (n / 2f);
        for (; i < n; i++) x[i] = (float) ((r.nextBoolean() ? 1 : -1) * Math.pow(10, -8 + 10 * r.nextDouble()));
        return x;
    }

    private interface ScalarFn { float apply(float x); }

    private static void assertNear(String what, float[] x, ScalarFn fn, DoubleUnaryOperator ref, double relTol, double absTol) {
        for (float v : x) {
            double want = ref.applyAsDouble(v), got = fn.apply(v), err = Math.abs(got - want);
            if (!(err <= absTol + relTol * Math.abs(want))) fail(what + "(" + v + ") = " + got + ", want " + want);
        }
    }

    @Test
    void expIsAccurateForNonPositiveArguments() {
        float[] x = points();
        for (int i = 0; i < x.length; i++) x[i] = -Math.abs(x[i]);
        // 3 ulp relative down to exp(-87); below that a flush to zero, less than 1.7e-38 away.
        assertNear("exp", x, VectorMath::expNonPositive, Math::exp, 3e-7, 1.7e-38);
    }

    @Test
    void log1pIsAccurateOnTheUnitInterval() {
        float[] x = points();
        for (int i = 0; i < x.length; i++) x[i] = Math.min(1f, Math.abs(x[i]) / 100f);
        assertNear("log1p", x, VectorMath::log1pUnit, Math::log1p, 3e-7, 6e-8);
    }

    @Test
    void sigmoidAndTanhAreAccurate() {
        float[] x = points();
        assertNear("sigmoid", x, VectorMath::sigmoid, v -> 1 / (1 + Math.exp(-v)), 4e-7, 1.7e-38);
        assertNear("tanh", x, VectorMath::tanh, Math::tanh, 4e-7, 0);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(VectorMath.tanh(-0f)), "tanh(-0) is -0");
    }

    /** Runs the vector kernels and asserts every lane equals its scalar twin, bit for bit. */
    private static void kernelsMatchTwins(String when) {
        float[] x = points();
        int n = x.length, dim = 785, batch = n / dim;
        float[] y = new float[n];
        kernels.actForward(ActivationKind.SIGMOID, 0, y, 0, x, 0, n);
        for (int i = 0; i < n; i++) same(when + " sigmoid", x[i], VectorMath.sigmoid(x[i]), y[i]);
        kernels.actForward(ActivationKind.TANH, 0, y, 0, x, 0, n);
        for (int i = 0; i < n; i++) same(when + " tanh", x[i], VectorMath.tanh(x[i]), y[i]);
        float[] t = new float[n];
        for (int i = 0; i < n; i++) t[i] = (i % 7) / 6f;
        for (float wMse : new float[]{0f, 0.5f}) {
            kernels.reconBackward(y, 0, x, 0, t, 0, 1f, wMse, batch, dim);
            for (int i = 0; i < batch * dim; i++)
                same(when + " reconGrad wMse=" + wMse, x[i], VectorMath.reconGrad(x[i], t[i], 1f, 2f * wMse), y[i]);
        }
    }

    private static void same(String what, float x, float want, float got) {
        if (Float.floatToRawIntBits(want) != Float.floatToRawIntBits(got))
            fail(what + "(" + x + "): vector lane " + got + ", scalar twin " + want);
    }

    @Test
    void vectorKernelsGiveTheTwinsBitsColdAndWarm() {
        kernelsMatchTwins("first call");
        long until = System.nanoTime() + 1_000_000_000L;
        float[] x = points(), y = new float[x.length], t = new float[x.length];
        while (System.nanoTime() < until) {               // get the kernels compiled
            kernels.actForward(ActivationKind.SIGMOID, 0, y, 0, x, 0, x.length);
            kernels.actForward(ActivationKind.TANH, 0, y, 0, x, 0, x.length);
            kernels.reconBackward(y, 0, x, 0, t, 0, 1f, 0.5f, 64, 1024);
        }
        kernelsMatchTwins("after warm-up");
    }
}
