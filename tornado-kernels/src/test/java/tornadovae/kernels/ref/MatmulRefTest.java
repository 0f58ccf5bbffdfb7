package tornadovae.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static tornadovae.kernels.ref.GradCheck.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** MatmulRef: SGEMM against a naive double product; dense and bias backward against finite differences. */
class MatmulRefTest {

    /** m, n, k: degenerate, skinny and odd shapes, plus a few random ones. */
    static List<int[]> gemmShapes() {
        List<int[]> s = new ArrayList<>(List.of(
                new int[] {1, 1, 1}, new int[] {1, 5, 3}, new int[] {7, 1, 4}, new int[] {3, 5, 1},
                new int[] {13, 11, 17}, new int[] {2, 3, 31}));
        Random r = new Random(11);
        for (int i = 0; i < 4; i++) s.add(new int[] {1 + r.nextInt(19), 1 + r.nextInt(19), 1 + r.nextInt(19)});
        return s;
    }

    static Stream<Arguments> transposeAndAccumulate() {
        List<Arguments> a = new ArrayList<>();
        for (boolean ta : new boolean[] {false, true})
            for (boolean tb : new boolean[] {false, true})
                for (boolean acc : new boolean[] {false, true}) a.add(Arguments.of(ta, tb, acc));
        return a.stream();
    }

    @ParameterizedTest(name = "transA={0} transB={1} accumulate={2}")
    @MethodSource("transposeAndAccumulate")
    void sgemmMatchesNaiveDoubleProduct(boolean transA, boolean transB, boolean accumulate) {
        Random r = new Random(31L * (transA ? 4 : 0) + (transB ? 2 : 0) + (accumulate ? 1 : 0));
        for (int[] shape : gemmShapes()) {
            int m = shape[0], n = shape[1], k = shape[2];
            String where = "m=" + m + " n=" + n + " k=" + k;
            // The logical operands op(A) [m][k] and op(B) [k][n], then laid out as documented.
            float[][] opA = new float[m][k], opB = new float[k][n];
            for (float[] row : opA) for (int p = 0; p < k; p++) row[p] = (float) (2 * r.nextDouble() - 1);
            for (float[] row : opB) for (int j = 0; j < n; j++) row[j] = (float) (2 * r.nextDouble() - 1);
            float[] aData = new float[m * k], bData = new float[k * n];
            for (int i = 0; i < m; i++)
                for (int p = 0; p < k; p++) aData[transA ? p * m + i : i * k + p] = opA[i][p]; // [k][m] when transposed
            for (int p = 0; p < k; p++)
                for (int j = 0; j < n; j++) bData[transB ? j * k + p : p * n + j] = opB[p][j]; // [n][k] when transposed
            float[] c0 = uniform(r, m * n, -1, 1); // prior C: added when accumulating, must vanish otherwise

            int aOff = r.nextInt(9), bOff = r.nextInt(9), cOff = r.nextInt(9);
            float[] a = input(aData, aOff), b = input(bData, bOff), c = output(c0, cOff);
            float[] aBefore = a.clone(), bBefore = b.clone();
            MatmulRef.sgemm(c, cOff, a, aOff, b, bOff, m, n, k, transA, transB, accumulate);

            double[] expected = new double[m * n];
            double[] magnitude = new double[m * n];
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    double s = accumulate ? c0[i * n + j] : 0, mag = Math.abs(s);
                    for (int p = 0; p < k; p++) {
                        s += (double) opA[i][p] * opB[p][j];
                        mag += Math.abs((double) opA[i][p] * opB[p][j]);
                    }
                    expected[i * n + j] = s;
                    magnitude[i * n + j] = mag;
                }
            // Accumulating in double and rounding once: within half an ulp of the exact result,
            // plus a hair for the double sum's own rounding.
            for (int i = 0; i < m * n; i++) {
                double tol = 0x1p-24 * Math.abs(expected[i]) + 1e-14 * magnitude[i];
                assertClose("C " + where, new double[] {expected[i]}, c, cOff + i, 0, tol);
            }
            assertPaddingUntouched("C " + where, c, cOff, m * n);
            assertUnchanged("A " + where, aBefore, a);
            assertUnchanged("B " + where, bBefore, b);
        }
    }

    /** batch, in, out */
    static Stream<Arguments> denseShapes() {
        return Stream.of(Arguments.of(1, 1, 1), Arguments.of(3, 5, 2), Arguments.of(4, 7, 9), Arguments.of(5, 13, 3),
                Arguments.of(2, 1, 6), Arguments.of(1, 11, 1));
    }

    /** L = Σ dout·(inp·Wᵀ + bias) in double: the weights dout make the backward's input the dL/dout. */
    static double denseLoss(double[] inp, double[] w, double[] bias, float[] dout, int batch, int in, int outDim) {
        double loss = 0;
        for (int b = 0; b < batch; b++)
            for (int o = 0; o < outDim; o++) {
                double y = bias[o];
                for (int c = 0; c < in; c++) y += inp[b * in + c] * w[o * in + c];
                loss += dout[b * outDim + o] * y;
            }
        return loss;
    }

    @ParameterizedTest(name = "batch={0} in={1} out={2}")
    @MethodSource("denseShapes")
    void denseBackwardIsTheDerivativeOfDenseForward(int batch, int in, int outDim) {
        Random r = new Random(batch * 1000 + in * 10 + outDim);
        float[] inp = signed(r, batch * in, 0.25, 1), w = signed(r, outDim * in, 0.25, 1);
        float[] bias = signed(r, outDim, 0.25, 1), dout = signed(r, batch * outDim, 0.25, 1);
        double[] inpD = toDouble(inp), wD = toDouble(w), biasD = toDouble(bias);

        // The double forward we differentiate must be the float forward under test.
        int oOff = 4;
        float[] out = output(uniform(r, batch * outDim, -5, 5), oOff);
        MatmulRef.denseForward(out, oOff, input(inp, 1), 1, input(w, 2), 2, input(bias, 3), 3, batch, in, outDim);
        double[] y = new double[batch * outDim];
        for (int b = 0; b < batch; b++)
            for (int o = 0; o < outDim; o++) {
                float[] onehot = new float[batch * outDim];
                onehot[b * outDim + o] = 1;
                y[b * outDim + o] = denseLoss(inpD, wD, biasD, onehot, batch, in, outDim);
            }
        assertClose("denseForward", y, out, oOff, 1e-6, 1e-6);
        assertPaddingUntouched("denseForward out", out, oOff, batch * outDim);

        // Analytic gradients, written over garbage at offsets (the kernel overwrites).
        int diOff = 3, dwOff = 5, dbOff = 2;
        float[] dinp = output(uniform(r, batch * in, -9, 9), diOff);
        float[] dw = output(uniform(r, outDim * in, -9, 9), dwOff);
        float[] dbias = output(uniform(r, outDim, -9, 9), dbOff);
        float[] doutA = input(dout, 6), inpA = input(inp, 1), wA = input(w, 7);
        MatmulRef.denseBackward(dinp, diOff, dw, dwOff, dbias, dbOff, doutA, 6, inpA, 1, wA, 7, batch, in, outDim);

        double[] gInp = numericGradient(x -> denseLoss(x, wD, biasD, dout, batch, in, outDim), inpD);
        double[] gW = numericGradient(x -> denseLoss(inpD, x, biasD, dout, batch, in, outDim), wD);
        double[] gBias = numericGradient(x -> denseLoss(inpD, wD, x, dout, batch, in, outDim), biasD);
        assertNotTrivial("dense gradients", gInp, gW, gBias);
        assertGradient("dinp", gInp, dinp, diOff, RTOL);
        assertGradient("dW", gW, dw, dwOff, RTOL);
        assertGradient("dbias", gBias, dbias, dbOff, RTOL);
        assertPaddingUntouched("dinp", dinp, diOff, batch * in);
        assertPaddingUntouched("dW", dw, dwOff, outDim * in);
        assertPaddingUntouched("dbias", dbias, dbOff, outDim);

        // The first layer passes dinp = null: same dW and dbias, and nothing else is touched.
        float[] dw2 = output(uniform(r, outDim * in, -9, 9), dwOff);
        float[] dbias2 = output(uniform(r, outDim, -9, 9), dbOff);
        assertDoesNotThrow(() -> MatmulRef.denseBackward(null, 0, dw2, dwOff, dbias2, dbOff,
                doutA, 6, inpA, 1, wA, 7, batch, in, outDim));
        assertGradient("dW (dinp null)", gW, dw2, dwOff, RTOL);
        assertGradient("dbias (dinp null)", gBias, dbias2, dbOff, RTOL);
        assertPaddingUntouched("dW (dinp null)", dw2, dwOff, outDim * in);
    }

    @Test
    void biasGradIsTheDerivativeOfBiasAdd() {
        Random r = new Random(5);
        for (int[] rc : new int[][] {{1, 1}, {1, 9}, {7, 1}, {5, 13}, {17, 3}}) {
            int rows = rc[0], cols = rc[1];
            float[] base = uniform(r, rows * cols, -2, 2), bias = uniform(r, cols, -1, 1), dout = uniform(r, rows * cols, -1, 1);

            // biasAdd adds the bias to every row, in place.
            float[] out = output(base, 3);
            MatmulRef.biasAdd(out, 3, input(bias, 2), 2, rows, cols);
            double[] y = new double[rows * cols];
            for (int i = 0; i < rows * cols; i++) y[i] = (double) base[i] + bias[i % cols];
            assertClose("biasAdd", y, out, 3, 1e-7, 0);
            assertPaddingUntouched("biasAdd", out, 3, rows * cols);

            double[] gBias = numericGradient(bD -> {
                double loss = 0;
                for (int i = 0; i < rows * cols; i++) loss += dout[i] * (base[i] + bD[i % cols]);
                return loss;
            }, toDouble(bias));
            float[] dbias = output(uniform(r, cols, -9, 9), 1);
            MatmulRef.biasGrad(dbias, 1, input(dout, 5), 5, rows, cols);
            assertGradient("dbias rows=" + rows + " cols=" + cols, gBias, dbias, 1, RTOL);
            assertPaddingUntouched("dbias", dbias, 1, cols);
        }
    }
}
