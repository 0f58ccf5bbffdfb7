package tornadovae.kernels.tornado;

/**
 * One GEMM of the step, in the one form both kernel families ({@link GemmFamily}) implement: a batched,
 * strided product with its epilogue. For z &lt; outputs, i &lt; m, j &lt; n:
 * <pre>
 *   C_z[i][j] = act( (accumulate ? C_z[i][j] : 0) + Σ_{b ∈ batches of z} Σ_{p &lt; k} A_b[i][p]·B_b[p][j] + bias )
 *   A_b[i][p] = a[aOff + b·sAb + i·sAi + p·sAp]
 *   B_b[p][j] = b[bOff + b·sBb + (j / nPer)·sBn + p·sBp + (j % nPer)·sBj]
 *   C_z[i][j] = c[cOff + z·sCz + (j / nPer)·sCn + i·ldc + (j % nPer)]
 * </pre>
 * The columns come in groups of {@code nPer} ({@link #columnGroups}): with {@code nPer = n} (the usual) B and C
 * are plain matrices; with {@code nPer} = a convolution's pixels per image, one GEMM runs across a group of
 * images whose planes lie {@code sBn} and {@code sCn} apart, so a GPU's blocks are as wide as the group and
 * not cut at each image's 49 or 196 pixels.
 * The batches of output z are {@code z·inner .. z·inner + inner − 1}: with {@code inner = 1} it is the
 * ordinary strided-batched GEMM (a convolution's forward and input gradient, one image a batch); with
 * {@code outputs = 1} and {@code inner = N} one C is summed over all N images (a convolution's weight
 * gradient), a family may then split the batches over work-groups and reduce the parts in a fixed order.
 * A plain SGEMM is {@code outputs = inner = 1}. bias: {@code biasMode} 0 none, 1 {@code bias[biasOff + i]}
 * (a channel per row), 2 {@code bias[biasOff + j]} (a feature per column); act: a {@link TornadoActivations}
 * code and slope, applied as C is stored. C must not overlap A or B.
 */
record GemmCall(float[] a, int aOff, int sAb, int sAi, int sAp,
                float[] b, int bOff, int sBb, int sBp, int sBj,
                float[] c, int cOff, int sCz, int ldc,
                int m, int n, int k, int outputs, int inner, boolean accumulate,
                float[] bias, int biasOff, int biasMode, int act, float slope,
                int nPer, int sBn, int sCn, ImplicitB implicitB) {

    /**
     * B read straight from a convolution's X [images][Cx][Hx][Wx] (b, from bOff) instead of from a col that im2col
     * wrote: an implicit im2col, with no col and no im2col launch. B[tap][j], j = image·P + pixel across a group of
     * images (a Y-from-X product: nPer = P). Shapes packed as {@code TornadoConvKernels.packDims}, {@code packKernel};
     * a tap that falls on the padding reads 0.
     */
    record ImplicitB(int xDims, int yDims, int kps) {
        /** B's element (p, j) of the group whose X starts at {@code base}. */
        float at(float[] x, int base, int p, int j, int nPer) {
            int cx = xDims >> 20, hx = (xDims >> 10) & 1023, wx = xDims & 1023, wy = yDims & 1023;
            int k = kps & 255, s = (kps >> 8) & 255, pad = kps >> 16;
            int image = j / nPer, pixel = j % nPer;
            int c = p / (k * k), iy = pixel / wy * s - pad + p / k % k, ix = pixel % wy * s - pad + p % k;
            return iy >= 0 && iy < hx && ix >= 0 && ix < wx ? x[base + ((image * cx + c) * hx + iy) * wx + ix] : 0f;
        }
    }

    /** A call whose columns are one group ({@code nPer = n}): plain B and C. */
    GemmCall(float[] a, int aOff, int sAb, int sAi, int sAp, float[] b, int bOff, int sBb, int sBp, int sBj,
             float[] c, int cOff, int sCz, int ldc, int m, int n, int k, int outputs, int inner, boolean accumulate,
             float[] bias, int biasOff, int biasMode, int act, float slope) {
        this(a, aOff, sAb, sAi, sAp, b, bOff, sBb, sBp, sBj, c, cOff, sCz, ldc, m, n, k, outputs, inner, accumulate,
                bias, biasOff, biasMode, act, slope, n, 0, 0, null);
    }

    GemmCall {
        if (m <= 0 || n <= 0 || k <= 0 || outputs <= 0 || inner <= 0)
            throw new IllegalArgumentException("GEMM sizes must be positive: m=" + m + " n=" + n + " k=" + k
                    + " outputs=" + outputs + " inner=" + inner);
        if (biasMode < 0 || biasMode > 2) throw new IllegalArgumentException("biasMode " + biasMode + " (0, 1 or 2)");
        if (biasMode != 0 && bias == null) throw new IllegalArgumentException("biasMode " + biasMode + " without a bias array");
        if (nPer <= 0 || n % nPer != 0) throw new IllegalArgumentException("column groups of " + nPer + " do not divide n " + n);
        if (ldc < nPer) throw new IllegalArgumentException("ldc " + ldc + " < the " + nPer + " columns of a group");
    }

    /** This call with its n columns in groups of nPer, B's groups sBn and C's sCn floats apart. */
    GemmCall columnGroups(int nPer, int sBn, int sCn) {
        return new GemmCall(a, aOff, sAb, sAi, sAp, b, bOff, sBb, sBp, sBj, c, cOff, sCz, ldc, m, n, k, outputs, inner,
                accumulate, bias, biasOff, biasMode, act, slope, nPer, sBn, sCn, implicitB);
    }

    /** This call with B read from a convolution's X ({@link ImplicitB}). */
    GemmCall readingX(ImplicitB x) {
        return new GemmCall(a, aOff, sAb, sAi, sAp, b, bOff, sBb, sBp, sBj, c, cOff, sCz, ldc, m, n, k, outputs, inner,
                accumulate, bias, biasOff, biasMode, act, slope, nPer, sBn, sCn, x);
    }

    /** Whether the columns come in several groups. */
    boolean grouped() { return nPer != n; }

    /** A plain C[m×n] = op(A)·op(B) (+ C) over row-major operands, as {@code MatmulRef.sgemm} stores them. */
    static GemmCall plain(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, int m, int n, int k,
                          boolean transA, boolean transB, boolean accumulate) {
        return new GemmCall(a, aOff, 0, transA ? 1 : k, transA ? m : 1, b, bOff, 0, transB ? 1 : n, transB ? k : 1,
                c, cOff, 0, n, m, n, k, 1, 1, accumulate, null, 0, 0, TornadoActivations.ACT_IDENTITY, 0f);
    }

    /** Whether op(A) = Aᵀ: the kernels take row-major operands, A [m×k] (sAi = k, sAp = 1) or stored [k×m] (sAi = 1, sAp = m). */
    boolean transA() {
        if (sAi == k && sAp == 1) return false;
        if (sAi == 1 && sAp == m) return true;
        throw new IllegalArgumentException("A's strides (" + sAi + ", " + sAp + ") are not those of a row-major " + m + "×" + k + " matrix or its transpose");
    }

    /** Whether op(B) = Bᵀ: B [k×n] (sBp = n, sBj = 1) or stored [n×k] (sBp = 1, sBj = k). */
    boolean transB() {
        if (sBp == nPer && sBj == 1) return false;
        if (sBp == 1 && sBj == k) return true;
        throw new IllegalArgumentException("B's strides (" + sBp + ", " + sBj + ") are not those of a row-major " + k + "×" + n + " matrix or its transpose");
    }

    /** This call with a bias added per column of C, {@code bias[biasOff + j]} (a Linear layer's). */
    GemmCall withColumnBias(float[] bias, int biasOff) {
        return new GemmCall(a, aOff, sAb, sAi, sAp, b, bOff, sBb, sBp, sBj, c, cOff, sCz, ldc, m, n, k, outputs, inner,
                accumulate, bias, biasOff, 2, act, slope, nPer, sBn, sCn, implicitB);
    }

    /** Multiply-adds of the whole call. */
    long fmas() { return (long) m * n * k * outputs * inner; }

    /** The call's bias array, or a stand-in when it has none (a kernel argument cannot be null). */
    float[] biasOrDummy(float[] dummy) { return bias != null ? bias : dummy; }

    /** The same call computed by plain loops on the host: what every kernel family is validated against. */
    void reference() {
        for (int z = 0; z < outputs; z++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    int jg = j / nPer, jj = j % nPer;
                    int ci = cOff + z * sCz + jg * sCn + i * ldc + jj;
                    float acc = accumulate ? c[ci] : 0f;
                    for (int t = 0; t < inner; t++) {
                        int bb = z * inner + t;
                        for (int p = 0; p < k; p++)
                            acc += a[aOff + bb * sAb + i * sAi + p * sAp] * (implicitB != null
                                    ? implicitB.at(b, bOff + bb * sBb, p, j, nPer)
                                    : b[bOff + bb * sBb + jg * sBn + p * sBp + jj * sBj]);
                    }
                    if (biasMode == 1) acc += bias[biasOff + i];
                    else if (biasMode == 2) acc += bias[biasOff + j];
                    c[ci] = TornadoActivations.activate(act, slope, acc);
                }
    }
}
