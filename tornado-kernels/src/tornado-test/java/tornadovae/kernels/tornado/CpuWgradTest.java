package tornadovae.kernels.tornado;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;


/**
 * The CPU family's weight-gradient kernels ({@link CpuWgradKernels}) one at a time against plain loops: the packs
 * (with and without padding rows and taps, where a test the compiler could fold would break the build of the kernel),
 * and the panel GEMM whole, split into parts of whole images (the last part smaller) and accumulating. The op as a
 * whole is checked against the reference in {@code TornadoConvTest} and {@code Rgb128LayersTest}.
 */
class CpuWgradTest {
    private static final int R = CpuWgradKernels.R, L = CpuWgradKernels.L;

    @ParameterizedTest(name = "images={0} cy={1} pixels={2}")
    @CsvSource({"3, 13, 10", "2, 16, 16", "1, 5, 1"})
    void packRowsPutsChannelsInPanels(int images, int cy, int pixels) {
        Random r = new Random(cy);
        int yOff = 3, apOff = 5, kt = images * pixels, cyPad = (cy + R - 1) / R * R;
        float[] y = Harness.random(r, yOff + images * cy * pixels + 2);
        float[] ap = new float[apOff + cyPad * kt + 3];
        float[] expected = ap.clone();
        for (int b = 0; b < images; b++)
            for (int c = 0; c < cyPad; c++)
                for (int q = 0; q < pixels; q++)
                    expected[apOff + ((c / R) * kt + b * pixels + q) * R + c % R] = c < cy ? y[yOff + (b * cy + c) * pixels + q] : 0f;
        Harness.runOnce(tg -> tg.task("t", CpuWgradKernels::packRows, y, yOff, ap, apOff, images * cyPad, cy, pixels, kt), ap, y);
        assertWritten("Ap", expected, ap, apOff, cyPad * kt);
    }

    @ParameterizedTest(name = "images={0} cx={1} {2}×{3} k={4} s={5} p={6}")
    @CsvSource({"2, 3, 7, 6, 3, 2, 1", "2, 4, 8, 8, 2, 2, 0", "1, 1, 5, 5, 3, 1, 1"})
    void im2colPanelsPutsTapsInPanels(int images, int cx, int hx, int wx, int k, int s, int p) {
        Random r = new Random(cx * 31L + hx);
        int hy = (hx + 2 * p - k) / s + 1, wy = (wx + 2 * p - k) / s + 1, pixels = hy * wy;
        int taps = cx * k * k, tapsPad = (taps + L - 1) / L * L, kt = images * pixels, xOff = 2, bpOff = 7;
        float[] x = Harness.random(r, xOff + images * cx * hx * wx + 3);
        float[] bp = new float[bpOff + tapsPad * kt + 4];
        float[] expected = bp.clone();
        for (int b = 0; b < images; b++)
            for (int t = 0; t < tapsPad; t++)
                for (int q = 0; q < pixels; q++) {
                    int c = t / (k * k), iy = q / wy * s - p + t / k % k, ix = q % wy * s - p + t % k;
                    boolean inside = t < taps && iy >= 0 && iy < hx && ix >= 0 && ix < wx;
                    expected[bpOff + ((t / L) * kt + b * pixels + q) * L + t % L] = inside ? x[xOff + ((b * cx + c) * hx + iy) * wx + ix] : 0f;
                }
        Harness.runOnce(tg -> tg.task("t", CpuWgradKernels::im2colPanels, x, xOff, bp, bpOff, images * tapsPad * hy,
                TornadoConvKernels.packDims(cx, hx, wx), TornadoConvKernels.packDims(1, hy, wy),
                TornadoConvKernels.packKernel(k, s, p), kt), bp, x);
        assertWritten("Bp", expected, bp, bpOff, tapsPad * kt);
    }

    @ParameterizedTest(name = "m={0} n={1} kt={2} per={3} accumulate={4} group={5}")
    @CsvSource({"13, 37, 30, 30, false, 1", "16, 32, 64, 64, true, 2", "24, 16, 50, 20, false, 1", "8, 21, 45, 15, true, 1",
            "40, 48, 33, 33, false, 4"})
    void gemmSumsPanelsInOrder(int m, int n, int kt, int per, boolean accumulate, int group) {
        Random r = new Random(m * 131L + n);
        int mPad = (m + R - 1) / R * R, nPad = (n + L - 1) / L * L, parts = (kt + per - 1) / per;
        int apOff = 3, bpOff = apOff + mPad * kt + 2, cOff = 4, size = m * n;
        float[] packed = Harness.random(r, bpOff + nPad * kt + 5);
        float[] c = Harness.random(r, cOff + parts * size + 6);
        float[] dummyBias = new float[1];   // the weight gradient has no epilogue; the kernel's bias is never read
        float[] expected = c.clone();
        for (int z = 0; z < parts; z++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    float acc = 0f;
                    for (int kk = z * per; kk < Math.min(z * per + per, kt); kk++)
                        acc += packed[apOff + ((i / R) * kt + kk) * R + i % R] * packed[bpOff + ((j / L) * kt + kk) * L + j % L];
                    int ci = cOff + z * size + i * n + j;
                    expected[ci] = (accumulate ? expected[ci] : 0f) + acc;
                }
        int rowGroups = (m + R * group - 1) / (R * group), colBlocks = (n + L - 1) / L;
        int mode = CpuGemmKernels.mode(accumulate, 0, TornadoActivations.ACT_IDENTITY, false, false, group);
        Harness.runOnce(tg -> tg.task("t", CpuPanelKernels::gemm, packed, apOff, bpOff, 0, per, dummyBias, 0, c, cOff, size, m, n, kt,
                per, parts, mode, 0f, rowGroups, colBlocks), c, packed, dummyBias);
        Harness.assertClose("panel GEMM", Arrays.copyOfRange(expected, cOff, cOff + parts * size),
                Arrays.copyOfRange(c, cOff, cOff + parts * size), 1e-5);
    }

    /**
     * The kernel's output range, exactly (a padding entry may hold -0). Not the whole array: TornadoVM does not copy
     * an array a kernel only writes to the device, so what lies outside the range comes back as the device's memory.
     */
    private static void assertWritten(String what, float[] expected, float[] actual, int from, int length) {
        Harness.assertClose(what, Arrays.copyOfRange(expected, from, from + length), Arrays.copyOfRange(actual, from, from + length), 0);
    }
}
