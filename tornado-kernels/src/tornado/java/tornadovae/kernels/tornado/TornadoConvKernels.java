package tornadovae.kernels.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;

import static tornadovae.kernels.tornado.TornadoActivations.activate;
import static tornadovae.kernels.tornado.TornadoActivations.derivative;

/** The convolution ops as TornadoVM kernels (see {@link TornadoKernels} for the rules every kernel follows). */
public final class TornadoConvKernels {
    private TornadoConvKernels() {}

    // ---------------------------------------------------------------- convolutions
    // Direct convolutions, one work-item per output element, each a gather (no atomics), in the
    // reference's loop order. Shapes travel packed (c<<20 | h<<10 | w and k | s<<8 | p<<16) so a
    // kernel keeps few arguments; they are constants of the compiled kernel, so unpacking is free.
    // act and slope are the op's epilogue (Epilogue): a forward stores f(acc), an input gradient
    // acc·f'(actOut); ACT_IDENTITY stores acc (f(x) = x, f' = 1; actOut is then any array, unread in effect).

    /** Packs a C×H×W shape; see {@link #fitsPacking}. */
    public static int packDims(int c, int h, int w) { return c << 20 | h << 10 | w; }

    public static int packKernel(int k, int s, int p) { return k | s << 8 | p << 16; }

    /** Channels below 2048, sides below 1024, kernel, stride and padding below 256. */
    public static boolean fitsPacking(int c, int h, int w, int k, int s, int p) {
        return c < 2048 && h < 1024 && w < 1024 && k < 256 && s < 256 && p < 256;
    }

    /** Conv2d: out[n][o][y][x] = bias[o] + Σ in[n][c][y·s−p+i][x·s−p+j]·w[o][c][i][j]; total = N·O·OH·OW. */
    public static void conv2d(float[] in, int inOff, float[] w, int wOff, float[] bias, int biasOff, float[] out, int outOff,
                              int total, int inDims, int outDims, int kps, int act, float slope) {
        for (@Parallel int e = 0; e < total; e++) {
            int inC = inDims >> 20, inH = (inDims >> 10) & 1023, inW = inDims & 1023;
            int outC = outDims >> 20, outH = (outDims >> 10) & 1023, outW = outDims & 1023;
            int k = kps & 255, s = (kps >> 8) & 255, p = kps >> 16;
            int x = e % outW, y = (e / outW) % outH, o = (e / (outW * outH)) % outC, n = e / (outW * outH * outC);
            float acc = bias[biasOff + o];
            for (int c = 0; c < inC; c++) {
                for (int i = 0; i < k; i++) {
                    int iy = y * s - p + i;
                    if (iy >= 0 && iy < inH) {
                        for (int j = 0; j < k; j++) {
                            int ix = x * s - p + j;
                            if (ix >= 0 && ix < inW)
                                acc += in[inOff + ((n * inC + c) * inH + iy) * inW + ix] * w[wOff + ((o * inC + c) * k + i) * k + j];
                        }
                    }
                }
            }
            out[outOff + e] = activate(act, slope, acc);
        }
    }

    /** Conv2d input gradient: dIn[n][c][a][b] = Σ dOut[n][o][(a+p−i)/s][(b+p−j)/s]·w[o][c][i][j] where divisible; total = N·C·H·W. */
    public static void conv2dInputGrad(float[] dOut, int dOutOff, float[] w, int wOff, float[] actOut, int actOutOff,
                                       float[] dIn, int dInOff, int total, int inDims, int outDims, int kps,
                                       int act, float slope) {
        for (@Parallel int e = 0; e < total; e++) {
            int inC = inDims >> 20, inH = (inDims >> 10) & 1023, inW = inDims & 1023;
            int outC = outDims >> 20, outH = (outDims >> 10) & 1023, outW = outDims & 1023;
            int k = kps & 255, s = (kps >> 8) & 255, p = kps >> 16;
            int b = e % inW, a = (e / inW) % inH, c = (e / (inW * inH)) % inC, n = e / (inW * inH * inC);
            float acc = 0f;
            for (int o = 0; o < outC; o++) {
                for (int i = 0; i < k; i++) {
                    int ty = a + p - i;
                    if (ty >= 0 && ty % s == 0 && ty / s < outH) {
                        for (int j = 0; j < k; j++) {
                            int tx = b + p - j;
                            if (tx >= 0 && tx % s == 0 && tx / s < outW)
                                acc += dOut[dOutOff + ((n * outC + o) * outH + ty / s) * outW + tx / s]
                                        * w[wOff + ((o * inC + c) * k + i) * k + j];
                        }
                    }
                }
            }
            dIn[dInOff + e] = acc * derivative(act, slope, actOut[actOutOff + e]);
        }
    }

    /** Conv2d weight gradient: dW[o][c][i][j] = Σ_{n,y,x} dOut[n][o][y][x]·in[n][c][y·s−p+i][x·s−p+j]; total = O·C·k². */
    public static void conv2dWeightGrad(float[] dOut, int dOutOff, float[] in, int inOff, float[] dW, int dWOff,
                                        int total, int batch, int inDims, int outDims, int kps) {
        for (@Parallel int e = 0; e < total; e++) {
            int inC = inDims >> 20, inH = (inDims >> 10) & 1023, inW = inDims & 1023;
            int outC = outDims >> 20, outH = (outDims >> 10) & 1023, outW = outDims & 1023;
            int k = kps & 255, s = (kps >> 8) & 255, p = kps >> 16;
            int j = e % k, i = (e / k) % k, c = (e / (k * k)) % inC, o = e / (k * k * inC);
            float acc = 0f;
            for (int n = 0; n < batch; n++) {
                for (int y = 0; y < outH; y++) {
                    int iy = y * s - p + i;
                    if (iy >= 0 && iy < inH) {
                        for (int x = 0; x < outW; x++) {
                            int ix = x * s - p + j;
                            if (ix >= 0 && ix < inW)
                                acc += dOut[dOutOff + ((n * outC + o) * outH + y) * outW + x]
                                        * in[inOff + ((n * inC + c) * inH + iy) * inW + ix];
                        }
                    }
                }
            }
            dW[dWOff + e] = acc;
        }
    }

    /** ConvTranspose2d: out[n][o][y][x] = bias[o] + Σ in[n][c][(y+p−i)/s][(x+p−j)/s]·w[c][o][i][j] where divisible. */
    public static void convTranspose2d(float[] in, int inOff, float[] w, int wOff, float[] bias, int biasOff, float[] out,
                                       int outOff, int total, int inDims, int outDims, int kps, int act, float slope) {
        for (@Parallel int e = 0; e < total; e++) {
            int inC = inDims >> 20, inH = (inDims >> 10) & 1023, inW = inDims & 1023;
            int outC = outDims >> 20, outH = (outDims >> 10) & 1023, outW = outDims & 1023;
            int k = kps & 255, s = (kps >> 8) & 255, p = kps >> 16;
            int x = e % outW, y = (e / outW) % outH, o = (e / (outW * outH)) % outC, n = e / (outW * outH * outC);
            float acc = bias[biasOff + o];
            for (int c = 0; c < inC; c++) {
                for (int i = 0; i < k; i++) {
                    int ty = y + p - i;
                    if (ty >= 0 && ty % s == 0 && ty / s < inH) {
                        for (int j = 0; j < k; j++) {
                            int tx = x + p - j;
                            if (tx >= 0 && tx % s == 0 && tx / s < inW)
                                acc += in[inOff + ((n * inC + c) * inH + ty / s) * inW + tx / s]
                                        * w[wOff + ((c * outC + o) * k + i) * k + j];
                        }
                    }
                }
            }
            out[outOff + e] = activate(act, slope, acc);
        }
    }

    /** ConvTranspose2d input gradient: dIn[n][c][a][b] = Σ dOut[n][o][a·s−p+i][b·s−p+j]·w[c][o][i][j]; total = N·C·H·W. */
    public static void convTranspose2dInputGrad(float[] dOut, int dOutOff, float[] w, int wOff, float[] actOut,
                                                int actOutOff, float[] dIn, int dInOff, int total, int inDims,
                                                int outDims, int kps, int act, float slope) {
        for (@Parallel int e = 0; e < total; e++) {
            int inC = inDims >> 20, inH = (inDims >> 10) & 1023, inW = inDims & 1023;
            int outC = outDims >> 20, outH = (outDims >> 10) & 1023, outW = outDims & 1023;
            int k = kps & 255, s = (kps >> 8) & 255, p = kps >> 16;
            int b = e % inW, a = (e / inW) % inH, c = (e / (inW * inH)) % inC, n = e / (inW * inH * inC);
            float acc = 0f;
            for (int o = 0; o < outC; o++) {
                for (int i = 0; i < k; i++) {
                    int y = a * s - p + i;
                    if (y >= 0 && y < outH) {
                        for (int j = 0; j < k; j++) {
                            int x = b * s - p + j;
                            if (x >= 0 && x < outW)
                                acc += dOut[dOutOff + ((n * outC + o) * outH + y) * outW + x]
                                        * w[wOff + ((c * outC + o) * k + i) * k + j];
                        }
                    }
                }
            }
            dIn[dInOff + e] = acc * derivative(act, slope, actOut[actOutOff + e]);
        }
    }

    /** ConvTranspose2d weight gradient: dW[c][o][i][j] = Σ_{n,a,b} in[n][c][a][b]·dOut[n][o][a·s−p+i][b·s−p+j]; total = C·O·k². */
    public static void convTranspose2dWeightGrad(float[] dOut, int dOutOff, float[] in, int inOff, float[] dW, int dWOff,
                                                 int total, int batch, int inDims, int outDims, int kps) {
        for (@Parallel int e = 0; e < total; e++) {
            int inC = inDims >> 20, inH = (inDims >> 10) & 1023, inW = inDims & 1023;
            int outC = outDims >> 20, outH = (outDims >> 10) & 1023, outW = outDims & 1023;
            int k = kps & 255, s = (kps >> 8) & 255, p = kps >> 16;
            int j = e % k, i = (e / k) % k, o = (e / (k * k)) % outC, c = e / (k * k * outC);
            float acc = 0f;
            for (int n = 0; n < batch; n++) {
                for (int a = 0; a < inH; a++) {
                    int y = a * s - p + i;
                    if (y >= 0 && y < outH) {
                        for (int b = 0; b < inW; b++) {
                            int x = b * s - p + j;
                            if (x >= 0 && x < outW)
                                acc += in[inOff + ((n * inC + c) * inH + a) * inW + b]
                                        * dOut[dOutOff + ((n * outC + o) * outH + y) * outW + x];
                        }
                    }
                }
            }
            dW[dWOff + e] = acc;
        }
    }
}
