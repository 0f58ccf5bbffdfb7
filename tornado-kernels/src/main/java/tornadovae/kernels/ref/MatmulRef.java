package tornadovae.kernels.ref;

/**
 * The plainest correct dense-algebra loops: the specification every backend is tested against.
 * Arrays are row-major; every operand is a (array, offset) pair so that arenas can be used.
 * Accumulation is in double so the reference is more accurate than any schedule it judges.
 */
public final class MatmulRef {
    private MatmulRef() {}

    /**
     * C[m×n] = op(A)·op(B), or C += op(A)·op(B) when accumulate. op(A) is m×k: A is stored
     * [m][k], or [k][m] when transA. op(B) is k×n: B is stored [k][n], or [n][k] when transB.
     */
    public static void sgemm(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff,
                             int m, int n, int k, boolean transA, boolean transB, boolean accumulate) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double acc = accumulate ? c[cOff + i * n + j] : 0.0;
                for (int p = 0; p < k; p++) {
                    float av = transA ? a[aOff + p * m + i] : a[aOff + i * k + p];
                    float bv = transB ? b[bOff + j * k + p] : b[bOff + p * n + j];
                    acc += (double) av * bv;
                }
                c[cOff + i * n + j] = (float) acc;
            }
        }
    }

    /** out[r][c] += bias[c]. */
    public static void biasAdd(float[] out, int outOff, float[] bias, int biasOff, int rows, int cols) {
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                out[outOff + r * cols + c] += bias[biasOff + c];
    }

    /** dbias[c] = sum over rows of dout[r][c] (overwrites). */
    public static void biasGrad(float[] dbias, int dbOff, float[] dout, int doutOff, int rows, int cols) {
        for (int c = 0; c < cols; c++) {
            double acc = 0;
            for (int r = 0; r < rows; r++) acc += dout[doutOff + r * cols + c];
            dbias[dbOff + c] = (float) acc;
        }
    }

    /** Dense layer forward: out[B][OC] = inp[B][C]·W[OC][C]ᵀ + bias[OC]. */
    public static void denseForward(float[] out, int outOff, float[] inp, int inpOff,
                                    float[] w, int wOff, float[] bias, int biasOff, int batch, int in, int outDim) {
        sgemm(out, outOff, inp, inpOff, w, wOff, batch, outDim, in, false, true, false);
        biasAdd(out, outOff, bias, biasOff, batch, outDim);
    }

    /**
     * Dense layer backward. dinp may be null (the first layer needs no input gradient).
     * dW[OC][C] = doutᵀ·inp, dbias = column sums of dout, dinp[B][C] = dout·W. Overwrites.
     */
    public static void denseBackward(float[] dinp, int dinpOff, float[] dw, int dwOff, float[] dbias, int dbOff,
                                     float[] dout, int doutOff, float[] inp, int inpOff, float[] w, int wOff,
                                     int batch, int in, int outDim) {
        sgemm(dw, dwOff, dout, doutOff, inp, inpOff, outDim, in, batch, true, false, false);
        biasGrad(dbias, dbOff, dout, doutOff, batch, outDim);
        if (dinp != null) sgemm(dinp, dinpOff, dout, doutOff, w, wOff, batch, in, outDim, false, false, false);
    }
}
