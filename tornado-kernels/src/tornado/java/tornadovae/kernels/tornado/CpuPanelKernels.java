package tornadovae.kernels.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.types.vectors.Float16;

/**
 * A convolution's per-image GEMMs on a CPU device ({@link CpuConvGemm}) over operands packed into panels first:
 * C_z [m×n] = op(A)·B_z for each image z, with
 * <pre>
 *   Ap[i / R][p][i % R]       = op(A)[i][p]     (W or Wᵀ, packed once per call; rows past m repeat row m−1)
 *   Bp[z][j / L][p][j % L]    = B_z[p][j]       (col (im2col of X) or Y, written straight into panels)
 * </pre>
 * Why: unpacked, a work-item of {@link CpuGemmKernels#gemm} read its 8 rows of W K floats apart and its 16 columns
 * of B from rows P floats apart, and K and P are powers of two here (K = 48…8192, P = 16…4096): every load of a
 * work-item fell into the same few cache sets, so the strip of B it had read for one row block was gone by the
 * next (the weight gradient's problem, fixed the same way in {@link CpuWgradKernels}). A panel is one contiguous
 * stream. Columns of the last panel past n are not written by the packs: a lane of C only ever sees its own
 * column of B, and lanes past n are not stored.
 *
 * <p>Every product adds p = 0, 1, …, k−1 in order, as {@link CpuGemmKernels#gemm} does, so the bits are that
 * kernel's on the unpacked operands, whatever the device.
 */
public final class CpuPanelKernels {
    private CpuPanelKernels() {}

    /** Rows and columns of C per work-item: as {@link CpuGemmKernels}. */
    public static final int R = CpuGemmKernels.R, L = CpuGemmKernels.L;

    /**
     * Ap from A, where op(A)[i][p] = a[aOff + i·sAi + p·sAp] (W: sAi = K, sAp = 1; Wᵀ: sAi = 1, sAp = K). One
     * work-item per (panel, p) writes the panel's R floats of step p; items = ceil(m/R)·k.
     */
    public static void packA(float[] a, int aOff, int sAi, int sAp, float[] ap, int apOff, int items, int m, int k) {
        for (@Parallel int e = 0; e < items; e++) {
            int ib = e / k, p = e % k;
            int src = aOff + p * sAp;
            int dst = apOff + e * R;
            for (int r = 0; r < R; r++) ap[dst + r] = a[src + Math.min(ib * R + r, m - 1) * sAi];
        }
    }

    /**
     * Bp from B = rows of n floats (Y [images][k][n]): one work-item per (image, row p) reads its n floats in
     * order; rows = images·k.
     */
    public static void packRows(float[] b, int bOff, float[] bp, int bpOff, int rows, int k, int n) {
        for (@Parallel int e = 0; e < rows; e++) {
            int nb = (n + L - 1) / L;
            int z = e / k, p = e % k;
            int src = bOff + e * n;
            int dst = bpOff + (z * nb * k + p) * L;
            for (int j = 0; j < n; j++) bp[dst + (j / L) * k * L + j % L] = b[src + j];
        }
    }

    /**
     * Bp from X by im2col (B_z = col_z [K][P], as {@link ConvGemmKernels#im2colRows}): one work-item per (image, panel,
     * input channel) writes that channel's k·k taps of the panel, k·k·L floats in one run, and consecutive work-items
     * write consecutive runs; items = images·ceil(P/L)·Cx. Lanes past P are written as 0. One work-item per (image,
     * tap, output row) scattered 64-byte pieces a panel apart: ~2× slower on PoCL (Im2colBench).
     */
    public static void im2colPanelLines(float[] x, int xOff, float[] bp, int bpOff, int items, int xDims, int yDims, int kps) {
        for (@Parallel int e = 0; e < items; e++) {
            int cx = xDims >> 20, hx = (xDims >> 10) & 1023, wx = xDims & 1023;
            int hy = (yDims >> 10) & 1023, wy = yDims & 1023;
            int k = kps & 255, s = (kps >> 8) & 255, p = kps >> 16;
            int taps = cx * k * k, pixels = hy * wy, nb = (pixels + L - 1) / L;
            int c = e % cx, jb = (e / cx) % nb, b = e / (cx * nb);
            int q0 = jb * L;
            int y0 = q0 / wy, x0 = q0 - y0 * wy;
            int plane = xOff + (b * cx + c) * hx * wx;
            int dst = bpOff + ((b * nb + jb) * taps + c * k * k) * L;
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < k; j++) {
                    int y = y0, xx = x0;
                    int line = dst + (i * k + j) * L;
                    for (int l = 0; l < L; l++) {
                        int iy = y * s - p + i, ix = xx * s - p + j;
                        boolean inside = q0 + l < pixels && iy >= 0 && iy < hx && ix >= 0 && ix < wx;
                        float v = x[plane + (inside ? iy * wx + ix : 0)];
                        bp[line + l] = inside ? v : 0f;
                        xx++;
                        if (xx == wy) {
                            xx = 0;
                            y++;
                        }
                    }
                }
            }
        }
    }

    /**
     * C_z (+)= Σ_{p from z·kStep, per of them, below kt} Ap[·][p]·Bp_z[·][p], then bias and activation, for z &lt; outputs,
     * over work-items (z, row group, column block): Ap's row panels (kt steps each) at apOff and Bp_z's column panels at
     * bpOff + z·sBz, both in {@code packed} (TornadoVM is not given one array twice); C_z at cOff + z·sCz with rows n
     * apart. Two uses: the per-image products of {@link CpuConvGemm} (kStep = 0, per = kt = k, Bp_z image z's panels)
     * and the weight gradient's split-K parts of {@link CpuWeightGrad} (sBz = 0, kStep = per: part z takes its images'
     * (image, pixel) steps). mode as {@link CpuGemmKernels#mode} (bits 0-5 and the row group; no transposes: the packs
     * took them); rowGroups = ceil(ceil(m / R) / group), colBlocks = ceil(n / L). Steps are added in order p = k0, k0+1,
     * …, so the bits do not depend on the device.
     */
    public static void gemm(float[] packed, int apOff, int bpOff, int sBz, int kStep, float[] bias, int biasOff, float[] c,
                            int cOff, int sCz, int m, int n, int kt, int per, int outputs, int mode, float slope, int rowGroups,
                            int colBlocks) {
        for (@Parallel int z = 0; z < outputs; z++) {
            for (@Parallel int ig = 0; ig < rowGroups; ig++) {
                for (@Parallel int jb = 0; jb < colBlocks; jb++) {
                    int group = (mode >> 8) & 255;
                    for (int gi = 0; gi < group; gi++) {
                        int ib = ig * group + gi;
                        // (not ib·R < m: the same node as row 0's store test below, which the compiler would then fold
                        // to a constant that TornadoVM cannot emit)
                        if (ib < (m + R - 1) / R) {
                            int k0 = z * kStep;
                            int k1 = Math.min(k0 + per, kt);
                            int aBase = apOff + ib * kt * R;
                            int bBase = bpOff + z * sBz + jb * kt * L;
                            Float16 c0 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                            Float16 c1 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                            Float16 c2 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                            Float16 c3 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                            Float16 c4 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                            Float16 c5 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                            Float16 c6 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                            Float16 c7 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                            for (int p = k0; p < k1; p++) {
                                int o = bBase + p * L;
                                Float16 bv = new Float16(packed[o], packed[o + 1], packed[o + 2], packed[o + 3], packed[o + 4], packed[o + 5],
                                        packed[o + 6], packed[o + 7], packed[o + 8], packed[o + 9], packed[o + 10], packed[o + 11],
                                        packed[o + 12], packed[o + 13], packed[o + 14], packed[o + 15]);
                                int a = aBase + p * R;
                                float s0 = packed[a];
                                c0 = Float16.add(c0, Float16.mult(bv, new Float16(s0, s0, s0, s0, s0, s0, s0, s0, s0, s0, s0, s0, s0, s0, s0, s0)));
                                float s1 = packed[a + 1];
                                c1 = Float16.add(c1, Float16.mult(bv, new Float16(s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1, s1)));
                                float s2 = packed[a + 2];
                                c2 = Float16.add(c2, Float16.mult(bv, new Float16(s2, s2, s2, s2, s2, s2, s2, s2, s2, s2, s2, s2, s2, s2, s2, s2)));
                                float s3 = packed[a + 3];
                                c3 = Float16.add(c3, Float16.mult(bv, new Float16(s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3, s3)));
                                float s4 = packed[a + 4];
                                c4 = Float16.add(c4, Float16.mult(bv, new Float16(s4, s4, s4, s4, s4, s4, s4, s4, s4, s4, s4, s4, s4, s4, s4, s4)));
                                float s5 = packed[a + 5];
                                c5 = Float16.add(c5, Float16.mult(bv, new Float16(s5, s5, s5, s5, s5, s5, s5, s5, s5, s5, s5, s5, s5, s5, s5, s5)));
                                float s6 = packed[a + 6];
                                c6 = Float16.add(c6, Float16.mult(bv, new Float16(s6, s6, s6, s6, s6, s6, s6, s6, s6, s6, s6, s6, s6, s6, s6, s6)));
                                float s7 = packed[a + 7];
                                c7 = Float16.add(c7, Float16.mult(bv, new Float16(s7, s7, s7, s7, s7, s7, s7, s7, s7, s7, s7, s7, s7, s7, s7, s7)));
                            }
                            int cz = cOff + z * sCz;
                            int i0 = ib * R, j0 = jb * L;
                            int accumulate = mode & 1;
                            storeRow(c, cz + (i0 + 0) * n, i0 + 0 < m, j0, n, c0, accumulate);
                            storeRow(c, cz + (i0 + 1) * n, i0 + 1 < m, j0, n, c1, accumulate);
                            storeRow(c, cz + (i0 + 2) * n, i0 + 2 < m, j0, n, c2, accumulate);
                            storeRow(c, cz + (i0 + 3) * n, i0 + 3 < m, j0, n, c3, accumulate);
                            storeRow(c, cz + (i0 + 4) * n, i0 + 4 < m, j0, n, c4, accumulate);
                            storeRow(c, cz + (i0 + 5) * n, i0 + 5 < m, j0, n, c5, accumulate);
                            storeRow(c, cz + (i0 + 6) * n, i0 + 6 < m, j0, n, c6, accumulate);
                            storeRow(c, cz + (i0 + 7) * n, i0 + 7 < m, j0, n, c7, accumulate);
                            if ((mode & 0x3e) != 0) {
                                // bias and activation in a second pass over the block, in cache (as CpuGemmKernels.gemm)
                                int biasMode = (mode >> 1) & 3;
                                int act = (mode >> 3) & 7;
                                for (int r = 0; r < R; r++) {
                                    int i = i0 + r;
                                    if (i < m) {
                                        for (int e = 0; e < L; e++) {
                                            int j = j0 + e;
                                            if (j < n) {
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

    /**
     * Stores a block's row (lanes at columns j0 + e) where it is inside C. (Not {@code CpuGemmKernels.storeRow}: its
     * test that a lane is not the previous block's would read j0 ≥ j0 here, which TornadoVM folds to a constant it cannot emit.)
     */
    static void storeRow(float[] c, int row, boolean rowOk, int j0, int n, Float16 v, int accumulate) {
        if (rowOk) {
            if (j0 + 0 < n) c[row + j0 + 0] = (accumulate != 0 ? c[row + j0 + 0] : 0f) + v.get(0);
            if (j0 + 1 < n) c[row + j0 + 1] = (accumulate != 0 ? c[row + j0 + 1] : 0f) + v.get(1);
            if (j0 + 2 < n) c[row + j0 + 2] = (accumulate != 0 ? c[row + j0 + 2] : 0f) + v.get(2);
            if (j0 + 3 < n) c[row + j0 + 3] = (accumulate != 0 ? c[row + j0 + 3] : 0f) + v.get(3);
            if (j0 + 4 < n) c[row + j0 + 4] = (accumulate != 0 ? c[row + j0 + 4] : 0f) + v.get(4);
            if (j0 + 5 < n) c[row + j0 + 5] = (accumulate != 0 ? c[row + j0 + 5] : 0f) + v.get(5);
            if (j0 + 6 < n) c[row + j0 + 6] = (accumulate != 0 ? c[row + j0 + 6] : 0f) + v.get(6);
            if (j0 + 7 < n) c[row + j0 + 7] = (accumulate != 0 ? c[row + j0 + 7] : 0f) + v.get(7);
            if (j0 + 8 < n) c[row + j0 + 8] = (accumulate != 0 ? c[row + j0 + 8] : 0f) + v.get(8);
            if (j0 + 9 < n) c[row + j0 + 9] = (accumulate != 0 ? c[row + j0 + 9] : 0f) + v.get(9);
            if (j0 + 10 < n) c[row + j0 + 10] = (accumulate != 0 ? c[row + j0 + 10] : 0f) + v.get(10);
            if (j0 + 11 < n) c[row + j0 + 11] = (accumulate != 0 ? c[row + j0 + 11] : 0f) + v.get(11);
            if (j0 + 12 < n) c[row + j0 + 12] = (accumulate != 0 ? c[row + j0 + 12] : 0f) + v.get(12);
            if (j0 + 13 < n) c[row + j0 + 13] = (accumulate != 0 ? c[row + j0 + 13] : 0f) + v.get(13);
            if (j0 + 14 < n) c[row + j0 + 14] = (accumulate != 0 ? c[row + j0 + 14] : 0f) + v.get(14);
            if (j0 + 15 < n) c[row + j0 + 15] = (accumulate != 0 ? c[row + j0 + 15] : 0f) + v.get(15);
        }
    }
}
