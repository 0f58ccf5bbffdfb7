package tornadovae.kernels.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;

import static tornadovae.kernels.tornado.TornadoActivations.activate;
import static tornadovae.kernels.tornado.TornadoActivations.derivative;

/**
 * The kernels that turn a convolution into a GEMM on the device ({@link DeviceConv}): im2col, col2im and
 * the fixed-order sum of split-K parts. Names as in {@code ConvLowering}: a "wide" tensor X
 * [N][Cx][Hx][Wx], a "narrow" Y [N][Cy][Hy][Wy] = conv(X, W), K = Cx·k² taps, P = Hy·Wy pixels. Shapes
 * travel packed as in {@link TornadoConvKernels} ({@code packDims}, {@code packKernel}).
 */
public final class ConvGemmKernels {
    private ConvGemmKernels() {}

    /**
     * col[b][r][q] (or, when {@code transposed != 0}, col[b][q][r]) = X[b][c][y·s−p+i][x·s−p+j] (0 outside),
     * r = (c·k + i)·k + j, q = y·Wy + x, for the images b of the group; total = images·K·P.
     */
    public static void im2col(float[] x, int xOff, float[] col, int colOff, int total, int xDims, int yDims, int kps,
                              int transposed) {
        for (@Parallel int e = 0; e < total; e++) {
            int cx = xDims >> 20, hx = (xDims >> 10) & 1023, wx = xDims & 1023;
            int hy = (yDims >> 10) & 1023, wy = yDims & 1023;
            int k = kps & 255, s = (kps >> 8) & 255, p = kps >> 16;
            int taps = cx * k * k, pixels = hy * wy;
            int q, r, b;
            if (transposed != 0) {
                r = e % taps;
                q = (e / taps) % pixels;
            } else {
                q = e % pixels;
                r = (e / pixels) % taps;
            }
            b = e / (taps * pixels);
            int j = r % k, i = (r / k) % k, c = r / (k * k);
            int iy = (q / wy) * s - p + i, ix = (q % wy) * s - p + j;
            boolean inside = iy >= 0 && iy < hx && ix >= 0 && ix < wx;
            // clamp first, then mask: no load outside X even where the compiler speculates it
            int src = xOff + ((b * cx + c) * hx + (inside ? iy : 0)) * wx + (inside ? ix : 0);
            float v = x[src];
            col[colOff + e] = inside ? v : 0f;
        }
    }

    /**
     * X[b][c][u][v] = epilogue(Σ col[b][(c·k + i)·k + j][y·Wy + x] over u = y·s−p+i, v = x·s−p+j), a gather
     * (no atomics); total = images·Cx·Hx·Wx. Epilogue by {@code mode}: 0 none; 1 + bias[c] then f
     * (a ConvTranspose2d's forward); 2 times f'(src at the same index) (an input gradient's derivative epilogue).
     */
    public static void col2im(float[] col, int colOff, float[] aux, int auxOff, float[] x, int xOff, int total, int xDims,
                              int yDims, int kps, int mode, int act, float slope) {
        for (@Parallel int e = 0; e < total; e++) {
            int cx = xDims >> 20, hx = (xDims >> 10) & 1023, wx = xDims & 1023;
            int hy = (yDims >> 10) & 1023, wy = yDims & 1023;
            int k = kps & 255, s = (kps >> 8) & 255, p = kps >> 16;
            int v = e % wx, u = (e / wx) % hx, c = (e / (wx * hx)) % cx, b = e / (wx * hx * cx);
            int pixels = hy * wy;
            int base = colOff + (b * cx + c) * k * k * pixels;
            float acc = 0f;
            for (int i = 0; i < k; i++) {
                int ty = u + p - i;
                int y = ty / s;
                if (ty >= 0 && ty % s == 0 && y < hy) {
                    for (int j = 0; j < k; j++) {
                        int tx = v + p - j;
                        int xx = tx / s;
                        if (tx >= 0 && tx % s == 0 && xx < wy) acc += col[base + (i * k + j) * pixels + y * wy + xx];
                    }
                }
            }
            if (mode == 1) {
                acc = activate(act, slope, acc + aux[auxOff + c]);
            } else if (mode == 2) {
                acc = acc * derivative(act, slope, aux[auxOff + e]);
            }
            x[xOff + e] = acc;
        }
    }

    /**
     * The split-K parts summed in order: C[i][j] = act((accumulate ? C : 0) + Σ_s parts[s·m·n + i·n + j] + bias),
     * {@code mode} as {@link CpuGemmKernels#mode} (its transpose bits unused); total = m·n.
     */
    public static void sumParts(float[] parts, float[] bias, int biasOff, float[] c, int cOff, int total, int n, int splits,
                                int mode, float slope) {
        for (@Parallel int e = 0; e < total; e++) {
            float acc = 0f;
            for (int s = 0; s < splits; s++) acc += parts[s * total + e];
            if ((mode & 1) != 0) acc = c[cOff + e] + acc;
            int biasMode = (mode >> 1) & 3;
            if (biasMode == 1) {
                acc += bias[biasOff + e / n];
            } else if (biasMode == 2) {
                acc += bias[biasOff + e % n];
            }
            c[cOff + e] = activate((mode >> 3) & 7, slope, acc);
        }
    }
}
