package tornadovae.kernels.tornado;

import static tornadovae.kernels.tornado.KernelTimer.medianMs;

import tornadovae.kernels.plan.ConvGeometry;

/**
 * The tasks of {@link CpuConvGemm} one at a time for each of rgb128-conv's layers at batch 64 (a Conv2d and its
 * mirrored ConvTranspose2d share the products): Y from X (pack W, im2col into panels, the GEMM) and X from Y (pack
 * Wᵀ, pack Y, the GEMM), the median wall time of 5 executions after one that compiles (TornadoVM's dispatch
 * included), and the GEMM's GFLOP/s. Run from the built tree as {@link CpuWgradBench}.
 */
final class CpuPanelBench {
    private CpuPanelBench() {}

    private static final int IMAGES = 64;

    public static void main(String[] args) {
        int[][] layers = {{3, 32, 128}, {32, 64, 64}, {64, 128, 32}, {128, 256, 16}, {256, 512, 8}};
        System.out.println("| layer | direction | m×n×k | pack A ms | pack B ms | GEMM ms | GEMM GFLOP/s |");
        System.out.println("|---|---|---|---:|---:|---:|---:|");
        for (int[] l : layers) {
            ConvGeometry g = ConvGeometry.conv2d(IMAGES, l[0], l[2], l[2], l[1], 4, 2, 1);
            int taps = DeviceConv.taps(g), pixels = DeviceConv.pixels(g), cy = l[1], nPad = (pixels + 15) / 16 * 16;
            int xDims = TornadoConvKernels.packDims(l[0], l[2], l[2]), yDims = TornadoConvKernels.packDims(cy, l[2] / 2, l[2] / 2);
            int kps = TornadoConvKernels.packKernel(4, 2, 1);
            float[] x = filled(IMAGES * l[0] * l[2] * l[2]), y = filled(IMAGES * cy * pixels), w = filled(cy * taps);
            float[] bias = filled(Math.max(cy, taps));
            // Y from X: packed = [Bp (col's panels)][Ap (W)], C = Y
            int bpY = IMAGES * nPad * taps;
            float[] packed = new float[bpY + (cy + 7) / 8 * 8 * taps];
            float[] out = new float[IMAGES * cy * pixels];
            int group = CpuGemm.rowGroup(cy, pixels, IMAGES);
            int mode = CpuGemmKernels.mode(false, 1, TornadoActivations.ACT_RELU, false, false, group);
            double pa = medianMs(tg -> tg.task("t", CpuPanelKernels::packA, w, 0, taps, 1, packed, bpY, (cy + 7) / 8 * taps, cy, taps), packed, w);
            double pb = medianMs(tg -> tg.task("t", CpuPanelKernels::im2colPanelLines, x, 0, packed, 0, IMAGES * (nPad / 16) * l[0], xDims, yDims, kps),
                    packed, x);
            double gm = medianMs(tg -> tg.task("t", CpuPanelKernels::gemm, packed, bpY, 0, nPad * taps, 0, bias, 0, out, 0, cy * pixels, cy, pixels,
                    taps, taps, IMAGES, mode, 0f, (cy + 8 * group - 1) / (8 * group), nPad / 16), out, packed, bias);
            row(l, "Y from X", cy, pixels, taps, pa, pb, gm);
            // X from Y: packed = [Bp (Y's panels)][Ap (Wᵀ)], C = col
            int bpX = IMAGES * nPad * cy;
            float[] packed2 = new float[bpX + (taps + 7) / 8 * 8 * cy];
            float[] col = new float[IMAGES * taps * pixels];
            int group2 = CpuGemm.rowGroup(taps, pixels, IMAGES);
            int mode2 = CpuGemmKernels.mode(false, 0, TornadoActivations.ACT_IDENTITY, false, false, group2);
            double qa = medianMs(tg -> tg.task("t", CpuPanelKernels::packA, w, 0, 1, taps, packed2, bpX, (taps + 7) / 8 * cy, taps, cy), packed2, w);
            double qb = medianMs(tg -> tg.task("t", CpuPanelKernels::packRows, y, 0, packed2, 0, IMAGES * cy, cy, pixels), packed2, y);
            double qm = medianMs(tg -> tg.task("t", CpuPanelKernels::gemm, packed2, bpX, 0, nPad * cy, 0, bias, 0, col, 0, taps * pixels, taps, pixels,
                    cy, cy, IMAGES, mode2, 0f, (taps + 8 * group2 - 1) / (8 * group2), nPad / 16), col, packed2, bias);
            row(l, "X from Y", taps, pixels, cy, qa, qb, qm);
        }
        System.exit(0);
    }

    private static void row(int[] l, String dir, int m, int n, int k, double pa, double pb, double gm) {
        System.out.printf("| %d→%d | %s | %d×%d×%d | %.2f | %.2f | %.2f | %.1f |%n", l[0], l[1], dir, m, n, k, pa, pb, gm,
                2e-6 * m * n * (double) k * IMAGES / gm);
    }

    private static float[] filled(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (i % 7) * 0.1f;
        return a;
    }
}
