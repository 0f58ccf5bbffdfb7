package tornadovae.kernels.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * The packs of a convolution's weight gradient on a CPU device ({@link CpuWeightGrad}): dW [Cy][K] = Σ over the
 * group's images b and pixels q of Y[b][·][q]·col[b][q][·], as ONE product whose k runs over all kt = images·P
 * (image, pixel) pairs ({@link CpuPanelKernels#gemm}, which the other conv GEMMs use too). Both operands are first
 * packed into panels that the GEMM reads front to back:
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
}
