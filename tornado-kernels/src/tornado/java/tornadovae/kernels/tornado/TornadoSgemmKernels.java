package tornadovae.kernels.tornado;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/** The SGEMM variants as TornadoVM kernels (see {@link TornadoKernels} for the rules every kernel follows). */
public final class TornadoSgemmKernels {
    private TornadoSgemmKernels() {}

    /** Tile edge of the local-memory SGEMM: 16×16 work-items per group, two 16×16 tiles in local memory. */
    public static final int TS = 16;

    // ---------------------------------------------------------------- SGEMM
    //
    // C[m×n] = op(A)·op(B) (+ C when accumulate != 0). Both variants take strides instead of
    // transpose flags: op(A)[i][p] = a[aOff + i·sAi + p·sAp], op(B)[p][j] = b[bOff + p·sBp + j·sBj]
    // (see strides()), so one kernel serves NN, NT, TN and TT and the frozen strides fold.

    /** Strides {sAi, sAp, sBp, sBj} for MatmulRef.sgemm's storage conventions. */
    public static int[] strides(int m, int n, int k, boolean transA, boolean transB) {
        return new int[] {transA ? 1 : k, transA ? m : 1, transB ? 1 : n, transB ? k : 1};
    }

    /** Variant 1: one work-item per element of C, a 2-D @Parallel loop, k in registers. */
    public static void sgemmSimple(float[] a, int aOff, int sAi, int sAp, float[] b, int bOff, int sBp, int sBj,
                                   float[] c, int cOff, int m, int n, int k, int accumulate) {
        for (@Parallel int i = 0; i < m; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) acc += a[aOff + i * sAi + p * sAp] * b[bOff + p * sBp + j * sBj];
                int ci = cOff + i * n + j;
                if (accumulate != 0) {
                    c[ci] = c[ci] + acc;
                } else {
                    c[ci] = acc;
                }
            }
        }
    }

    /**
     * Variant 2: TS×TS work-groups, each stages a TS×TS tile of op(A) and of op(B) in local
     * memory per step over k. Global size is (n, m) rounded up to TS (x runs over columns of C);
     * work-items outside C load zeros and skip the store but still reach every barrier.
     */
    public static void sgemmTiled(KernelContext ctx, float[] a, int aOff, int sAi, int sAp, float[] b, int bOff,
                                  int sBp, int sBj, float[] c, int cOff, int m, int n, int k, int accumulate) {
        int lx = ctx.localIdx;
        int ly = ctx.localIdy;
        int j = ctx.groupIdx * TS + lx;
        int i = ctx.groupIdy * TS + ly;
        float[] aTile = ctx.allocateFloatLocalArray(TS * TS);
        float[] bTile = ctx.allocateFloatLocalArray(TS * TS);
        boolean rowOk = i < m;
        boolean colOk = j < n;
        int iSafe = rowOk ? i : 0;
        int jSafe = colOk ? j : 0;
        float acc = 0f;
        int tiles = (k + TS - 1) / TS;
        for (int t = 0; t < tiles; t++) {
            int pa = t * TS + lx;
            int pb = t * TS + ly;
            boolean aOk = rowOk && pa < k;
            boolean bOk = colOk && pb < k;
            float av = a[aOff + iSafe * sAi + (aOk ? pa : 0) * sAp];
            float bv = b[bOff + (bOk ? pb : 0) * sBp + jSafe * sBj];
            aTile[ly * TS + lx] = aOk ? av : 0f;
            bTile[ly * TS + lx] = bOk ? bv : 0f;
            ctx.localBarrier();
            for (int q = 0; q < TS; q++) acc += aTile[ly * TS + q] * bTile[q * TS + lx];
            ctx.localBarrier();
        }
        if (rowOk && colOk) {
            int ci = cOff + i * n + j;
            if (accumulate != 0) {
                c[ci] = c[ci] + acc;
            } else {
                c[ci] = acc;
            }
        }
    }

    /** Rows of C per work-item in variant 3. */
    public static final int RB = 8;

    /**
     * Variant 3, for CPU OpenCL (PoCL vectorises ACROSS work-items of dimension 0): work-item
     * (j, rowBlock) computes RB rows of column j of C in registers. Neighbouring work-items read
     * neighbouring elements of op(B) (a vector load when B's columns are contiguous: NN and TN)
     * and the same elements of op(A) (one broadcast). Rows past m are clamped to m - 1 for the
     * loads and not stored. rowBlocks = ceil(m / RB).
     */
    public static void sgemmRows(float[] a, int aOff, int sAi, int sAp, float[] b, int bOff, int sBp, int sBj,
                                 float[] c, int cOff, int m, int n, int k, int accumulate, int rowBlocks) {
        for (@Parallel int j = 0; j < n; j++) {
            for (@Parallel int ib = 0; ib < rowBlocks; ib++) {
                int i0 = ib * RB;
                int r0 = aOff + i0 * sAi;
                int r1 = aOff + TornadoMath.min(i0 + 1, m - 1) * sAi;
                int r2 = aOff + TornadoMath.min(i0 + 2, m - 1) * sAi;
                int r3 = aOff + TornadoMath.min(i0 + 3, m - 1) * sAi;
                int r4 = aOff + TornadoMath.min(i0 + 4, m - 1) * sAi;
                int r5 = aOff + TornadoMath.min(i0 + 5, m - 1) * sAi;
                int r6 = aOff + TornadoMath.min(i0 + 6, m - 1) * sAi;
                int r7 = aOff + TornadoMath.min(i0 + 7, m - 1) * sAi;
                float c0 = 0f, c1 = 0f, c2 = 0f, c3 = 0f, c4 = 0f, c5 = 0f, c6 = 0f, c7 = 0f;
                for (int p = 0; p < k; p++) {
                    float bv = b[bOff + p * sBp + j * sBj];
                    int q = p * sAp;
                    c0 += a[r0 + q] * bv;
                    c1 += a[r1 + q] * bv;
                    c2 += a[r2 + q] * bv;
                    c3 += a[r3 + q] * bv;
                    c4 += a[r4 + q] * bv;
                    c5 += a[r5 + q] * bv;
                    c6 += a[r6 + q] * bv;
                    c7 += a[r7 + q] * bv;
                }
                int ci = cOff + i0 * n + j;
                if (accumulate != 0) {
                    c0 += c[ci];
                    if (i0 + 1 < m) c1 += c[ci + n];
                    if (i0 + 2 < m) c2 += c[ci + 2 * n];
                    if (i0 + 3 < m) c3 += c[ci + 3 * n];
                    if (i0 + 4 < m) c4 += c[ci + 4 * n];
                    if (i0 + 5 < m) c5 += c[ci + 5 * n];
                    if (i0 + 6 < m) c6 += c[ci + 6 * n];
                    if (i0 + 7 < m) c7 += c[ci + 7 * n];
                }
                c[ci] = c0;
                if (i0 + 1 < m) c[ci + n] = c1;
                if (i0 + 2 < m) c[ci + 2 * n] = c2;
                if (i0 + 3 < m) c[ci + 3 * n] = c3;
                if (i0 + 4 < m) c[ci + 4 * n] = c4;
                if (i0 + 5 < m) c[ci + 5 * n] = c5;
                if (i0 + 6 < m) c[ci + 6 * n] = c6;
                if (i0 + 7 < m) c[ci + 7 * n] = c7;
            }
        }
    }

    /** Rounds up to a multiple of TS (the tiled variant's global size). */
    public static int roundUp(int x) {
        return (x + TS - 1) / TS * TS;
    }
}
