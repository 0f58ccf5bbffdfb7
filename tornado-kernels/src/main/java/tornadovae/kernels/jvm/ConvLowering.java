package tornadovae.kernels.jvm;

import tornadovae.kernels.plan.ConvGeometry;

/**
 * Convolutions as im2col + the packed {@link Sgemm}, so the time goes where the flops are.
 *
 * <p>Every op is lowered to one of three primitives over a "wide" tensor X [N][Cx][Hx][Wx], a
 * "narrow" tensor Y [N][Cy][Hy][Wy] = conv(X, W) and W [Cy][Cx][k][k]: Y from X (Conv2d forward,
 * ConvTranspose2d input gradient), X from Y (Conv2d input gradient, ConvTranspose2d forward) and
 * the weight gradient. A ConvTranspose2d's weights [inC][outC][k][k] are exactly such a W with X
 * its output, so both layers share the same code.
 *
 * <p>Per group of G images, the scratch holds col [K][G·P] (K = Cx·k² kernel taps, P = Hy·Wy
 * pixels of Y; row r holds tap r for every pixel of every image) and Yc [Cy][G·P] (Y channel-major).
 * Each product is then one wide GEMM (Yc = W·col, col = Wᵀ·Yc, dW = Yc·colᵀ), and moving between
 * NCHW and Yc copies runs of P contiguous floats. im2col and col2im go through a per-worker copy of
 * one image of X with zero padding around each plane, so their inner loops carry no tests (with the
 * range tests of the first version, im2col cost more than mnist-conv's GEMM it fed).
 * The group size depends only on the scratch size, and every element is written by one task, so
 * results do not depend on the thread count.
 */
final class ConvLowering {
    private final WorkerPool pool;
    private final Sgemm sgemm;

    // The current call, read by the per-image tasks.
    private float[] x, y, col, bias;
    private int xOff, yOff, colOff, biasOff, n0, ycOff, rowLen;
    private int cx, hx, wx, cy, hy, wy, k, s, p;
    private int hp, wp;                  // X's planes padded so that every window fits: p before, at least p after
    private final float[][] padded;     // per worker, grown on first use
    private int[] pixelOffsets = new int[0]; // Y pixel (oy, ox) → its window's corner in a padded plane: one flat loop per tap
    private final WorkerPool.Task im2colTask = this::im2colImage;
    private final WorkerPool.Task col2imTask = this::col2imImage;
    private final WorkerPool.Task yToColumnsTask = this::yToChannelMajor;
    private final WorkerPool.Task yFromColumnsTask = this::yFromChannelMajor;
    private final WorkerPool.Task lowerBothTask = this::lowerBoth;

    ConvLowering(WorkerPool pool, Sgemm sgemm) {
        this.pool = pool;
        this.sgemm = sgemm;
        this.padded = new float[pool.threads()][];
    }

    /** The lowered sizes of a Conv2d (X = input) or ConvTranspose2d (X = output) geometry. */
    private void set(ConvGeometry g, boolean transposed) {
        if (!transposed) {
            cx = g.inC(); hx = g.inH(); wx = g.inW(); cy = g.outC(); hy = g.outH(); wy = g.outW();
        } else {
            cx = g.outC(); hx = g.outH(); wx = g.outW(); cy = g.inC(); hy = g.inH(); wy = g.inW();
        }
        k = g.kernel(); s = g.stride(); p = g.pad();
        hp = Math.max(hx + 2 * p, (hy - 1) * s + k);
        wp = Math.max(wx + 2 * p, (wy - 1) * s + k);
        if (pixelOffsets.length < hy * wy) pixelOffsets = new int[hy * wy];
        for (int oy = 0, q = 0; oy < hy; oy++)
            for (int ox = 0; ox < wy; ox++, q++) pixelOffsets[q] = oy * s * wp + ox * s;
    }

    private int group(ConvGeometry g, boolean transposed, int colLen) {
        int per = g.scratchPerImage(transposed);
        if (colLen < per) throw new IllegalArgumentException("convolution scratch of " + colLen + " floats, needs at least " + per);
        return Math.min(g.batch(), colLen / per);
    }

    /** Y = conv(X, W) (+ bias per Y channel when bias != null). */
    void yFromX(float[] yA, int yO, float[] xA, int xO, float[] w, int wO, float[] b, int bO,
                float[] colA, int colO, int colLen, ConvGeometry g, boolean transposed) {
        set(g, transposed);
        int grp = group(g, transposed, colLen), pix = hy * wy, kk = cx * k * k;
        x = xA; xOff = xO; y = yA; yOff = yO; col = colA; colOff = colO; bias = b; biasOff = bO;
        ycOff = colO + grp * pix * kk;
        try {
            for (n0 = 0; n0 < g.batch(); n0 += grp) {
                int count = Math.min(grp, g.batch() - n0);
                rowLen = count * pix;
                pool.forEach(count, im2colTask);
                sgemm.sgemm(col, ycOff, w, wO, col, colOff, cy, rowLen, kk, false, false, false);
                pool.forEach(count, yFromColumnsTask);
            }
        } finally {
            x = y = col = bias = null;
        }
    }

    /** X = convᵀ(Y, W) (+ bias per X channel when bias != null): the adjoint of yFromX. */
    void xFromY(float[] xA, int xO, float[] yA, int yO, float[] w, int wO, float[] b, int bO,
                float[] colA, int colO, int colLen, ConvGeometry g, boolean transposed) {
        set(g, transposed);
        int grp = group(g, transposed, colLen), pix = hy * wy, kk = cx * k * k;
        x = xA; xOff = xO; y = yA; yOff = yO; col = colA; colOff = colO; bias = b; biasOff = bO;
        ycOff = colO + grp * pix * kk;
        try {
            for (n0 = 0; n0 < g.batch(); n0 += grp) {
                int count = Math.min(grp, g.batch() - n0);
                rowLen = count * pix;
                pool.forEach(count, yToColumnsTask);
                sgemm.sgemm(col, colOff, w, wO, col, ycOff, kk, rowLen, cy, true, false, false);
                pool.forEach(count, col2imTask);
            }
        } finally {
            x = y = col = bias = null;
        }
    }

    /** dW[Cy][Cx·k²] = Σ over the groups of Yc·colᵀ: the weight gradient, Y being the gradient on the narrow side. */
    void weightGrad(float[] dw, int dwO, float[] yA, int yO, float[] xA, int xO,
                    float[] colA, int colO, int colLen, ConvGeometry g, boolean transposed) {
        set(g, transposed);
        int grp = group(g, transposed, colLen), pix = hy * wy, kk = cx * k * k;
        x = xA; xOff = xO; y = yA; yOff = yO; col = colA; colOff = colO; bias = null;
        ycOff = colO + grp * pix * kk;
        try {
            for (n0 = 0; n0 < g.batch(); n0 += grp) {
                int count = Math.min(grp, g.batch() - n0);
                rowLen = count * pix;
                pool.forEach(count, lowerBothTask);
                sgemm.sgemm(dw, dwO, col, ycOff, col, colOff, cy, kk, rowLen, false, true, n0 > 0);
            }
        } finally {
            x = y = col = null;
        }
    }

    /**
     * Image n0 + index of X copied into this worker's zero-padded planes [Cx][hp][wp]: every window
     * then lies inside them, so im2col and col2im below run without a bounds test.
     */
    private float[] padImage(int index, int worker) {
        float[] pad = paddedPlanes(worker);
        java.util.Arrays.fill(pad, 0, cx * hp * wp, 0f);
        int xImg = xOff + (n0 + index) * cx * hx * wx;
        for (int c = 0; c < cx; c++)
            for (int iy = 0; iy < hx; iy++)
                System.arraycopy(x, xImg + (c * hx + iy) * wx, pad, (c * hp + iy + p) * wp + p, wx);
        return pad;
    }

    private float[] paddedPlanes(int worker) {
        int need = cx * hp * wp;
        if (padded[worker] == null || padded[worker].length < need) padded[worker] = new float[need];
        return padded[worker];
    }

    /** Image n0 + index's columns of col: tap (c, i, j) of every Y pixel (zero where the window leaves X). */
    private void im2colImage(int index, int worker) {
        float[] pad = padImage(index, worker);
        int pix = hy * wy;
        int[] at = pixelOffsets;
        for (int c = 0, r = 0; c < cx; c++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++, r++) {
                    int dst = colOff + r * rowLen + index * pix;
                    int src = (c * hp + i) * wp + j;
                    for (int q = 0; q < pix; q++) col[dst + q] = pad[src + at[q]];
                }
    }

    /**
     * X of image n0 + index = bias + its columns of col scattered back (col2im), tap by tap in a fixed
     * order, summed in this worker's padded planes; the rim (windows hanging over X's edge) is dropped.
     */
    private void col2imImage(int index, int worker) {
        float[] pad = paddedPlanes(worker);
        int pix = hy * wy, plane = hp * wp;
        int[] at = pixelOffsets;
        for (int c = 0; c < cx; c++)
            java.util.Arrays.fill(pad, c * plane, (c + 1) * plane, bias == null ? 0f : bias[biasOff + c]);
        for (int c = 0, r = 0; c < cx; c++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++, r++) {
                    int src = colOff + r * rowLen + index * pix;
                    int dst = (c * hp + i) * wp + j;
                    for (int q = 0; q < pix; q++) pad[dst + at[q]] += col[src + q];
                }
        int xImg = xOff + (n0 + index) * cx * hx * wx;
        for (int c = 0; c < cx; c++)
            for (int iy = 0; iy < hx; iy++)
                System.arraycopy(pad, (c * hp + iy + p) * wp + p, x, xImg + (c * hx + iy) * wx, wx);
    }

    /** Both operands of the weight gradient for one image, in one dispatch. */
    private void lowerBoth(int index, int worker) {
        im2colImage(index, worker);
        yToChannelMajor(index, worker);
    }

    /** Image n0 + index's columns of Yc: one run of P floats per channel. */
    private void yToChannelMajor(int index, int worker) {
        int n = n0 + index, pix = hy * wy;
        for (int c = 0; c < cy; c++)
            System.arraycopy(y, yOff + (n * cy + c) * pix, col, ycOff + c * rowLen + index * pix, pix);
    }

    /** Y of image n0 + index from its columns of Yc, plus bias. */
    private void yFromChannelMajor(int index, int worker) {
        int n = n0 + index, pix = hy * wy;
        for (int c = 0; c < cy; c++) {
            float b = bias == null ? 0f : bias[biasOff + c];
            int src = ycOff + c * rowLen + index * pix, dst = yOff + (n * cy + c) * pix;
            for (int q = 0; q < pix; q++) y[dst + q] = col[src + q] + b;
        }
    }
}
