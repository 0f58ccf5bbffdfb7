package tornadovae.kernels.tornado;

import static tornadovae.kernels.tornado.KernelTimer.medianMs;

import tornadovae.kernels.plan.ConvGeometry;
import uk.ac.manchester.tornado.api.annotations.Parallel;

/**
 * The CPU family's im2col into the conv GEMMs' column panels for each of rgb128-conv's layers at batch 64, variant 2
 * ({@link CpuPanelKernels#im2colPanelLines}, what the backend runs) checked bit for bit against variant 1 (one
 * work-item per tap and output row, what it ran before, kept here as the baseline) and both timed: the median of 5
 * executions after one that compiles, dispatch included. Run from the built tree as {@link CpuWgradBench}; compare
 * only within a run. (The same change to the weight gradients' tap panels, one work-item per block of 16 taps and
 * output row, was not faster there: 57.8 against 50.8 ms over the five layers in one run, so they keep one tap a
 * work-item.)
 */
final class Im2colBench {
    private Im2colBench() {}

    private static final int IMAGES = 64, L = CpuPanelKernels.L;

    /**
     * Bp from X by im2col (B_z = col_z [K][P], as ConvGemmKernels.im2colRows): one work-item per (image,
     * tap r, output row y) writes that row's Wy pixels; rows = images·K·Hy.
     */
    public static void panelRows1(float[] x, int xOff, float[] bp, int bpOff, int rows, int xDims, int yDims, int kps) {
        for (@Parallel int e = 0; e < rows; e++) {
            int cx = xDims >> 20, hx = (xDims >> 10) & 1023, wx = xDims & 1023;
            int hy = (yDims >> 10) & 1023, wy = yDims & 1023;
            int k = kps & 255, s = (kps >> 8) & 255, p = kps >> 16;
            int taps = cx * k * k, pixels = hy * wy, nb = (pixels + L - 1) / L;
            int y = e % hy, r = (e / hy) % taps, b = e / (hy * taps);
            int j = r % k, i = (r / k) % k, c = r / (k * k);
            int iy = y * s - p + i;
            boolean rowInside = iy >= 0 && iy < hx;
            int src = xOff + ((b * cx + c) * hx + (rowInside ? iy : 0)) * wx;
            int base = bpOff + (b * nb * taps + r) * L;
            for (int xx = 0; xx < wy; xx++) {
                int q = y * wy + xx;
                int ix = xx * s - p + j;
                boolean inside = rowInside && ix >= 0 && ix < wx;
                float v = x[src + (inside ? ix : 0)];
                bp[base + (q / L) * taps * L + q % L] = inside ? v : 0f;
            }
        }
    }

    public static void main(String[] args) {
        int[][] layers = {{3, 32, 128}, {32, 64, 64}, {64, 128, 32}, {128, 256, 16}, {256, 512, 8}};
        System.out.println("| layer | variant 1 ms | variant 2 ms |");
        System.out.println("|---|---:|---:|");
        for (int[] l : layers) {
            ConvGeometry g = ConvGeometry.conv2d(IMAGES, l[0], l[2], l[2], l[1], 4, 2, 1);
            int taps = DeviceConv.taps(g), pixels = DeviceConv.pixels(g), hy = l[2] / 2, nb = (pixels + L - 1) / L;
            int xDims = TornadoConvKernels.packDims(l[0], l[2], l[2]), yDims = TornadoConvKernels.packDims(1, hy, hy);
            int kps = TornadoConvKernels.packKernel(4, 2, 1);
            float[] x = new float[IMAGES * l[0] * l[2] * l[2]];
            for (int i = 0; i < x.length; i++) x[i] = (i % 13) * 0.1f - 0.5f;
            float[] panels = new float[IMAGES * nb * L * taps], panels2 = panels.clone();
            double a1 = medianMs(tg -> tg.task("t", Im2colBench::panelRows1, x, 0, panels, 0, IMAGES * taps * hy, xDims, yDims, kps), panels, x);
            double a2 = medianMs(tg -> tg.task("t", CpuPanelKernels::im2colPanelLines, x, 0, panels2, 0, IMAGES * nb * l[0], xDims, yDims, kps),
                    panels2, x);
            same(l, "column panels", panels, panels2);
            System.out.printf("| %d→%d | %.2f | %.2f |%n", l[0], l[1], a1, a2);
        }
        System.exit(0);
    }

    private static void same(int[] l, String what, float[] a, float[] b) {
        for (int i = 0; i < a.length; i++)
            if (Float.floatToRawIntBits(a[i]) != Float.floatToRawIntBits(b[i]))
                throw new IllegalStateException(l[0] + "→" + l[1] + " " + what + ": variant 2 differs at " + i + ": " + b[i] + " vs " + a[i]);
    }
}
