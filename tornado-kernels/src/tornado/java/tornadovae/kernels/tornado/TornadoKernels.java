package tornadovae.kernels.tornado;

import tornadovae.kernels.plan.Scalars;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * The step-plan ops as TornadoVM kernels: plain static methods over {@code float[]} arenas, each
 * operand an (array, offset) pair, one method per op kind ({@link TornadoTasks} maps op types to them). They define nothing: each is tested
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
 * Activations travel as {@link TornadoActivations}' {@code int} codes, so that a frozen constant selects the
 * branch. Convolutions are in {@link TornadoConvKernels}, the SGEMMs in {@link TornadoSgemmKernels}.
 */
public final class TornadoKernels {
    private TornadoKernels() {}

    /**
     * Partial sums of the global norm's first pass (work-items); the backend's scratch array holds them. A GPU
     * wants thousands of work-items; on PoCL the CPU class's chunked pass ran fastest with {@link #NORM_PARTS_CPU}.
     */
    public static final int NORM_PARTS = 4096, NORM_PARTS_CPU = 1024;

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
    public static void touch(float[] p, float[] g, float[] m, float[] v, float[] acts, float[] out, float[] gemmScratch,
                             float[] colScratch, float[] scratch) {
        for (@Parallel int t = 0; t < 1; t++) {
            scratch[6] = gemmScratch[0];
            scratch[7] = colScratch[0];
            scratch[0] = p[0];
            scratch[1] = g[0];
            scratch[2] = m[0];
            scratch[3] = v[0];
            scratch[4] = acts[0];
            scratch[5] = out[0];
        }
    }

}
