package tornadovae.kernels.tornado;

import java.util.Arrays;
import java.util.Random;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;


/**
 * The CPU family's panel kernels for a convolution's per-image GEMMs ({@link CpuPanelKernels}) one at a time against
 * plain loops: the packs of W and Wᵀ (rows past m), of Y's rows and of im2col (pixels that do not fill the last panel,
 * padding, strides), and the GEMM over several images with bias, activation, row groups and edges of m and n. The
 * ops as a whole are checked against the reference in {@code TornadoConvTest} and {@code Rgb128LayersTest}.
 */
class CpuPanelTest {
    private static final int R = CpuPanelKernels.R, L = CpuPanelKernels.L;

    @ParameterizedTest(name = "m={0} k={1} transposed={2}")
    @CsvSource({"13, 10, false", "16, 7, true", "5, 3, true", "32, 48, false"})
    void packAPutsRowsInPanels(int m, int k, boolean transposed) {
        Random r = new Random(m * 7L + k);
        int aOff = 3, apOff = 5, mPad = (m + R - 1) / R * R;
        int sAi = transposed ? 1 : k, sAp = transposed ? m : 1;
        float[] a = Harness.random(r, aOff + m * k + 2);
        float[] ap = new float[apOff + mPad * k + 3];
        float[] expected = ap.clone();
        for (int i = 0; i < mPad; i++)
            for (int p = 0; p < k; p++)
                expected[apOff + ((i / R) * k + p) * R + i % R] = a[aOff + Math.min(i, m - 1) * sAi + p * sAp];
        Harness.runOnce(tg -> tg.task("t", CpuPanelKernels::packA, a, aOff, sAi, sAp, ap, apOff, mPad / R * k, m, k), ap, a);
        assertWritten("Ap", expected, ap, apOff, mPad * k, null);
    }

    @ParameterizedTest(name = "images={0} k={1} n={2}")
    @CsvSource({"3, 5, 20", "2, 4, 16", "1, 3, 7", "2, 9, 49"})
    void packRowsPutsColumnsInPanels(int images, int k, int n) {
        Random r = new Random(n * 13L + k);
        int bOff = 2, bpOff = 4, nb = (n + L - 1) / L;
        float[] b = Harness.random(r, bOff + images * k * n + 3);
        float[] bp = new float[bpOff + images * nb * L * k + 2];
        float[] expected = bp.clone();
        boolean[] written = new boolean[bp.length];
        for (int z = 0; z < images; z++)
            for (int p = 0; p < k; p++)
                for (int j = 0; j < n; j++) {
                    int at = bpOff + ((z * nb + j / L) * k + p) * L + j % L;
                    expected[at] = b[bOff + (z * k + p) * n + j];
                    written[at] = true;
                }
        Harness.runOnce(tg -> tg.task("t", CpuPanelKernels::packRows, b, bOff, bp, bpOff, images * k, k, n), bp, b);
        assertWritten("Bp", expected, bp, 0, bp.length, written);
    }

    @ParameterizedTest(name = "images={0} cx={1} {2}×{3} k={4} s={5} p={6}")
    @CsvSource({"2, 3, 7, 6, 3, 2, 1", "2, 4, 8, 8, 2, 2, 0", "1, 1, 5, 5, 3, 1, 1", "1, 2, 34, 34, 4, 2, 1"})
    void im2colPanelsPutsPixelsInPanels(int images, int cx, int hx, int wx, int k, int s, int p) {
        Random r = new Random(cx * 31L + hx);
        int hy = (hx + 2 * p - k) / s + 1, wy = (wx + 2 * p - k) / s + 1, pixels = hy * wy, nb = (pixels + L - 1) / L;
        int taps = cx * k * k, xOff = 2, bpOff = 7;
        float[] x = Harness.random(r, xOff + images * cx * hx * wx + 3);
        float[] bp = new float[bpOff + images * nb * L * taps + 4];
        float[] expected = bp.clone();
        boolean[] written = new boolean[bp.length];
        for (int b = 0; b < images; b++)
            for (int t = 0; t < taps; t++)
                for (int q = 0; q < nb * L; q++) {   // lanes past the last pixel are written as 0
                    int c = t / (k * k), iy = q / wy * s - p + t / k % k, ix = q % wy * s - p + t % k;
                    boolean inside = q < pixels && iy >= 0 && iy < hx && ix >= 0 && ix < wx;
                    int at = bpOff + ((b * nb + q / L) * taps + t) * L + q % L;
                    expected[at] = inside ? x[xOff + ((b * cx + c) * hx + iy) * wx + ix] : 0f;
                    written[at] = true;
                }
        Harness.runOnce(tg -> tg.task("t", CpuPanelKernels::im2colPanelLines, x, xOff, bp, bpOff, images * nb * cx,
                TornadoConvKernels.packDims(cx, hx, wx), TornadoConvKernels.packDims(1, hy, wy),
                TornadoConvKernels.packKernel(k, s, p)), bp, x);
        assertWritten("Bp", expected, bp, 0, bp.length, written);
    }

    @ParameterizedTest(name = "m={0} n={1} k={2} images={3} biasMode={4} group={5} accumulate={6}")
    @CsvSource({"13, 37, 30, 2, 1, 1, false", "16, 32, 64, 1, 0, 2, true", "24, 16, 50, 3, 1, 1, false",
            "3, 21, 45, 2, 2, 1, false", "40, 7, 33, 2, 1, 4, true", "8, 16, 1, 1, 0, 1, false"})
    void gemmMultipliesPanelsPerImage(int m, int n, int k, int images, int biasMode, int group, boolean accumulate) {
        Random r = new Random(m * 131L + n);
        int mPad = (m + R - 1) / R * R, nPad = (n + L - 1) / L * L;
        int bpOff = 3, sBz = nPad * k + 1, apOff = bpOff + images * sBz + 2, cOff = 4, sCz = m * n + 3, biasOff = 1;
        float[] packed = Harness.random(r, apOff + mPad * k + 5);
        float[] bias = Harness.random(r, biasOff + Math.max(m, n) + 1);
        float[] c = Harness.random(r, cOff + images * sCz + 6);
        float slope = 0.1f;
        int act = TornadoActivations.code(tornadovae.kernels.ActivationKind.LEAKY_RELU);
        float[] expected = c.clone();
        for (int z = 0; z < images; z++)
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++) {
                    float acc = 0f;
                    for (int p = 0; p < k; p++)
                        acc += packed[apOff + ((i / R) * k + p) * R + i % R] * packed[bpOff + z * sBz + ((j / L) * k + p) * L + j % L];
                    int ci = cOff + z * sCz + i * n + j;
                    float v = (accumulate ? expected[ci] : 0f) + acc;
                    if (biasMode != 0) v = TornadoActivations.activate(act, slope, v + bias[biasOff + (biasMode == 1 ? i : j)]);
                    expected[ci] = v;
                }
        int rowGroups = (m + R * group - 1) / (R * group), colBlocks = (n + L - 1) / L;
        int mode = CpuGemmKernels.mode(accumulate, biasMode, biasMode != 0 ? act : TornadoActivations.ACT_IDENTITY, false, false, group);
        Harness.runOnce(tg -> tg.task("t", CpuPanelKernels::gemm, packed, apOff, bpOff, sBz, 0, bias, biasOff, c, cOff, sCz, m, n, k, k,
                images, mode, slope, rowGroups, colBlocks), c, packed, bias);
        Harness.assertClose("panel GEMM", expected, c, 1e-5);
    }

    /**
     * The entries the kernel writes, exactly. Not the whole array: TornadoVM does not copy an array a kernel only
     * writes to the device, so what it leaves comes back as the device's memory ({@code written} null: all of the range).
     */
    private static void assertWritten(String what, float[] expected, float[] actual, int from, int length, boolean[] written) {
        float[] e = Arrays.copyOfRange(expected, from, from + length), a = Arrays.copyOfRange(actual, from, from + length);
        if (written != null)
            for (int i = 0; i < length; i++) if (!written[from + i]) a[i] = e[i];
        Harness.assertClose(what, e, a, 0);
    }
}
