package tornadovae.kernels.tornado;

import tornadovae.kernels.plan.ConvGeometry;

/**
 * A convolution's per-image GEMMs with the CPU family, one group of images at a time, over panels
 * ({@link CpuPanelKernels}; why: see there):
 * <ul>
 * <li>Y from X (Conv2d forward, ConvTranspose2d input gradient): im2col of X straight into B's panels and W into A's,
 * both in the col scratch (Bp first), then the GEMM into Y with bias and activation;</li>
 * <li>X from Y (Conv2d input gradient, ConvTranspose2d forward): Y into B's panels and Wᵀ into A's, both in the GEMM
 * scratch (the GEMM writes col, in the col scratch, and a task is not given one array twice), then the GEMM into
 * col; {@link DeviceConv} then runs col2im as before.</li>
 * </ul>
 * W is packed once per group: it is small (at most Cy·K = 512·4096 floats here) next to col.
 */
final class CpuConvGemm {
    private CpuConvGemm() {}

    private static final int R = CpuPanelKernels.R, L = CpuPanelKernels.L;

    private static int roundUp(int x, int block) { return (x + block - 1) / block * block; }

    private static int cy(ConvGeometry g) { return g.transposed() ? g.inC() : g.outC(); }

    /** Floats of col scratch Y from X needs for a group of {@code images}: Bp, then Ap. */
    static long yFromXColFloats(ConvGeometry g, int images) {
        int taps = DeviceConv.taps(g);
        return (long) images * roundUp(DeviceConv.pixels(g), L) * taps + (long) roundUp(cy(g), R) * taps;
    }

    /** Floats of GEMM scratch X from Y needs for a group of {@code images}: Bp (Y), then Ap (Wᵀ). */
    static long xFromYGemmFloats(ConvGeometry g, int images) {
        int cy = cy(g);
        return (long) images * roundUp(DeviceConv.pixels(g), L) * cy + (long) roundUp(DeviceConv.taps(g), R) * cy;
    }

    /** Tasks of one group beyond the unpacked form's lowering and GEMM: the packs that were not there. */
    static int extraTasks(boolean yFromX) { return yFromX ? 1 : 2; }

    /**
     * Y_b = epilogue(W·col_b) for the group's images: X at {@code xOff} ([images][Cx][Hx][Wx], shapes packed as
     * {@link TornadoConvKernels#packDims}), Y at {@code yOff}.
     */
    static void yFromX(TornadoTasks.Context ctx, String gid, ConvGeometry g, float[] x, int xOff, int xDims, int yDims, int kps,
                       float[] w, int wOff, float[] y, int yOff, int images, float[] bias, int biasOff, int biasMode, int act,
                       float slope) {
        int taps = DeviceConv.taps(g), pixels = DeviceConv.pixels(g), cy = cy(g);
        int bpFloats = images * roundUp(pixels, L) * taps;
        float[] col = ctx.colScratch();
        int hy = (yDims >> 10) & 1023;
        ctx.tg().task(gid + "PackW", CpuPanelKernels::packA, w, wOff, taps, 1, col, bpFloats, roundUp(cy, R) / R * taps, cy, taps);
        ctx.tg().task(gid + "Im2col", CpuPanelKernels::im2colPanelLines, x, xOff, col, 0, images * (roundUp(pixels, L) / L) * (xDims >> 20),
                xDims, yDims, kps);
        gemm(ctx, gid, col, bpFloats, 0, roundUp(pixels, L) * taps, bias == null ? ctx.scratch() : bias, biasOff, y, yOff,
                cy * pixels, cy, pixels, taps, images, biasMode, act, slope);
    }

    /** col_b = Wᵀ·Y_b into the col scratch for the group's images, Y at {@code yOff} ([images][Cy][P]). */
    static void xFromY(TornadoTasks.Context ctx, String gid, ConvGeometry g, float[] y, int yOff, float[] w, int wOff, int images) {
        int taps = DeviceConv.taps(g), pixels = DeviceConv.pixels(g), cy = cy(g);
        int bpFloats = images * roundUp(pixels, L) * cy;
        float[] packed = ctx.gemmScratch();
        ctx.tg().task(gid + "PackW", CpuPanelKernels::packA, w, wOff, 1, taps, packed, bpFloats, roundUp(taps, R) / R * cy, taps, cy);
        ctx.tg().task(gid + "PackY", CpuPanelKernels::packRows, y, yOff, packed, 0, images * cy, cy, pixels);
        gemm(ctx, gid + "Gemm", packed, bpFloats, 0, roundUp(pixels, L) * cy, ctx.scratch(), 0, ctx.colScratch(), 0, taps * pixels,
                taps, pixels, cy, images, 0, TornadoActivations.ACT_IDENTITY, 0f);
    }

    private static void gemm(TornadoTasks.Context ctx, String id, float[] packed, int apOff, int bpOff, int sBz, float[] bias,
                             int biasOff, float[] c, int cOff, int sCz, int m, int n, int k, int images, int biasMode, int act,
                             float slope) {
        int group = CpuGemm.rowGroup(m, n, images);
        int rowGroups = (m + R * group - 1) / (R * group), colBlocks = (n + L - 1) / L;
        int mode = CpuGemmKernels.mode(false, biasMode, act, false, false, group);
        ctx.tg().task(id, CpuPanelKernels::gemm, packed, apOff, bpOff, sBz, 0, bias, biasOff, c, cOff, sCz, m, n, k, k, images,
                mode, slope, rowGroups, colBlocks);
    }
}
