package tornadovae.kernels.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.types.vectors.Float16;

/**
 * A convolution's weight gradient on a CPU device ({@link CpuWeightGrad}): dW [Cy][K] = Σ over the group's images
 * b and pixels q of Y[b][·][q]·col[b][q][·], as ONE product whose k runs over all kt = images·P (image, pixel)
 * pairs. Both operands are first packed into panels that the GEMM reads front to back:
 * <pre>
 *   Ap[c / R][kk][c % R] = Y[b][c][q]          (kk = b·P + q; rows past Cy are 0)
 *   Bp[r / L][kk][r % L] = im2col(X)[b][r][q]  (taps past K are 0)
 * </pre>
 * Why: the plain layout (Y per image, col [P][K] per image) had a work-item read its 16 columns of B from rows
 * K floats apart and 8 rows of A from images Cy·P floats apart, strides of powers of two that map every load of a
 * work-item to the same few cache sets, so nothing it had read stayed in cache for the next row block; PoCL ran
 * it at ~26 GFLOP/s against ~60-80 for the other conv GEMMs. A panel is one contiguous stream per work-item.
 *
 * <p>Every (image, pixel) is added in the order kk = 0, 1, …, as the per-image kernel did, so the bits are those
 * of {@link CpuGemmKernels#gemm} over the unpacked operands; a split (parts of whole images, summed in order by
 * {@link ConvGemmKernels#sumParts}) does not depend on the device either.
 */
public final class CpuWgradKernels {
    private CpuWgradKernels() {}

    /** Rows and columns of dW per work-item: as {@link CpuGemmKernels}. */
    public static final int R = CpuGemmKernels.R, L = CpuGemmKernels.L;

    /**
     * Ap from Y [images][cy][P]: one work-item per (image, row c) copies the row's P pixels; rows = images·ceil(cy/R)·R
     * (padding rows write a clamped row times 0: defined values for the GEMM's full-block loads, and they only
     * reach rows of a block that are not stored).
     */
    public static void packRows(float[] y, int yOff, float[] ap, int apOff, int rows, int cy, int pixels, int kt) {
        for (@Parallel int e = 0; e < rows; e++) {
            int cyPad = (cy + R - 1) / R * R;
            int c = e % cyPad, b = e / cyPad;
            int src = yOff + (b * cy + Math.min(c, cy - 1)) * pixels;
            int dst = apOff + ((c / R) * kt + b * pixels) * R + c % R;
            // 1 for a row of Y, 0 for padding: arithmetic, not a test, since TornadoVM folds c < cy to a constant
            // when cy is a multiple of R and then fails on the branch it left (and in floats: an int min/max
            // converted to float came out as the int's bits)
            float keep = Math.min(1f, Math.max(0f, (float) (cy - c)));
            for (int q = 0; q < pixels; q++) ap[dst + q * R] = y[src + q] * keep;
        }
    }

    /**
     * Bp from X [images][Cx][Hx][Wx] (shapes packed as {@link TornadoConvKernels#packDims}): one work-item per
     * (image, tap r, output row y) writes that row's Wy pixels, as {@link ConvGemmKernels#im2colRows};
     * rows = images·ceil(K/L)·L·Hy (padding taps write a clamped tap times 0, as packRows).
     */
    public static void im2colPanels(float[] x, int xOff, float[] bp, int bpOff, int rows, int xDims, int yDims, int kps, int kt) {
        for (@Parallel int e = 0; e < rows; e++) {
            int cx = xDims >> 20, hx = (xDims >> 10) & 1023, wx = xDims & 1023;
            int hy = (yDims >> 10) & 1023, wy = yDims & 1023;
            int k = kps & 255, s = (kps >> 8) & 255, p = kps >> 16;
            int taps = cx * k * k, tapsPad = (taps + L - 1) / L * L, pixels = hy * wy;
            int y = e % hy, r = (e / hy) % tapsPad, b = e / (hy * tapsPad);
            int j = r % k, i = (r / k) % k, c = Math.min(r / (k * k), cx - 1);
            int iy = y * s - p + i;
            boolean rowInside = iy >= 0 && iy < hx;
            float keep = Math.min(1f, Math.max(0f, (float) (taps - r)));   // 0 for a padding tap (see packRows for why not a test)
            int src = xOff + ((b * cx + c) * hx + (rowInside ? iy : 0)) * wx;
            int dst = bpOff + ((r / L) * kt + b * pixels + y * wy) * L + r % L;
            for (int xx = 0; xx < wy; xx++) {
                int ix = xx * s - p + j;
                boolean inside = rowInside && ix >= 0 && ix < wx;
                float v = x[src + (inside ? ix : 0)];
                bp[dst + xx * L] = (inside ? v : 0f) * keep;
            }
        }
    }

    /**
     * C_z [m×n] (+)= Σ_{kk in part z} Ap[·][kk]·Bp[·][kk], both in {@code packed} (one array: TornadoVM is not
     * given the same array as two arguments), over work-items (part z, row group, column block):
     * part z takes kk from z·per to min(z·per + per, kt); C_z lies at cOff + z·sCz with rows n apart. mode: bit 0
     * accumulate, bits 8-15 the row blocks a work-item takes in turn (their column panel of Bp is then read from
     * cache), as {@link CpuGemmKernels#mode}; rowGroups = ceil(ceil(m / R) / group), colBlocks = ceil(n / L).
     */
    public static void gemm(float[] packed, int apOff, int bpOff, float[] c, int cOff, int sCz, int m, int n, int kt,
                            int per, int parts, int mode, int rowGroups, int colBlocks) {
        for (@Parallel int z = 0; z < parts; z++) {
            for (@Parallel int ig = 0; ig < rowGroups; ig++) {
                for (@Parallel int jb = 0; jb < colBlocks; jb++) {
                    int group = (mode >> 8) & 255;
                    for (int gi = 0; gi < group; gi++) {
                        int ib = ig * group + gi;
                        // (not ib·R < m: the same node as row 0's test below, which the compiler would then fold
                        // to a constant that TornadoVM cannot emit)
                        if (ib < (m + R - 1) / R) {
                            int k0 = z * per;
                            int k1 = Math.min(k0 + per, kt);
                            int aBase = apOff + ib * kt * R;
                            int bBase = bpOff + jb * kt * L;
                            Float16 c0 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                            Float16 c1 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                            Float16 c2 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                            Float16 c3 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                            Float16 c4 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                            Float16 c5 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                            Float16 c6 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                            Float16 c7 = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
                            for (int kk = k0; kk < k1; kk++) {
                                int o = bBase + kk * L;
                                Float16 bv = new Float16(packed[o], packed[o + 1], packed[o + 2], packed[o + 3], packed[o + 4], packed[o + 5],
                                        packed[o + 6], packed[o + 7], packed[o + 8], packed[o + 9], packed[o + 10], packed[o + 11],
                                        packed[o + 12], packed[o + 13], packed[o + 14], packed[o + 15]);
                                int a = aBase + kk * R;
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
                            // the block's rows and columns inside C: all of them but at the edges of m and n
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
