package tornadovae.kernels.tornado;

import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.Scalars;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * The step-plan ops as TornadoVM kernels: plain static methods over {@code float[]} arenas, each
 * operand an (array, offset) pair, one method per op kind. They define nothing: each is tested
 * against its reference loop in {@code tornadovae.kernels.ref}.
 *
 * <p>Rules that TornadoVM imposes and these kernels follow:
 * <ul>
 * <li>every int and float argument is frozen into the compiled kernel when the graph is built,
 *     so anything that changes per step (learning rate, bias corrections, KL weight) is read from
 *     the SCALARS array at the slots of {@link Scalars};</li>
 * <li>loop bounds are plain arguments (a product in the bound is passed pre-multiplied), so that
 *     TornadoVM can size the grid of a {@code @Parallel} loop;</li>
 * <li>no {@code @Reduce} (wrong sums on PoCL): a per-row sum is one work-item per row, the global
 *     norm is partial sums plus a combine task;</li>
 * <li><b>inputs first, the written array last</b>: the arenas mean that one task often gets the
 *     same array twice (a layer reads and writes ACTS). TornadoVM 5.2's graph builder makes a
 *     task depend on itself when an array it writes is passed again AFTER the written
 *     parameter, and then loops forever scheduling the graph (measured: a 100% CPU hang in
 *     TornadoVMGraphCompiler.scheduleAndEmitTornadoVMBytecodes). Reads of it after a write
 *     parameter are the trigger; reads before it are fine;</li>
 * <li>no loads behind a bounds test in the tiled GEMM: the index is clamped to a valid element
 *     first, then the value is masked, so no speculated load can leave the buffer.</li>
 * </ul>
 * Activations travel as the {@code int} codes below (the enum's ordinal), so that a frozen
 * constant selects the branch.
 */
public final class TornadoKernels {
    private TornadoKernels() {}

    /** Tile edge of the local-memory SGEMM: 16×16 work-items per group, two 16×16 tiles in local memory. */
    public static final int TS = 16;
    /** Partial sums of the global norm's first pass (work-items); the backend's scratch array holds them. */
    public static final int NORM_PARTS = 1024;

    public static final int ACT_IDENTITY = 0, ACT_RELU = 1, ACT_LEAKY_RELU = 2, ACT_SIGMOID = 3, ACT_TANH = 4;

    /** The int code a kernel receives for an activation. */
    public static int actCode(ActivationKind kind) {
        return switch (kind) {
            case IDENTITY -> ACT_IDENTITY;
            case RELU -> ACT_RELU;
            case LEAKY_RELU -> ACT_LEAKY_RELU;
            case SIGMOID -> ACT_SIGMOID;
            case TANH -> ACT_TANH;
        };
    }

    // ---------------------------------------------------------------- element-wise

    /** x[off .. off+n) = value */
    public static void fill(float[] x, int off, int n, float value) {
        for (@Parallel int i = 0; i < n; i++) x[off + i] = value;
    }

    /** out[r][c] += bias[c], flattened over rows·cols = total. */
    public static void biasAdd(float[] bias, int biasOff, float[] out, int outOff, int cols, int total) {
        for (@Parallel int i = 0; i < total; i++) out[outOff + i] += bias[biasOff + i % cols];
    }

    /** dbias[c] = Σ_r dout[r][c]: one work-item per column (no @Reduce). */
    public static void biasGrad(float[] dout, int doutOff, float[] dbias, int dbOff, int rows, int cols) {
        for (@Parallel int c = 0; c < cols; c++) {
            float acc = 0f;
            for (int r = 0; r < rows; r++) acc += dout[doutOff + r * cols + c];
            dbias[dbOff + c] = acc;
        }
    }

    static float activate(int kind, float slope, float x) {
        float y = x;
        if (kind == ACT_RELU) {
            y = x > 0f ? x : 0f;
        } else if (kind == ACT_LEAKY_RELU) {
            y = x > 0f ? x : slope * x;
        } else if (kind == ACT_SIGMOID) {
            y = 1f / (1f + TornadoMath.exp(-x));
        } else if (kind == ACT_TANH) {
            y = TornadoMath.tanh(x);
        }
        return y;
    }

    static float derivative(int kind, float slope, float y) {
        float d = 1f;
        if (kind == ACT_RELU) {
            d = y > 0f ? 1f : 0f;
        } else if (kind == ACT_LEAKY_RELU) {
            d = y > 0f ? 1f : slope;
        } else if (kind == ACT_SIGMOID) {
            d = y * (1f - y);
        } else if (kind == ACT_TANH) {
            d = 1f - y * y;
        }
        return d;
    }

    public static void actForward(float[] inp, int inpOff, float[] out, int outOff, int n, int kind, float slope) {
        for (@Parallel int i = 0; i < n; i++) out[outOff + i] = activate(kind, slope, inp[inpOff + i]);
    }

    /** dinp = dout · f'(out); dinp may alias dout (each work-item reads before it writes its own element). */
    public static void actBackward(float[] out, int outOff, float[] dout, int doutOff, float[] dinp, int dinpOff,
                                   int n, int kind, float slope) {
        for (@Parallel int i = 0; i < n; i++)
            dinp[dinpOff + i] = dout[doutOff + i] * derivative(kind, slope, out[outOff + i]);
    }

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

    /** dbias[c] = Σ_{n,p} dout[n][c][p]: one work-item per channel (no @Reduce). */
    public static void channelBiasGrad(float[] dout, int doutOff, float[] dbias, int dbOff, int batch, int channels, int plane) {
        for (@Parallel int c = 0; c < channels; c++) {
            float acc = 0f;
            for (int n = 0; n < batch; n++)
                for (int q = 0; q < plane; q++) acc += dout[doutOff + (n * channels + c) * plane + q];
            dbias[dbOff + c] = acc;
        }
    }

    /** dst[i] = src[srcOff + i] for i < n: the slice of OUT a plan reads back, gathered into a small array. */
    public static void copySlice(float[] src, int srcOff, float[] dst, int n) {
        for (@Parallel int i = 0; i < n; i++) dst[i] = src[srcOff + i];
    }

    /** out[i] = in[i % n] over total = copies·n elements. */
    public static void replicate(float[] in, int inOff, float[] out, int outOff, int n, int total) {
        for (@Parallel int i = 0; i < total; i++) out[outOff + i] = in[inOff + i % n];
    }

    /** out[i] = scale·Σ_k in[k·n + i]. */
    public static void sumCopies(float[] in, int inOff, float[] out, int outOff, int n, int copies, float scale) {
        for (@Parallel int i = 0; i < n; i++) {
            float acc = 0f;
            for (int k = 0; k < copies; k++) acc += in[inOff + k * n + i];
            out[outOff + i] = scale * acc;
        }
    }

    // ---------------------------------------------------------------- VAE

    /** z = mu + exp(logvar/2)·eps over total = batch·latent elements; muLogvar rows are [mu | logvar]. */
    public static void reparam(float[] ml, int mlOff, float[] eps, int epsOff, float[] z, int zOff, int latent, int total) {
        for (@Parallel int i = 0; i < total; i++) {
            int b = i / latent;
            int j = i - b * latent;
            int mu = mlOff + b * 2 * latent + j;
            z[zOff + i] = ml[mu] + TornadoMath.exp(0.5f * ml[mu + latent]) * eps[epsOff + i];
        }
    }

    /** d(mu) = dz, d(logvar) = dz·eps·exp(logvar/2)/2; overwrites dMuLogvar. */
    public static void reparamBackward(float[] dz, int dzOff, float[] ml, int mlOff, float[] eps, int epsOff,
                                       float[] dml, int dOff, int latent, int total) {
        for (@Parallel int i = 0; i < total; i++) {
            int b = i / latent;
            int j = i - b * latent;
            int mu = b * 2 * latent + j;
            float g = dz[dzOff + i];
            dml[dOff + mu] = g;
            dml[dOff + mu + latent] = g * eps[epsOff + i] * 0.5f * TornadoMath.exp(0.5f * ml[mlOff + mu + latent]);
        }
    }

    /** kl[b] = -1/2 Σ_j (1 + logvar - mu² - exp(logvar)): one work-item per sample. */
    public static void klForward(float[] ml, int mlOff, float[] kl, int klOff, int batch, int latent) {
        for (@Parallel int b = 0; b < batch; b++) {
            float acc = 0f;
            for (int j = 0; j < latent; j++) {
                float mu = ml[mlOff + b * 2 * latent + j];
                float lv = ml[mlOff + b * 2 * latent + latent + j];
                acc += 1f + lv - mu * mu - TornadoMath.exp(lv);
            }
            kl[klOff + b] = -0.5f * acc;
        }
    }

    /** Adds w·dKL: d(mu) += w·mu, d(logvar) += w·(exp(logvar) - 1)/2, w = sc[KL_WEIGHT]. */
    public static void klBackward(float[] ml, int mlOff, float[] sc, float[] dml, int dOff, int latent, int total) {
        for (@Parallel int i = 0; i < total; i++) {
            float w = sc[Scalars.KL_WEIGHT];
            int b = i / latent;
            int j = i - b * latent;
            int mu = b * 2 * latent + j;
            int lv = mu + latent;
            dml[dOff + mu] += w * ml[mlOff + mu];
            dml[dOff + lv] += w * 0.5f * (TornadoMath.exp(ml[mlOff + lv]) - 1f);
        }
    }

    /** klBackward for dimensions whose batch-mean KL is at least freeBits: one work-item per latent dimension. */
    public static void klBackwardFreeBits(float[] ml, int mlOff, float[] sc, float[] dml, int dOff, float freeBits,
                                          int batch, int latent) {
        for (@Parallel int j = 0; j < latent; j++) {
            float w = sc[Scalars.KL_WEIGHT];
            float kl = 0f;
            for (int b = 0; b < batch; b++) {
                float mu = ml[mlOff + b * 2 * latent + j];
                float lv = ml[mlOff + b * 2 * latent + latent + j];
                kl += -0.5f * (1f + lv - mu * mu - TornadoMath.exp(lv));
            }
            if (kl >= freeBits * batch) {
                for (int b = 0; b < batch; b++) {
                    int mu = b * 2 * latent + j;
                    int lv = mu + latent;
                    dml[dOff + mu] += w * ml[mlOff + mu];
                    dml[dOff + lv] += w * 0.5f * (TornadoMath.exp(ml[mlOff + lv]) - 1f);
                }
            }
        }
    }

    static float bceWithLogits(float x, float t) {
        return TornadoMath.max(x, 0f) - x * t + TornadoMath.log(1f + TornadoMath.exp(-TornadoMath.abs(x)));
    }

    /** perSample[b] = Σ_d wBce·BCE(x, t) + wMse·(sigmoid(x) - t)²: one work-item per sample. */
    public static void reconLoss(float[] logits, int lOff, float[] target, int tOff, float[] ps, int psOff,
                                 float wBce, float wMse, int batch, int dim) {
        for (@Parallel int b = 0; b < batch; b++) {
            float acc = 0f;
            for (int d = 0; d < dim; d++) {
                float x = logits[lOff + b * dim + d];
                float t = target[tOff + b * dim + d];
                float p = 1f / (1f + TornadoMath.exp(-x));
                acc += wBce * bceWithLogits(x, t) + wMse * (p - t) * (p - t);
            }
            ps[psOff + b] = acc;
        }
    }

    /** dlogits = wBce·(p - t) + wMse·2(p - t)·p(1 - p), p = sigmoid(logits); overwrites. */
    public static void reconLossBackward(float[] logits, int lOff, float[] target, int tOff, float[] dl, int dOff,
                                         float wBce, float wMse, int total) {
        for (@Parallel int i = 0; i < total; i++) {
            float p = 1f / (1f + TornadoMath.exp(-logits[lOff + i]));
            float t = target[tOff + i];
            dl[dOff + i] = wBce * (p - t) + wMse * 2f * (p - t) * p * (1f - p);
        }
    }

    // ---------------------------------------------------------------- optimiser

    /** First pass of the global norm: partial[g] = Σ x[i]² over i ≡ g (mod parts), strided so neighbours read neighbours. */
    public static void sumSquaresPartial(float[] x, int off, int n, float[] partial, int pOff, int parts) {
        for (@Parallel int g = 0; g < parts; g++) {
            float acc = 0f;
            for (int i = g; i < n; i += parts) {
                float v = x[off + i];
                acc += v * v;
            }
            partial[pOff + g] = acc;
        }
    }

    /** Second pass: out[outIdx] = sqrt(Σ partial), one work-item. */
    public static void sqrtOfSum(float[] partial, int pOff, int parts, float[] out, int outIdx) {
        for (@Parallel int t = 0; t < 1; t++) {
            float acc = 0f;
            for (int g = 0; g < parts; g++) acc += partial[pOff + g];
            out[outIdx] = TornadoMath.sqrt(acc);
        }
    }

    /** x *= min(1, maxNorm / (norm + 1e-6)), the norm read on the device from norm[normIdx]. */
    public static void clipByNorm(float[] norm, int normIdx, float[] x, int off, int n, float maxNorm) {
        for (@Parallel int i = 0; i < n; i++) {
            float coef = TornadoMath.min(1f, maxNorm / (norm[normIdx] + 1e-6f));
            x[off + i] *= coef;
        }
    }

    /** Adam (AdamW when weightDecay > 0); lr and bias corrections from SCALARS. See OptimRef.adam. */
    public static void adam(float[] g, int gOff, float[] sc, float[] p, int pOff, float[] m, int mOff, float[] v, int vOff,
                            int n, float beta1, float beta2, float eps, float weightDecay) {
        for (@Parallel int i = 0; i < n; i++) {
            float lr = sc[Scalars.LEARNING_RATE];
            float bc1 = sc[Scalars.ADAM_BC1];
            float bc2 = sc[Scalars.ADAM_BC2];
            float grad = g[gOff + i];
            float param = p[pOff + i] * (1f - lr * weightDecay);
            float mi = beta1 * m[mOff + i] + (1f - beta1) * grad;
            float vi = beta2 * v[vOff + i] + (1f - beta2) * grad * grad;
            m[mOff + i] = mi;
            v[vOff + i] = vi;
            p[pOff + i] = param - lr * (mi / bc1) / (TornadoMath.sqrt(vi / bc2) + eps);
        }
    }

    /**
     * Reads one element of each resident array, so that the upload graph allocates (and the
     * later graphs can consume) every one of them: an array no task touches gets no device buffer.
     */
    public static void touch(float[] p, float[] g, float[] m, float[] v, float[] acts, float[] out, float[] scratch) {
        for (@Parallel int t = 0; t < 1; t++) {
            scratch[0] = p[0];
            scratch[1] = g[0];
            scratch[2] = m[0];
            scratch[3] = v[0];
            scratch[4] = acts[0];
            scratch[5] = out[0];
        }
    }

    // ---------------------------------------------------------------- SGEMM
    //
    // C[m×n] = op(A)·op(B) (+ C when accumulate != 0). Both variants take strides instead of
    // transpose flags: op(A)[i][p] = a[aOff + i·sAi + p·sAp], op(B)[p][j] = b[bOff + p·sBp + j·sBj]
    // (see strides()), so one kernel serves NN, NT, TN and TT and the frozen strides fold.

    /** Strides {sAi, sAp, sBp, sBj} for MatmulRef.sgemm's storage conventions. */
    public static int[] strides(int m, int n, int k, boolean transA, boolean transB) {
        return new int[] {transA ? 1 : k, transA ? m : 1, transB ? 1 : n, transB ? k : 1};
    }

    /** Variant 1: one work-item per element of C, a 2-D @Parallel loop, k in registers. */
    public static void sgemmSimple(float[] a, int aOff, int sAi, int sAp, float[] b, int bOff, int sBp, int sBj,
                                   float[] c, int cOff, int m, int n, int k, int accumulate) {
        for (@Parallel int i = 0; i < m; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                float acc = 0f;
                for (int p = 0; p < k; p++) acc += a[aOff + i * sAi + p * sAp] * b[bOff + p * sBp + j * sBj];
                int ci = cOff + i * n + j;
                if (accumulate != 0) {
                    c[ci] = c[ci] + acc;
                } else {
                    c[ci] = acc;
                }
            }
        }
    }

    /**
     * Variant 2: TS×TS work-groups, each stages a TS×TS tile of op(A) and of op(B) in local
     * memory per step over k. Global size is (n, m) rounded up to TS (x runs over columns of C);
     * work-items outside C load zeros and skip the store but still reach every barrier.
     */
    public static void sgemmTiled(KernelContext ctx, float[] a, int aOff, int sAi, int sAp, float[] b, int bOff,
                                  int sBp, int sBj, float[] c, int cOff, int m, int n, int k, int accumulate) {
        int lx = ctx.localIdx;
        int ly = ctx.localIdy;
        int j = ctx.groupIdx * TS + lx;
        int i = ctx.groupIdy * TS + ly;
        float[] aTile = ctx.allocateFloatLocalArray(TS * TS);
        float[] bTile = ctx.allocateFloatLocalArray(TS * TS);
        boolean rowOk = i < m;
        boolean colOk = j < n;
        int iSafe = rowOk ? i : 0;
        int jSafe = colOk ? j : 0;
        float acc = 0f;
        int tiles = (k + TS - 1) / TS;
        for (int t = 0; t < tiles; t++) {
            int pa = t * TS + lx;
            int pb = t * TS + ly;
            boolean aOk = rowOk && pa < k;
            boolean bOk = colOk && pb < k;
            float av = a[aOff + iSafe * sAi + (aOk ? pa : 0) * sAp];
            float bv = b[bOff + (bOk ? pb : 0) * sBp + jSafe * sBj];
            aTile[ly * TS + lx] = aOk ? av : 0f;
            bTile[ly * TS + lx] = bOk ? bv : 0f;
            ctx.localBarrier();
            for (int q = 0; q < TS; q++) acc += aTile[ly * TS + q] * bTile[q * TS + lx];
            ctx.localBarrier();
        }
        if (rowOk && colOk) {
            int ci = cOff + i * n + j;
            if (accumulate != 0) {
                c[ci] = c[ci] + acc;
            } else {
                c[ci] = acc;
            }
        }
    }

    /** Rows of C per work-item in variant 3. */
    public static final int RB = 8;

    /**
     * Variant 3, for CPU OpenCL (PoCL vectorises ACROSS work-items of dimension 0): work-item
     * (j, rowBlock) computes RB rows of column j of C in registers. Neighbouring work-items read
     * neighbouring elements of op(B) (a vector load when B's columns are contiguous: NN and TN)
     * and the same elements of op(A) (one broadcast). Rows past m are clamped to m - 1 for the
     * loads and not stored. rowBlocks = ceil(m / RB).
     */
    public static void sgemmRows(float[] a, int aOff, int sAi, int sAp, float[] b, int bOff, int sBp, int sBj,
                                 float[] c, int cOff, int m, int n, int k, int accumulate, int rowBlocks) {
        for (@Parallel int j = 0; j < n; j++) {
            for (@Parallel int ib = 0; ib < rowBlocks; ib++) {
                int i0 = ib * RB;
                int r0 = aOff + i0 * sAi;
                int r1 = aOff + TornadoMath.min(i0 + 1, m - 1) * sAi;
                int r2 = aOff + TornadoMath.min(i0 + 2, m - 1) * sAi;
                int r3 = aOff + TornadoMath.min(i0 + 3, m - 1) * sAi;
                int r4 = aOff + TornadoMath.min(i0 + 4, m - 1) * sAi;
                int r5 = aOff + TornadoMath.min(i0 + 5, m - 1) * sAi;
                int r6 = aOff + TornadoMath.min(i0 + 6, m - 1) * sAi;
                int r7 = aOff + TornadoMath.min(i0 + 7, m - 1) * sAi;
                float c0 = 0f, c1 = 0f, c2 = 0f, c3 = 0f, c4 = 0f, c5 = 0f, c6 = 0f, c7 = 0f;
                for (int p = 0; p < k; p++) {
                    float bv = b[bOff + p * sBp + j * sBj];
                    int q = p * sAp;
                    c0 += a[r0 + q] * bv;
                    c1 += a[r1 + q] * bv;
                    c2 += a[r2 + q] * bv;
                    c3 += a[r3 + q] * bv;
                    c4 += a[r4 + q] * bv;
                    c5 += a[r5 + q] * bv;
                    c6 += a[r6 + q] * bv;
                    c7 += a[r7 + q] * bv;
                }
                int ci = cOff + i0 * n + j;
                if (accumulate != 0) {
                    c0 += c[ci];
                    if (i0 + 1 < m) c1 += c[ci + n];
                    if (i0 + 2 < m) c2 += c[ci + 2 * n];
                    if (i0 + 3 < m) c3 += c[ci + 3 * n];
                    if (i0 + 4 < m) c4 += c[ci + 4 * n];
                    if (i0 + 5 < m) c5 += c[ci + 5 * n];
                    if (i0 + 6 < m) c6 += c[ci + 6 * n];
                    if (i0 + 7 < m) c7 += c[ci + 7 * n];
                }
                c[ci] = c0;
                if (i0 + 1 < m) c[ci + n] = c1;
                if (i0 + 2 < m) c[ci + 2 * n] = c2;
                if (i0 + 3 < m) c[ci + 3 * n] = c3;
                if (i0 + 4 < m) c[ci + 4 * n] = c4;
                if (i0 + 5 < m) c[ci + 5 * n] = c5;
                if (i0 + 6 < m) c[ci + 6 * n] = c6;
                if (i0 + 7 < m) c[ci + 7 * n] = c7;
            }
        }
    }

    /** Rounds up to a multiple of TS (the tiled variant's global size). */
    public static int roundUp(int x) {
        return (x + TS - 1) / TS * TS;
    }
}
