package tornadovae.kernels.jvm;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/** Helpers for checking a backend op against the reference: padded random arrays and tolerant comparisons. */
final class TestArrays {
    private TestArrays() {}

    /** The sizes most likely to break blocking and vector tails. */
    static final int[] ODD_SIZES = {1, 2, 3, 7, 17, 33, 127, 129, 785};

    /** n random values in [lo, hi) after `off` random values, with a few more behind: every op sees offsets. */
    static float[] padded(Random r, int off, int n, float lo, float hi) {
        float[] x = new float[off + n + 5];
        for (int i = 0; i < x.length; i++) x[i] = lo + (hi - lo) * r.nextFloat();
        return x;
    }

    static int offset(Random r) { return r.nextInt(19); }

    /** Asserts |x - ref| <= tol·(1 + |ref|) over [off, off+n), and bit equality outside it. */
    static void assertClose(String what, float[] ref, float[] x, int off, int n, double tol) {
        assertEquals(ref.length, x.length, what + ": length");
        for (int i = 0; i < x.length; i++) {
            boolean inside = i >= off && i < off + n;
            if (inside) {
                double err = Math.abs((double) x[i] - ref[i]);
                if (!(err <= tol * (1 + Math.abs(ref[i]))))
                    fail(what + ": element " + (i - off) + " is " + x[i] + ", reference " + ref[i]
                            + " (|diff| " + err + " > " + tol + "·(1+|ref|))");
            } else if (Float.floatToRawIntBits(x[i]) != Float.floatToRawIntBits(ref[i])) {
                fail(what + ": element at array index " + i + " outside the written range [" + off + ", "
                        + (off + n) + ") changed from " + ref[i] + " to " + x[i]);
            }
        }
    }

    static void assertBitsEqual(String what, float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++)
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i]))
                fail(what + ": index " + i + " differs: " + expected[i] + " vs " + actual[i]);
    }
}
