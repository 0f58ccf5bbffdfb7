package tornadovae.kernels.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.types.vectors.Float16;

/**
 * The CPU-class GEMM kernel ({@link CpuGemm}): barrier-free, explicitly vectorised. PoCL compiles a
 * kernel without barriers into loops it can vectorise, but it does not vectorise across the work-items of
 * a kernel with barriers, so the local-memory tiles a GPU wants run at a few GFLOP/s there. Instead each
 * work-item keeps an {@value #R}×{@value #L} block of C in {@code Float16} registers: per step over k it
 * loads {@value #L} elements of a row of op(B) (one vector load when B is not transposed: every int
 * argument is a frozen constant, so the strides fold) and multiplies them by one element of op(A) per
 * row, broadcast.
 *
 * <p>Edges without clamped loads: when n ≥ {@value #L} the last column block is moved left to end at n
 * (it recomputes columns of the block before it, which it does not store), and the same for rows;
 * only a dimension smaller than the block clamps its indices. Every index stays inside the operands.
 *
 * <p>TornadoVM allows 20 arguments a task, so the call's small fields travel packed ({@link #mode},
 * {@link #innerLimit}); they are constants in the compiled kernel, so unpacking them costs nothing. Its
 * other rules: {@code new Float16()} with no arguments does not compile (sixteen zeros instead); a lane
 * index must be a constant (hence the unrolled stores); no vector FMA (add of a product, contracted by PoCL).
 */
public final class CpuGemmKernels {
    private CpuGemmKernels() {}

    /** Rows and columns of C per work-item. */
    public static final int R = 8, L = 16;

    /**
     * The packed flags: bit 0 accumulate, bits 1-2 biasMode, bits 3-5 the activation code, bit 6 op(A) =
     * Aᵀ, bit 7 op(B) = Bᵀ (row-major operands as MatmulRef.sgemm stores them: A [m×k] or [k×m], B [k×n] or [n×k]).
     */
    public static int mode(boolean accumulate, int biasMode, int act, boolean transA, boolean transB) {
        return mode(accumulate, biasMode, act, transA, transB, 1);
    }

    /** {@link #mode} with {@code group} row blocks a work-item (bits 8-15); the kernel's rowBlocks is then ceil(m / (R·group)). */
    public static int mode(boolean accumulate, int biasMode, int act, boolean transA, boolean transB, int group) {
        if (act < 0 || act > 7) throw new IllegalArgumentException("activation code " + act);
        if (group < 1 || group > 255) throw new IllegalArgumentException("row blocks a work-item " + group);
        return (accumulate ? 1 : 0) | biasMode << 1 | act << 3 | (transA ? 1 << 6 : 0) | (transB ? 1 << 7 : 0) | group << 8;
    }

    /** Batches per output and the first batch past the end, packed (each below 2^15). */
    public static int innerLimit(int inner, int limit) {
        if (inner <= 0 || inner >= 1 << 15 || limit <= 0 || limit >= 1 << 15)
            throw new IllegalArgumentException("the TornadoVM GEMM sums at most 32767 batches, got " + inner + ", " + limit);
        return inner << 16 | limit;
    }

    /**
     * The {@link GemmCall} contract (ldc = n) over work-items (output z, row block, column block);
     * rowBlocks = ceil(ceil(m / R) / group) with the group of {@link #mode}, colBlocks = ceil(n / L). Batches at or past limit (the last part of a split-K
     * call) are skipped.
     */
    public static void gemm(float[] a, int aOff, int sAb, float[] b, int bOff, int sBb, float[] bias, int biasOff,
                            float[] c, int cOff, int sCz, int m, int n, int k, int outputs, int innerLimit, int mode,
                            float slope, int rowBlocks, int colBlocks) {
        for (@Parallel int z = 0; z < outputs; z++) {
            for (@Parallel int ig = 0; ig < rowBlocks; ig++) {
                for (@Parallel int jb = 0; jb < colBlocks; jb++) {
                  // a work-item takes `group` row blocks in turn: their column strip of op(B) stays in its cache
                  int group = (mode >> 8) & 255;
                  for (int gi = 0; gi < group; gi++) {
                   int ib = ig * group + gi;
                   if (ib * R < m || ib == 0) {
                    int inner = innerLimit >> 16;
                    int limit = innerLimit & 0xffff;
                    int sAi = (mode & 64) != 0 ? 1 : k;
                    int sAp = (mode & 64) != 0 ? m : 1;
                    int sBp = (mode & 128) != 0 ? 1 : n;
                    int sBj = (mode & 128) != 0 ? k : 1;
                    // the block's first row and column, moved back to end at m (n) where it would pass the edge
                    int i0 = m >= R ? Math.min(ib * R, m - R) : 0;
                    int j0 = n >= L ? Math.min(jb * L, n - L) : 0;

                    int a0 = aOff + (m >= R ? i0 + 0 : Math.min(0, m - 1)) * sAi;
                    int a1 = aOff + (m >= R ? i0 + 1 : Math.min(1, m - 1)) * sAi;
                    int a2 = aOff + (m >= R ? i0 + 2 : Math.min(2, m - 1)) * sAi;
                    int a3 = aOff + (m >= R ? i0 + 3 : Math.min(3, m - 1)) * sAi;
                    int a4 = aOff + (m >= R ? i0 + 4 : Math.min(4, m - 1)) * sAi;
                    int a5 = aOff + (m >= R ? i0 + 5 : Math.min(5, m - 1)) * sAi;
                    int a6 = aOff + (m >= R ? i0 + 6 : Math.min(6, m - 1)) * sAi;
                    int a7 = aOff + (m >= R ? i0 + 7 : Math.min(7, m - 1)) * sAi;
                    Float16 c0 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                    Float16 c1 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                    Float16 c2 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                    Float16 c3 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                    Float16 c4 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                    Float16 c5 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                    Float16 c6 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                    Float16 c7 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                    for (int t = 0; t < inner; t++) {
                        int bb = z * inner + t;
                        if (bb < limit) {
                            int ab = bb * sAb;
                            for (int p = 0; p < k; p++) {
                                int o = bOff + bb * sBb + p * sBp + j0 * sBj;
                                Float16 bv;
                                if (n >= L) {
                                    bv = new Float16(b[o], b[o + 1 * sBj], b[o + 2 * sBj], b[o + 3 * sBj], b[o + 4 * sBj], b[o + 5 * sBj], b[o + 6 * sBj], b[o + 7 * sBj], b[o + 8 * sBj], b[o + 9 * sBj], b[o + 10 * sBj], b[o + 11 * sBj], b[o + 12 * sBj], b[o + 13 * sBj], b[o + 14 * sBj], b[o + 15 * sBj]);
                                } else {
                                    bv = new Float16(b[o + Math.min(0, n - 1) * sBj], b[o + Math.min(1, n - 1) * sBj], b[o + Math.min(2, n - 1) * sBj], b[o + Math.min(3, n - 1) * sBj], b[o + Math.min(4, n - 1) * sBj], b[o + Math.min(5, n - 1) * sBj], b[o + Math.min(6, n - 1) * sBj], b[o + Math.min(7, n - 1) * sBj], b[o + Math.min(8, n - 1) * sBj], b[o + Math.min(9, n - 1) * sBj], b[o + Math.min(10, n - 1) * sBj], b[o + Math.min(11, n - 1) * sBj], b[o + Math.min(12, n - 1) * sBj], b[o + Math.min(13, n - 1) * sBj], b[o + Math.min(14, n - 1) * sBj], b[o + Math.min(15, n - 1) * sBj]);
                                }
                                int ap = ab + p * sAp;
                                float s0 = a[a0 + ap];
                                c0 = Float16.add(c0, Float16.mult(bv, new Float16(s0, s0, s0, s0, s0, s0, s0, s0, s0, s0, s0, s0, s0, s0, s0, s0)));
                                float s1 = a[a1 + ap];
                                c1 = Float16.add(c1, Float16.mult(bv, new Float16(s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1)));
                                float s2 = a[a2 + ap];
                                c2 = Float16.add(c2, Float16.mult(bv, new Float16(s2, s2, s2, s2, s2, s2, s2, s2, s2, s2, s2, s2, s2, s2, s2, s2)));
                                float s3 = a[a3 + ap];
                                c3 = Float16.add(c3, Float16.mult(bv, new Float16(s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3)));
                                float s4 = a[a4 + ap];
                                c4 = Float16.add(c4, Float16.mult(bv, new Float16(s4, s4, s4, s4, s4, s4, s4, s4, s4, s4, s4, s4, s4, s4, s4, s4)));
                                float s5 = a[a5 + ap];
                                c5 = Float16.add(c5, Float16.mult(bv, new Float16(s5, s5, s5, s5, s5, s5, s5, s5, s5, s5, s5, s5, s5, s5, s5, s5)));
                                float s6 = a[a6 + ap];
                                c6 = Float16.add(c6, Float16.mult(bv, new Float16(s6, s6, s6, s6, s6, s6, s6, s6, s6, s6, s6, s6, s6, s6, s6, s6)));
                                float s7 = a[a7 + ap];
                                c7 = Float16.add(c7, Float16.mult(bv, new Float16(s7, s7, s7, s7, s7, s7, s7, s7, s7, s7, s7, s7, s7, s7, s7, s7)));
                            }
                        }
                    }
                    int cz = cOff + z * sCz;
                    int iStore = ib * R;  // rows before these belong to the previous block
                    int jStore = jb * L;
                    int accumulate = mode & 1;
                    storeRow(c, cz + (i0 + 0) * n, i0 + 0 >= iStore && i0 + 0 < m, j0, jStore, n, c0, accumulate);
                    storeRow(c, cz + (i0 + 1) * n, i0 + 1 >= iStore && i0 + 1 < m, j0, jStore, n, c1, accumulate);
                    storeRow(c, cz + (i0 + 2) * n, i0 + 2 >= iStore && i0 + 2 < m, j0, jStore, n, c2, accumulate);
                    storeRow(c, cz + (i0 + 3) * n, i0 + 3 >= iStore && i0 + 3 < m, j0, jStore, n, c3, accumulate);
                    storeRow(c, cz + (i0 + 4) * n, i0 + 4 >= iStore && i0 + 4 < m, j0, jStore, n, c4, accumulate);
                    storeRow(c, cz + (i0 + 5) * n, i0 + 5 >= iStore && i0 + 5 < m, j0, jStore, n, c5, accumulate);
                    storeRow(c, cz + (i0 + 6) * n, i0 + 6 >= iStore && i0 + 6 < m, j0, jStore, n, c6, accumulate);
                    storeRow(c, cz + (i0 + 7) * n, i0 + 7 >= iStore && i0 + 7 < m, j0, jStore, n, c7, accumulate);
                    if ((mode & 0x3e) != 0) {
                        // bias and activation in a second pass over the block, which is in cache: one copy of
                        // the activation's code instead of one per lane (TornadoVM limits a kernel's inlining)
                        int biasMode = (mode >> 1) & 3;
                        int act = (mode >> 3) & 7;
                        for (int r = 0; r < R; r++) {
                            int i = i0 + r;
                            if (i >= iStore && i < m) {
                                for (int e = 0; e < L; e++) {
                                    int j = j0 + e;
                                    if (j >= jStore && j < n) {
                                        int ci = cz + i * n + j;
                                        float v = c[ci];
                                        if (biasMode == 1) {
                                            v += bias[biasOff + i];
                                        } else if (biasMode == 2) {
                                            v += bias[biasOff + j];
                                        }
                                        c[ci] = TornadoActivations.activate(act, slope, v);
                                    }
                                }
                            }
                        }
                    }
                   }
                  }
                }
            }
        }
    }

    /** Stores row i of a block (lanes at columns j0 + e) where it is inside C and not the previous block's. */
    private static void storeRow(float[] c, int row, boolean rowOk, int j0, int jStore, int n, Float16 v, int accumulate) {
        if (rowOk) {
            if (j0 + 0 >= jStore && j0 + 0 < n) c[row + j0 + 0] = (accumulate != 0 ? c[row + j0 + 0] : 0f) + v.get(0);
            if (j0 + 1 >= jStore && j0 + 1 < n) c[row + j0 + 1] = (accumulate != 0 ? c[row + j0 + 1] : 0f) + v.get(1);
            if (j0 + 2 >= jStore && j0 + 2 < n) c[row + j0 + 2] = (accumulate != 0 ? c[row + j0 + 2] : 0f) + v.get(2);
            if (j0 + 3 >= jStore && j0 + 3 < n) c[row + j0 + 3] = (accumulate != 0 ? c[row + j0 + 3] : 0f) + v.get(3);
            if (j0 + 4 >= jStore && j0 + 4 < n) c[row + j0 + 4] = (accumulate != 0 ? c[row + j0 + 4] : 0f) + v.get(4);
            if (j0 + 5 >= jStore && j0 + 5 < n) c[row + j0 + 5] = (accumulate != 0 ? c[row + j0 + 5] : 0f) + v.get(5);
            if (j0 + 6 >= jStore && j0 + 6 < n) c[row + j0 + 6] = (accumulate != 0 ? c[row + j0 + 6] : 0f) + v.get(6);
            if (j0 + 7 >= jStore && j0 + 7 < n) c[row + j0 + 7] = (accumulate != 0 ? c[row + j0 + 7] : 0f) + v.get(7);
            if (j0 + 8 >= jStore && j0 + 8 < n) c[row + j0 + 8] = (accumulate != 0 ? c[row + j0 + 8] : 0f) + v.get(8);
            if (j0 + 9 >= jStore && j0 + 9 < n) c[row + j0 + 9] = (accumulate != 0 ? c[row + j0 + 9] : 0f) + v.get(9);
            if (j0 + 10 >= jStore && j0 + 10 < n) c[row + j0 + 10] = (accumulate != 0 ? c[row + j0 + 10] : 0f) + v.get(10);
            if (j0 + 11 >= jStore && j0 + 11 < n) c[row + j0 + 11] = (accumulate != 0 ? c[row + j0 + 11] : 0f) + v.get(11);
            if (j0 + 12 >= jStore && j0 + 12 < n) c[row + j0 + 12] = (accumulate != 0 ? c[row + j0 + 12] : 0f) + v.get(12);
            if (j0 + 13 >= jStore && j0 + 13 < n) c[row + j0 + 13] = (accumulate != 0 ? c[row + j0 + 13] : 0f) + v.get(13);
            if (j0 + 14 >= jStore && j0 + 14 < n) c[row + j0 + 14] = (accumulate != 0 ? c[row + j0 + 14] : 0f) + v.get(14);
            if (j0 + 15 >= jStore && j0 + 15 < n) c[row + j0 + 15] = (accumulate != 0 ? c[row + j0 + 15] : 0f) + v.get(15);
        }
    }
}
