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
     * r = (c·k + i)·k + j, q = y·Wy + x, for the images b of the group. One work-item per output row of one tap,
     * (image, tap r, y), writes that row's Wy pixels: the index arithmetic once a row. (One work-item per element
     * spent ~9 ns an element on it on PoCL, ten times as long.) rows = images·K·Hy.
     */
    public static void im2colRows(float[] x, int xOff, float[] col, int colOff, int rows, int xDims, int yDims, int kps,
                                  int transposed) {
        for (@Parallel int e = 0; e < rows; e++) {
            int cx = xDims >> 20, hx = (xDims >> 10) & 1023, wx = xDims & 1023;
            int hy = (yDims >> 10) & 1023, wy = yDims & 1023;
            int k = kps & 255, s = (kps >> 8) & 255, p = kps >> 16;
            int taps = cx * k * k, pixels = hy * wy;
            int y = e % hy, r = (e / hy) % taps, b = e / (hy * taps);
            int j = r % k, i = (r / k) % k, c = r / (k * k);
            int iy = y * s - p + i;
            boolean rowInside = iy >= 0 && iy < hx;
            int src = xOff + ((b * cx + c) * hx + (rowInside ? iy : 0)) * wx;
            int dst = transposed != 0 ? colOff + (b * pixels + y * wy) * taps + r : colOff + (b * taps + r) * pixels + y * wy;
            int step = transposed != 0 ? taps : 1;
            for (int xx = 0; xx < wy; xx++) {
                int ix = xx * s - p + j;
                boolean inside = rowInside && ix >= 0 && ix < wx;
                float v = x[src + (inside ? ix : 0)];
                col[dst + xx * step] = inside ? v : 0f;
            }
        }
    }

    /**
     * X[b][c][u][v] = epilogue(Σ col[b][(c·k + i)·k + j][y·Wy + x] over u = y·s−p+i, v = x·s−p+j), a gather
     * (no atomics), one work-item per row of X (image, channel, u); rows = images·Cx·Hx. Epilogue by {@code mode}:
     * 0 none; 1 + bias[c] then f (a ConvTranspose2d's forward); 2 times f'(aux at the same index as X) (an input
     * gradient's derivative epilogue).
     */
    public static void col2imRows(float[] col, int colOff, float[] aux, int auxOff, float[] x, int xOff, int rows, int xDims,
                                  int yDims, int kps, int mode, int act, float slope) {
        for (@Parallel int e = 0; e < rows; e++) {
            int cx = xDims >> 20, hx = (xDims >> 10) & 1023, wx = xDims & 1023;
            int hy = (yDims >> 10) & 1023, wy = yDims & 1023;
            int k = kps & 255, s = (kps >> 8) & 255, p = kps >> 16;
            int u = e % hx, c = (e / hx) % cx, b = e / (hx * cx);
            int pixels = hy * wy;
            int base = colOff + (b * cx + c) * k * k * pixels;
            for (int v = 0; v < wx; v++) {
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
                int at = e * wx + v;
                if (mode == 1) {
                    acc = activate(act, slope, acc + aux[auxOff + c]);
                } else if (mode == 2) {
                    acc = acc * derivative(act, slope, aux[auxOff + at]);
                }
                x[xOff + at] = acc;
            }
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
