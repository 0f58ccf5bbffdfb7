package tornadovae.kernels.jvm;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link ConvLowering}'s X from Y (Conv2d input gradient, ConvTranspose2d forward) for kernel 4,
 * stride 2, padding 1 with X exactly twice Y's size: rgb128-conv's layers. X's pixels split into
 * four sub-pixel phases (iy, ix) = (2a + φy, 2b + φx), and every pixel of a phase meets exactly
 * 2×2 taps of the kernel: X at (2a + φy, 2b + φx) = Σ over cy, di, dj of
 * W[cy][cx][3 − 2di − φy][3 − 2dj − φx] · Y[cy][a + φy + di − 1][b + φx + dj − 1]. So each phase is
 * an ordinary stride-1 2×2 convolution of Y padded by one pixel: one GEMM per phase and group,
 * Xφ[Cx][G·P] = Wφ[Cx][Cy·4] · B[Cy·4][G·P], with B's panels packed straight from the padded images
 * ({@link WindowPanels}) and each element stored once, where it belongs.
 *
 * <p>The col2im way (col = Wᵀ·Yc, then scatter-add col into X) ran at ~58 GFLOP/s on rgb128-conv,
 * against ~90 for the other directions: its GEMM has k = Cy only (32 to 512) and writes Cx·16
 * values per pixel of Y, read back by a scatter-add of 16 taps per element of X. Here k = 4·Cy and
 * the GEMM writes each element of X once.
 *
 * <p>Bits: an element of X is one fma chain over its phase's 4·Cy taps in (cy, di, dj) order, in
 * the SGEMM's k blocks (which depend on k alone), plus the bias: neither the group size nor the
 * thread count changes it. The sum differs in order from col2im's (taps summed after the GEMM),
 * so its bits differ from the general path's (and the thin path's) for the same shapes.
 */
final class SubPixelConv {
    /** B's columns per group of images: one SGEMM column block, so Wφ is packed once per group and phase. */
    static final int GROUP_COLUMNS = 1024;

    private final WorkerPool pool;
    private final Sgemm sgemm;
    private final ConvCall call;
    private final float[][] paddedY, out;     // per worker: the group's images of Y padded by one pixel; a phase's Xφ
    private final int[][] base;               // per worker: group pixel j (phase pixel (a, b) of an image) → its window
    private final WindowPanels[] windows;
    private int[] taps = new int[0];          // tap (cy, di, dj) → its offset from a window's corner
    private float[] phaseW = ConvLowering.NO_ARRAY;   // Wφ for the four phases, [4][Cx][Cy·4]
    private int groups;
    private final WorkerPool.Task weights = this::phaseWeights, group = this::group;

    SubPixelConv(WorkerPool pool, Sgemm sgemm, ConvCall call) {
        this.pool = pool;
        this.sgemm = sgemm;
        this.call = call;
        int t = pool.threads();
        paddedY = new float[t][0];
        out = new float[t][0];
        base = new int[t][0];
        windows = new WindowPanels[t];
        for (int w = 0; w < t; w++) windows[w] = new WindowPanels();
    }

    /**
     * X's channels below which the col2im way (or the thin loops) stays where B has to be packed: a phase's
     * GEMM has m = Cx rows, and B's packed panels serve only those. rgb128-conv's 3-channel layers (the image)
     * ran ~3× slower by phases with packing (~10 GFLOP/s against ~30), its 32-channel ones about as fast or faster.
     */
    static final int MIN_CX = 16;

    /**
     * Whether the call is a 4×4, stride-2, padding-1 convolution this class computes: with at least MIN_CX
     * channels of X, or any number where the SGEMM reads B in place (512-bit tiles, rows of Y a multiple of 16
     * pixels): then a 3-channel phase is a 4-row GEMM (one row of zeros) with nothing packed, and it beat the
     * thin loops' col2im on rgb128-conv's decoder output (see BENCHMARKS).
     */
    static boolean applies(ConvCall cc) {
        return Sgemm.HAS_256_BIT_VECTORS && cc.k == 4 && cc.stride == 2 && cc.pad == 1
                && cc.hx == 2 * cc.hy && cc.wx == 2 * cc.wy
                && (cc.cx >= MIN_CX || (Sgemm.mayReadBInPlace(rows(cc.cx)) && cc.wy % 16 == 0));
    }

    /** X's channels rounded up to whole rows of the SGEMM's tiles: the rows past Cx have zero weights and are not stored. */
    private static int rows(int cx) { return (cx + Sgemm.MR - 1) / Sgemm.MR * Sgemm.MR; }

    /** X = convᵀ(Y, W) (+ bias) for the call set in `call`, then the call's epilogue. */
    void run() {
        ConvCall cc = call;
        int taps4 = cc.cy * 4, hq = cc.hy + 2, wq = cc.wy + 2;
        if (phaseW.length < 4 * rows(cc.cx) * taps4) phaseW = new float[4 * rows(cc.cx) * taps4];
        if (taps.length < taps4) taps = new int[taps4];
        for (int cy = 0, r = 0; cy < cc.cy; cy++)
            for (int di = 0; di < 2; di++)
                for (int dj = 0; dj < 2; dj++, r++) taps[r] = (cy * hq + di) * wq + dj;
        pool.forEach(pool.threads(), weights);
        // groups of whole images of about GROUP_COLUMNS pixels, as many per worker (see ConvLowering.perWorkerGroups)
        int threads = pool.threads(), batch = cc.batch;
        int most = Math.max(1, Math.min(Sgemm.ceilDiv(batch, threads), GROUP_COLUMNS / cc.pixels()));
        groups = Math.min(batch, Sgemm.ceilDiv(Sgemm.ceilDiv(batch, most), threads) * threads);
        pool.forEach(groups, group);
    }

    /**
     * Wφ for the four phases, X's channels [cx·part/parts, cx·(part + 1)/parts): Wφ[ph][cx][tap (cy, di, dj)] =
     * W[cy][cx][3 − 2di − φy][3 − 2dj − φx]. W is read once, a 4×4 kernel (one cache line) at a time, each of its
     * 16 weights going to its phase: reading it once per phase, in the phases' order, had cost ~1% of a step.
     */
    private void phaseWeights(int part, int worker) {
        ConvCall cc = call;
        int cx = cc.cx, cxr = rows(cx), cyN = cc.cy, taps4 = cyN * 4, parts = pool.threads();
        int c0 = (int) ((long) cx * part / parts), c1 = (int) ((long) cx * (part + 1) / parts);
        float[] w = cc.w, dst = phaseW;
        if (part == parts - 1)
            for (int ph = 0; ph < 4; ph++) Arrays.fill(dst, (ph * cxr + cx) * taps4, (ph + 1) * cxr * taps4, 0f);
        for (int c = c0; c < c1; c++)
            for (int cy = 0; cy < cyN; cy++) {
                int src = cc.wOff + (cy * cx + c) * 16;
                for (int ky = 0; ky < 4; ky++) {
                    int fy = (3 - ky) & 1, di = (3 - ky) >> 1;
                    for (int kx = 0; kx < 4; kx++) {
                        int fx = (3 - kx) & 1, dj = (3 - kx) >> 1;
                        dst[((fy * 2 + fx) * cxr + c) * taps4 + cy * 4 + di * 2 + dj] = w[src + ky * 4 + kx];
                    }
                }
            }
    }

    /** Group gi's images: Y padded, then per phase one GEMM and its stores into X, with the epilogue per plane. */
    private void group(int gi, int worker) {
        ConvCall cc = call;
        int batch = cc.batch, n0 = (int) ((long) gi * batch / groups), count = (int) ((long) (gi + 1) * batch / groups) - n0;
        int cyN = cc.cy, cx = cc.cx, hy = cc.hy, wy = cc.wy, hq = hy + 2, wq = wy + 2, pix = hy * wy, img = cyN * hq * wq;
        int n = count * pix, taps4 = cyN * 4, hx = cc.hx, wx = cc.wx, cxr = rows(cx);
        float[] pad = padY(worker, n0, count);
        if (base[worker].length < n) base[worker] = new int[n];
        if (out[worker].length < 2 * cxr * n) out[worker] = new float[2 * cxr * n];
        int[] b = base[worker];
        float[] o = out[worker], x = cc.x;
        WindowPanels panels = windows[worker];
        panels.pad = pad;
        panels.base = b;
        panels.taps = taps;
        panels.tap0 = -1;
        for (int fy = 0; fy < 2; fy++) {
            // phases (φy, 0) and (φy, 1) fill X's rows 2a + φy between them: computed both, then stored interleaved
            for (int fx = 0; fx < 2; fx++) {
                int ph = fy * 2 + fx;
                for (int i = 0, j = 0; i < count; i++)
                    for (int a = 0; a < hy; a++)
                        for (int bx = 0; bx < wy; bx++, j++) b[j] = i * img + (a + fy) * wq + bx + fx;
                sgemm.sgemmOnWorker(worker, o, fx * cxr * n, n, phaseW, ph * cxr * taps4, panels, cxr, n, taps4, false, false);
            }
            for (int i = 0; i < count; i++) {
                int xImg = cc.xOff + (n0 + i) * cx * hx * wx;
                for (int c = 0; c < cx; c++) {
                    float bias = cc.bias(c);
                    for (int a = 0; a < hy; a++)
                        interleave(x, xImg + (c * hx + 2 * a + fy) * wx, o, c * n + i * pix + a * wy, cxr * n, wy, bias);
                    // the plane is whole once its odd rows are in: the epilogue while it is still in L1 (per image, at
                    // the end, rgb128-conv's convTranspose2d ops took 99 ms a step in --profile; this way 83)
                    if (fy == 1) cc.finish(x, xImg + c * hx * wx, hx * wx);
                }
            }
        }
    }

    private static final VectorSpecies<Float> S8 = FloatVector.SPECIES_256;
    /** Lanes 0..3 of two vectors interleaved (a0 b0 a1 b1 ..), and lanes 4..7. */
    private static final VectorShuffle<Float> ZIP_LO = VectorShuffle.fromValues(S8, 0, 8, 1, 9, 2, 10, 3, 11),
            ZIP_HI = VectorShuffle.fromValues(S8, 4, 12, 5, 13, 6, 14, 7, 15);

    /**
     * x[dst + 2q] = o[src + q] + bias and x[dst + 2q + 1] = o[src + other + q] + bias for q < len: a row of X from
     * its two column phases, by two shuffles and two stores per 8 pixels (one element at a time, two strided
     * passes had cost ~2.5% of an rgb128-conv step).
     */
    private static void interleave(float[] x, int dst, float[] o, int src, int other, int len, float bias) {
        int q = 0;
        if (Sgemm.HAS_256_BIT_VECTORS)
            for (; q + 8 <= len; q += 8) {
                FloatVector e = FloatVector.fromArray(S8, o, src + q).add(bias);
                FloatVector d = FloatVector.fromArray(S8, o, src + other + q).add(bias);
                e.rearrange(ZIP_LO, d).intoArray(x, dst + 2 * q);
                e.rearrange(ZIP_HI, d).intoArray(x, dst + 2 * q + 8);
            }
        for (; q < len; q++) {
            x[dst + 2 * q] = o[src + q] + bias;
            x[dst + 2 * q + 1] = o[src + other + q] + bias;
        }
    }

    /** Images [n0, n0 + count) of Y into this worker's planes [Cy][hy + 2][wy + 2], zero around each. */
    private float[] padY(int worker, int n0, int count) {
        ConvCall cc = call;
        int cyN = cc.cy, hy = cc.hy, wy = cc.wy, hq = hy + 2, wq = wy + 2, need = count * cyN * hq * wq;
        if (paddedY[worker].length < need) paddedY[worker] = new float[need];
        float[] pad = paddedY[worker], y = cc.y;
        Arrays.fill(pad, 0, need, 0f);
        for (int i = 0; i < count; i++)
            for (int c = 0; c < cyN; c++) {
                int src = cc.yOff + ((n0 + i) * cyN + c) * hy * wy, dst = (i * cyN + c) * hq * wq + wq + 1;
                for (int a = 0; a < hy; a++) System.arraycopy(y, src + a * wy, pad, dst + a * wq, wy);
            }
        return pad;
    }
}
