package tornadovae.kernels.ref;

import tornadovae.kernels.plan.ConvGeometry;

/**
 * Convolutions as the plainest direct loops, NCHW, accumulated in double: the specification.
 * Conv2d weights are [outC][inC][k][k] and ConvTranspose2d weights [inC][outC][k][k], as in PyTorch.
 * Every output element is a gather (no scatter), so each loop says exactly what one number is.
 */
public final class ConvRef {
    private ConvRef() {}

    /** out[n][o][y][x] = bias[o] + Σ_{c,i,j} in[n][c][y·s−p+i][x·s−p+j]·w[o][c][i][j] (zero outside). */
    public static void conv2d(float[] out, int outOff, float[] in, int inOff, float[] w, int wOff,
                              float[] bias, int biasOff, ConvGeometry g) {
        int k = g.kernel();
        for (int n = 0; n < g.batch(); n++)
            for (int o = 0; o < g.outC(); o++)
                for (int y = 0; y < g.outH(); y++)
                    for (int x = 0; x < g.outW(); x++) {
                        double acc = bias == null ? 0 : bias[biasOff + o];
                        for (int c = 0; c < g.inC(); c++)
                            for (int i = 0; i < k; i++) {
                                int iy = y * g.stride() - g.pad() + i;
                                if (iy < 0 || iy >= g.inH()) continue;
                                for (int j = 0; j < k; j++) {
                                    int ix = x * g.stride() - g.pad() + j;
                                    if (ix < 0 || ix >= g.inW()) continue;
                                    acc += (double) in[inOff + ((n * g.inC() + c) * g.inH() + iy) * g.inW() + ix]
                                            * w[wOff + ((o * g.inC() + c) * k + i) * k + j];
                                }
                            }
                        out[outOff + ((n * g.outC() + o) * g.outH() + y) * g.outW() + x] = (float) acc;
                    }
    }

    /** dIn[n][c][a][b] = Σ over every (o, y, x, i, j) with a = y·s−p+i, b = x·s−p+j of dOut[n][o][y][x]·w[o][c][i][j]. */
    public static void conv2dInputGrad(float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w, int wOff, ConvGeometry g) {
        int k = g.kernel(), s = g.stride();
        for (int n = 0; n < g.batch(); n++)
            for (int c = 0; c < g.inC(); c++)
                for (int a = 0; a < g.inH(); a++)
                    for (int b = 0; b < g.inW(); b++) {
                        double acc = 0;
                        for (int o = 0; o < g.outC(); o++)
                            for (int i = 0; i < k; i++) {
                                int ty = a + g.pad() - i;
                                if (ty < 0 || ty % s != 0 || ty / s >= g.outH()) continue;
                                for (int j = 0; j < k; j++) {
                                    int tx = b + g.pad() - j;
                                    if (tx < 0 || tx % s != 0 || tx / s >= g.outW()) continue;
                                    acc += (double) dOut[dOutOff + ((n * g.outC() + o) * g.outH() + ty / s) * g.outW() + tx / s]
                                            * w[wOff + ((o * g.inC() + c) * k + i) * k + j];
                                }
                            }
                        dIn[dInOff + ((n * g.inC() + c) * g.inH() + a) * g.inW() + b] = (float) acc;
                    }
    }

    /** dW[o][c][i][j] = Σ_{n,y,x} dOut[n][o][y][x]·in[n][c][y·s−p+i][x·s−p+j]. */
    public static void conv2dWeightGrad(float[] dW, int dWOff, float[] dOut, int dOutOff, float[] in, int inOff, ConvGeometry g) {
        int k = g.kernel();
        for (int o = 0; o < g.outC(); o++)
            for (int c = 0; c < g.inC(); c++)
                for (int i = 0; i < k; i++)
                    for (int j = 0; j < k; j++) {
                        double acc = 0;
                        for (int n = 0; n < g.batch(); n++)
                            for (int y = 0; y < g.outH(); y++) {
                                int iy = y * g.stride() - g.pad() + i;
                                if (iy < 0 || iy >= g.inH()) continue;
                                for (int x = 0; x < g.outW(); x++) {
                                    int ix = x * g.stride() - g.pad() + j;
                                    if (ix < 0 || ix >= g.inW()) continue;
                                    acc += (double) dOut[dOutOff + ((n * g.outC() + o) * g.outH() + y) * g.outW() + x]
                                            * in[inOff + ((n * g.inC() + c) * g.inH() + iy) * g.inW() + ix];
                                }
                            }
                        dW[dWOff + ((o * g.inC() + c) * k + i) * k + j] = (float) acc;
                    }
    }

    /** out[n][o][y][x] = bias[o] + Σ over (c, a, b, i, j) with y = a·s−p+i, x = b·s−p+j of in[n][c][a][b]·w[c][o][i][j]. */
    public static void convTranspose2d(float[] out, int outOff, float[] in, int inOff, float[] w, int wOff,
                                       float[] bias, int biasOff, ConvGeometry g) {
        int k = g.kernel(), s = g.stride();
        for (int n = 0; n < g.batch(); n++)
            for (int o = 0; o < g.outC(); o++)
                for (int y = 0; y < g.outH(); y++)
                    for (int x = 0; x < g.outW(); x++) {
                        double acc = bias == null ? 0 : bias[biasOff + o];
                        for (int c = 0; c < g.inC(); c++)
                            for (int i = 0; i < k; i++) {
                                int ty = y + g.pad() - i;
                                if (ty < 0 || ty % s != 0 || ty / s >= g.inH()) continue;
                                for (int j = 0; j < k; j++) {
                                    int tx = x + g.pad() - j;
                                    if (tx < 0 || tx % s != 0 || tx / s >= g.inW()) continue;
                                    acc += (double) in[inOff + ((n * g.inC() + c) * g.inH() + ty / s) * g.inW() + tx / s]
                                            * w[wOff + ((c * g.outC() + o) * k + i) * k + j];
                                }
                            }
                        out[outOff + ((n * g.outC() + o) * g.outH() + y) * g.outW() + x] = (float) acc;
                    }
    }

    /** dIn[n][c][a][b] = Σ_{o,i,j} dOut[n][o][a·s−p+i][b·s−p+j]·w[c][o][i][j] (zero outside). */
    public static void convTranspose2dInputGrad(float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w, int wOff,
                                                ConvGeometry g) {
        int k = g.kernel();
        for (int n = 0; n < g.batch(); n++)
            for (int c = 0; c < g.inC(); c++)
                for (int a = 0; a < g.inH(); a++)
                    for (int b = 0; b < g.inW(); b++) {
                        double acc = 0;
                        for (int o = 0; o < g.outC(); o++)
                            for (int i = 0; i < k; i++) {
                                int y = a * g.stride() - g.pad() + i;
                                if (y < 0 || y >= g.outH()) continue;
                                for (int j = 0; j < k; j++) {
                                    int x = b * g.stride() - g.pad() + j;
                                    if (x < 0 || x >= g.outW()) continue;
                                    acc += (double) dOut[dOutOff + ((n * g.outC() + o) * g.outH() + y) * g.outW() + x]
                                            * w[wOff + ((c * g.outC() + o) * k + i) * k + j];
                                }
                            }
                        dIn[dInOff + ((n * g.inC() + c) * g.inH() + a) * g.inW() + b] = (float) acc;
                    }
    }

    /** dW[c][o][i][j] = Σ_{n,a,b} in[n][c][a][b]·dOut[n][o][a·s−p+i][b·s−p+j]. */
    public static void convTranspose2dWeightGrad(float[] dW, int dWOff, float[] dOut, int dOutOff, float[] in, int inOff,
                                                 ConvGeometry g) {
        int k = g.kernel();
        for (int c = 0; c < g.inC(); c++)
            for (int o = 0; o < g.outC(); o++)
                for (int i = 0; i < k; i++)
                    for (int j = 0; j < k; j++) {
                        double acc = 0;
                        for (int n = 0; n < g.batch(); n++)
                            for (int a = 0; a < g.inH(); a++) {
                                int y = a * g.stride() - g.pad() + i;
                                if (y < 0 || y >= g.outH()) continue;
                                for (int b = 0; b < g.inW(); b++) {
                                    int x = b * g.stride() - g.pad() + j;
                                    if (x < 0 || x >= g.outW()) continue;
                                    acc += (double) in[inOff + ((n * g.inC() + c) * g.inH() + a) * g.inW() + b]
                                            * dOut[dOutOff + ((n * g.outC() + o) * g.outH() + y) * g.outW() + x];
                                }
                            }
                        dW[dWOff + ((c * g.outC() + o) * k + i) * k + j] = (float) acc;
                    }
    }

    /** dbias[c] = Σ_{n,p} dout[n][c][p], NCHW with plane = H·W (overwrites). */
    public static void channelBiasGrad(float[] dbias, int dbOff, float[] dout, int doutOff, int batch, int channels, int plane) {
        for (int c = 0; c < channels; c++) {
            double acc = 0;
            for (int n = 0; n < batch; n++)
                for (int p = 0; p < plane; p++) acc += dout[doutOff + (n * channels + c) * plane + p];
            dbias[dbOff + c] = (float) acc;
        }
    }

    /** out[k][i] = in[i] for k < copies, in of n elements. */
    public static void replicate(float[] out, int outOff, float[] in, int inOff, int n, int copies) {
        for (int k = 0; k < copies; k++)
            for (int i = 0; i < n; i++) out[outOff + k * n + i] = in[inOff + i];
    }

    /** out[i] = scale·Σ_k in[k][i] (overwrites), out of n elements. */
    public static void sumCopies(float[] out, int outOff, float[] in, int inOff, int n, int copies, float scale) {
        for (int i = 0; i < n; i++) {
            double acc = 0;
            for (int k = 0; k < copies; k++) acc += in[inOff + k * n + i];
            out[outOff + i] = (float) (scale * acc);
        }
    }
}
