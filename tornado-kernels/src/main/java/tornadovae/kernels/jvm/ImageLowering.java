package tornadovae.kernels.jvm;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * The per-image moves of a {@link ConvCall} between its tensors and the GEMM's operands: X's images
 * into zero-padded planes, im2col and col2im through them, the window panels of an implicit im2col,
 * and Y to and from channel-major Yc. Each worker has its own buffers; a worker passes its index.
 */
final class ImageLowering {
    private final ConvCall call;
    private final float[][] padded;          // per worker: images of X, zero-padded planes [Cx][hp][wp], one after another
    private final int[][] pixelBase;         // per worker: group pixel j → its window's corner in padded
    private final WindowPanels[] windows;    // per worker: the packing of B = col straight from padded
    private final float[][] thinCol;         // per worker: one image's col for the thin path

    ImageLowering(ConvCall call, int threads) {
        this.call = call;
        this.padded = new float[threads][0];
        this.pixelBase = new int[threads][0];
        this.windows = new WindowPanels[threads];
        this.thinCol = new float[threads][0];
        for (int t = 0; t < threads; t++) windows[t] = new WindowPanels();
    }

    /**
     * Channels [c0, c1) of images [n0, n0 + count) of X padded into this worker's planes, and the
     * panels that read their windows: B = col (taps × pixels) when tap0 < 0, else colᵀ from tap tap0.
     */
    WindowPanels windowsOf(int n0, int count, int worker, int c0, int c1, int tap0) {
        ConvCall cc = call;
        // B = col at stride 2 with rows of Y a multiple of 16 pixels: the planes as their phases, so that every 16
        // pixels of a tap are one run and the SGEMM reads B in place (WindowPanels.direct) instead of packing it
        boolean phases = tap0 < 0 && cc.stride == 2 && cc.wy % 16 == 0 && WindowPanels.directLoads && Sgemm.mayReadBInPlace(cc.cy);
        int img = phases ? cc.cx * 4 * cc.hp2 * cc.wp2 : cc.cx * cc.hp * cc.wp, pix = cc.pixels();
        int[] pixels = phases ? cc.phasePixelOffsets : cc.pixelOffsets;
        if (pixelBase[worker].length < count * pix) pixelBase[worker] = new int[count * pix];
        float[] pad = paddedPlanes(worker, count * img);
        int[] base = pixelBase[worker];
        for (int i = 0; i < count; i++) {
            if (phases) padPhasesInto(pad, i * img, n0 + i, c0, c1);
            else padImageInto(pad, i * img, n0 + i, c0, c1);
        }
        for (int i = 0, j = 0; i < count; i++)
            for (int q = 0; q < pix; q++, j++) base[j] = i * img + pixels[q];
        WindowPanels panels = windows[worker];
        panels.pad = pad;
        panels.base = base;
        panels.taps = phases ? cc.phaseTapOffsets : cc.tapOffsets;
        panels.tap0 = tap0;
        return panels;
    }

    /**
     * Channels [c0, c1) of image n of X zero-padded into the four stride-2 phases of each plane at `at` in pad:
     * padded element (y, x) of channel c at ((c·4 + (y & 1)·2 + (x & 1))·hp2 + y / 2)·wp2 + x / 2 (ConvCall).
     */
    private void padPhasesInto(float[] pad, int at, int n, int c0, int c1) {
        ConvCall cc = call;
        int hx = cc.hx, wx = cc.wx, p = cc.pad, hp2 = cc.hp2, wp2 = cc.wp2, phase = hp2 * wp2;
        float[] x = cc.x;
        Arrays.fill(pad, at + c0 * 4 * phase, at + c1 * 4 * phase, 0f);
        int xImg = cc.xOff + n * cc.cx * hx * wx;
        for (int c = c0; c < c1; c++)
            for (int iy = 0; iy < hx; iy++) {
                int y = iy + p, src = xImg + (c * hx + iy) * wx;
                for (int x0 = 0; x0 < 2 && x0 < wx; x0++) {   // X's columns x0, x0 + 2, .. are padded columns x0 + p, x0 + p + 2, ..
                    int px = (x0 + p) & 1;
                    int dst = at + ((c * 4 + (y & 1) * 2 + px) * hp2 + (y >> 1)) * wp2 + ((x0 + p) >> 1);
                    strided(pad, dst, x, src + x0, (wx - x0 + 1) / 2, 2);
                }
            }
    }

    /** This worker's buffer for one image's col, at least `need` floats. */
    float[] thinCol(int worker, int need) {
        if (thinCol[worker].length < need) thinCol[worker] = new float[need];
        return thinCol[worker];
    }

    /** Channels [c0, c1) of image n of X copied into this worker's zero-padded planes: every window then lies inside them. */
    private float[] padImage(int n, int worker, int c0, int c1) {
        float[] pad = paddedPlanes(worker, call.cx * call.hp * call.wp);
        padImageInto(pad, 0, n, c0, c1);
        return pad;
    }

    /** Channels [c0, c1) of image n of X into zero-padded planes [Cx][hp][wp] at `at` in pad. */
    private void padImageInto(float[] pad, int at, int n, int c0, int c1) {
        ConvCall cc = call;
        int hp = cc.hp, wp = cc.wp, hx = cc.hx, wx = cc.wx, p = cc.pad;
        float[] x = cc.x;
        Arrays.fill(pad, at + c0 * hp * wp, at + c1 * hp * wp, 0f);
        int xImg = cc.xOff + n * cc.cx * hx * wx;
        for (int c = c0; c < c1; c++)
            for (int iy = 0; iy < hx; iy++)
                System.arraycopy(x, xImg + (c * hx + iy) * wx, pad, at + (c * hp + iy + p) * wp + p, wx);
    }

    /** This worker's padded planes, room for `need` floats. */
    private float[] paddedPlanes(int worker, int need) {
        if (padded[worker].length < need) padded[worker] = new float[need];
        return padded[worker];
    }

    /**
     * Image n's columns of col (the call's scratch), starting at `at` in each row of rowLen floats:
     * tap (c, i, j) of every Y pixel, zero where the window leaves X.
     */
    void im2col(int n, int at, int rowLen, int worker) { im2colTaps(call.col, n, at, rowLen, worker, 0, call.taps()); }

    /** im2col into col for the rows of taps [r0, r1) only (only their channels are copied into the padded planes). */
    void im2colTaps(float[] col, int n, int at, int rowLen, int worker, int r0, int r1) {
        ConvCall cc = call;
        int k = cc.k, kk2 = k * k, c0 = r0 / kk2, c1 = (r1 - 1) / kk2 + 1;
        float[] pad = padImage(n, worker, c0, c1);
        int hp = cc.hp, wp = cc.wp, hy = cc.hy, wy = cc.wy, stride = cc.stride, rowStep = stride * wp;
        for (int r = r0; r < r1; r++) {
            int c = r / kk2, i = r % kk2 / k, j = r % k;
            int dst = at + r * rowLen, src = (c * hp + i) * wp + j;
            // a row of Y's pixels reads a run of stride `stride` (the pixelOffsets' pattern)
            for (int oy = 0; oy < hy; oy++) strided(col, dst + oy * wy, pad, src + oy * rowStep, wy, stride);
        }
    }

    /**
     * dst[d + q] = src[s + q·stride] for q < n: copies for stride 1, two loads and a shuffle per 8 for stride 2
     * (WindowPanels.EVENS; the scalar gather had been most of rgb128-conv's thin weight gradients), the rest
     * one by one.
     */
    private static void strided(float[] dst, int d, float[] src, int s, int n, int stride) {
        if (stride == 1) { System.arraycopy(src, s, dst, d, n); return; }
        int q = 0;
        if (stride == 2 && Sgemm.HAS_256_BIT_VECTORS)
            for (; q + 8 <= n && s + 2 * q + 16 <= src.length; q += 8)
                FloatVector.fromArray(WindowPanels.GATHER, src, s + 2 * q)
                        .rearrange(WindowPanels.EVENS, FloatVector.fromArray(WindowPanels.GATHER, src, s + 2 * q + 8))
                        .intoArray(dst, d + q);
        for (; q < n; q++) dst[d + q] = src[s + q * stride];
    }

    /**
     * Image n of X = bias + its columns of col (at `at` in each row) scattered back, tap by tap in a
     * fixed order, summed in this worker's padded planes; the rim (windows hanging over X's edge) is
     * dropped. Then the call's epilogue on the image.
     */
    void col2im(float[] col, int n, int at, int rowLen, int worker) {
        ConvCall cc = call;
        float[] pad = paddedPlanes(worker, call.cx * call.hp * call.wp);
        int pix = cc.pixels(), k = cc.k, cx = cc.cx, hp = cc.hp, wp = cc.wp, plane = hp * wp;
        int hx = cc.hx, wx = cc.wx, p = cc.pad;
        int[] corner = cc.pixelOffsets;
        for (int c = 0; c < cx; c++) Arrays.fill(pad, c * plane, (c + 1) * plane, cc.bias(c));
        for (int c = 0, r = 0; c < cx; c++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++, r++) {
                    int src = at + r * rowLen, dst = (c * hp + i) * wp + j;
                    for (int q = 0; q < pix; q++) pad[dst + corner[q]] += col[src + q];
                }
        float[] x = cc.x;
        int xImg = cc.xOff + n * cx * hx * wx;
        for (int c = 0; c < cx; c++)
            for (int iy = 0; iy < hx; iy++)
                System.arraycopy(pad, (c * hp + iy + p) * wp + p, x, xImg + (c * hx + iy) * wx, wx);
        cc.finish(x, xImg, cx * hx * wx);
    }

    /** Image n of Y into Yc (in dst, the scratch or a worker's own copy) at `at` in each of its Cy rows of rowLen floats. */
    void toChannelMajor(int n, float[] dst, int at, int rowLen) {
        ConvCall cc = call;
        int pix = cc.pixels(), cy = cc.cy;
        float[] y = cc.y;
        for (int c = 0; c < cy; c++) System.arraycopy(y, cc.yOff + (n * cy + c) * pix, dst, at + c * rowLen, pix);
    }

    /** Image n of Y from Yc (in col, the scratch or a worker's own buffer, at `at` in each row), plus bias, then the epilogue. */
    void fromChannelMajor(int n, float[] col, int at, int rowLen) {
        ConvCall cc = call;
        int pix = cc.pixels(), cy = cc.cy;
        float[] y = cc.y;
        for (int c = 0; c < cy; c++) {
            float b = cc.bias(c);
            int src = at + c * rowLen, dst = cc.yOff + (n * cy + c) * pix;
            for (int q = 0; q < pix; q++) y[dst + q] = col[src + q] + b;
            cc.finish(y, dst, pix);
        }
    }
}
