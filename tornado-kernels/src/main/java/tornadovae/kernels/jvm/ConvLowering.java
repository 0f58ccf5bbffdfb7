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
 * <p>Per group of images, the scratch holds colT [G·P][K] (P = Hy·Wy output pixels, K = Cx·k²;
 * one row per pixel) and yT [G·P][Cy] (Y channel-last), so each GEMM is one tall product. The
 * group size depends only on the scratch size, and every element is written by one task, so
 * results do not depend on the thread count.
 */
final class ConvLowering {
    private final WorkerPool pool;
    private final Sgemm sgemm;

    // The current call, read by the per-image tasks.
    private float[] x, y, col, bias;
    private int xOff, yOff, colOff, biasOff, n0, yTOff;
    private int cx, hx, wx, cy, hy, wy, k, s, p;
    private final WorkerPool.Task im2colTask = this::im2colImage;
    private final WorkerPool.Task col2imTask = this::col2imImage;
    private final WorkerPool.Task yToColumnsTask = this::yToChannelLast;
    private final WorkerPool.Task yFromColumnsTask = this::yFromChannelLast;

    ConvLowering(WorkerPool pool, Sgemm sgemm) {
        this.pool = pool;
        this.sgemm = sgemm;
    }

    /** The lowered sizes of a Conv2d (X = input) or ConvTranspose2d (X = output) geometry. */
    private void set(ConvGeometry g, boolean transposed) {
        if (!transposed) {
            cx = g.inC(); hx = g.inH(); wx = g.inW(); cy = g.outC(); hy = g.outH(); wy = g.outW();
        } else {
            cx = g.outC(); hx = g.outH(); wx = g.outW(); cy = g.inC(); hy = g.inH(); wy = g.inW();
        }
        k = g.kernel(); s = g.stride(); p = g.pad();
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
        yTOff = colO + grp * pix * kk;
        try {
            for (n0 = 0; n0 < g.batch(); n0 += grp) {
                int count = Math.min(grp, g.batch() - n0);
                pool.forEach(count, im2colTask);
                sgemm.sgemm(col, yTOff, col, colOff, w, wO, count * pix, cy, kk, false, true, false);
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
        yTOff = colO + grp * pix * kk;
        try {
            for (n0 = 0; n0 < g.batch(); n0 += grp) {
                int count = Math.min(grp, g.batch() - n0);
                pool.forEach(count, yToColumnsTask);
                sgemm.sgemm(col, colOff, col, yTOff, w, wO, count * pix, kk, cy, false, false, false);
                pool.forEach(count, col2imTask);
            }
        } finally {
            x = y = col = bias = null;
        }
    }

    /** dW[Cy][Cx·k²] = Σ_n Yₙ·colₙ: the weight gradient, Y being the gradient on the narrow side. */
    void weightGrad(float[] dw, int dwO, float[] yA, int yO, float[] xA, int xO,
                    float[] colA, int colO, int colLen, ConvGeometry g, boolean transposed) {
        set(g, transposed);
        int grp = group(g, transposed, colLen), pix = hy * wy, kk = cx * k * k;
        x = xA; xOff = xO; y = yA; yOff = yO; col = colA; colOff = colO; bias = null;
        yTOff = colO + grp * pix * kk;
        try {
            for (n0 = 0; n0 < g.batch(); n0 += grp) {
                int count = Math.min(grp, g.batch() - n0);
                pool.forEach(count, im2colTask);
                pool.forEach(count, yToColumnsTask);
                sgemm.sgemm(dw, dwO, col, yTOff, col, colOff, cy, kk, count * pix, true, false, n0 > 0);
            }
        } finally {
            x = y = col = null;
        }
    }

    /** colT rows of image n0 + index: one row per Y pixel, K = Cx·k² values (zero where the window leaves X). */
    private void im2colImage(int index, int worker) {
        int n = n0 + index, pix = hy * wy, kk = cx * k * k;
        int row = colOff + index * pix * kk;
        int xImg = xOff + n * cx * hx * wx;
        for (int oy = 0; oy < hy; oy++)
            for (int ox = 0; ox < wy; ox++, row += kk) {
                int r = row;
                for (int c = 0; c < cx; c++) {
                    int plane = xImg + c * hx * wx;
                    for (int i = 0; i < k; i++) {
                        int iy = oy * s - p + i;
                        if (iy < 0 || iy >= hx) {
                            for (int j = 0; j < k; j++) col[r++] = 0f;
                            continue;
                        }
                        int line = plane + iy * wx;
                        for (int j = 0; j < k; j++) {
                            int ix = ox * s - p + j;
                            col[r++] = ix >= 0 && ix < wx ? x[line + ix] : 0f;
                        }
                    }
                }
            }
    }

    /** X of image n0 + index = Σ of its colT rows scattered back (col2im), plus bias. */
    private void col2imImage(int index, int worker) {
        int n = n0 + index, pix = hy * wy, kk = cx * k * k;
        int xImg = xOff + n * cx * hx * wx;
        for (int c = 0; c < cx; c++) {
            float b = bias == null ? 0f : bias[biasOff + c];
            java.util.Arrays.fill(x, xImg + c * hx * wx, xImg + (c + 1) * hx * wx, b);
        }
        int row = colOff + index * pix * kk;
        for (int oy = 0; oy < hy; oy++)
            for (int ox = 0; ox < wy; ox++, row += kk) {
                int r = row;
                for (int c = 0; c < cx; c++) {
                    int plane = xImg + c * hx * wx;
                    for (int i = 0; i < k; i++) {
                        int iy = oy * s - p + i;
                        if (iy < 0 || iy >= hx) { r += k; continue; }
                        int line = plane + iy * wx;
                        for (int j = 0; j < k; j++, r++) {
                            int ix = ox * s - p + j;
                            if (ix >= 0 && ix < wx) x[line + ix] += col[r];
                        }
                    }
                }
            }
    }

    /** yT rows of image n0 + index = Y channel-last. */
    private void yToChannelLast(int index, int worker) {
        int n = n0 + index, pix = hy * wy;
        int dst = yTOff + index * pix * cy, src = yOff + n * cy * pix;
        for (int c = 0; c < cy; c++)
            for (int q = 0; q < pix; q++) col[dst + q * cy + c] = y[src + c * pix + q];
    }

    /** Y of image n0 + index from its channel-last yT rows, plus bias. */
    private void yFromChannelLast(int index, int worker) {
        int n = n0 + index, pix = hy * wy;
        int src = yTOff + index * pix * cy, dst = yOff + n * cy * pix;
        for (int c = 0; c < cy; c++) {
            float b = bias == null ? 0f : bias[biasOff + c];
            for (int q = 0; q < pix; q++) y[dst + c * pix + q] = col[src + q * cy + c] + b;
        }
    }
}
