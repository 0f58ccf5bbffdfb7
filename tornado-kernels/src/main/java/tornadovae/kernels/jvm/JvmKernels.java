package tornadovae.kernels.jvm;

import jdk.incubator.vector.FloatVector;
import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.ConvGeometry;
import tornadovae.kernels.plan.Fusion;
import tornadovae.kernels.plan.HostBackend;
import tornadovae.kernels.plan.Kernels;
import tornadovae.kernels.ref.ConvRef;
import tornadovae.kernels.ref.VaeRef;

import java.util.Arrays;

import static tornadovae.kernels.jvm.ConvLowering.NO_ARRAY;

/**
 * The JVM backend's fast schedules: the packed Vector API {@link Sgemm} and vectorised element-wise
 * ops, large ones split over one persistent {@link WorkerPool}. Allocation-free after warm-up.
 * This class is the {@link Kernels} face; the ops live in {@link ElementwiseOps}, {@link ReconLoss},
 * {@link Optimiser} and {@link ConvLowering}, each parallel op with its own task object that holds
 * the current call's operands.
 *
 * Every split is by fixed-size chunks (or rows) whose result does not depend on which thread ran
 * them, and reductions combine per-chunk partials in chunk order, so results are bit-identical for
 * any thread count. Not thread-safe: one call at a time, as a step plan runs.
 */
public final class JvmKernels implements Kernels, AutoCloseable {

    /** Element-wise work is split in chunks of this many elements (64 KB of floats). */
    static final int CHUNK = 16 * 1024;
    /** Below this many elements an op runs on the calling thread: waking workers would cost more. */
    static final int PARALLEL_MIN = 48 * 1024;

    private final WorkerPool pool;
    private final Sgemm sgemm;
    private final ConvLowering conv;
    private final ElementwiseOps elementwise;
    private final ReconLoss recon;
    private final Optimiser optimiser;

    /** Kernels over {@code threads} threads, the caller included. */
    public JvmKernels(int threads) {
        this.pool = new WorkerPool(threads);
        this.sgemm = new Sgemm(pool);
        this.conv = new ConvLowering(pool, sgemm);
        this.elementwise = new ElementwiseOps(pool);
        float[][] laneScratch =   // per worker: vector lanes summed in a fixed order
                new float[threads][FloatVector.SPECIES_PREFERRED.length()];
        this.recon = new ReconLoss(pool, laneScratch);
        this.optimiser = new Optimiser(pool, laneScratch);
    }

    /** Kernels over all available processors. */
    public JvmKernels() { this(Runtime.getRuntime().availableProcessors()); }

    public static JvmKernels create(int threads) { return new JvmKernels(threads); }

    /** The col2im way for every X from Y instead of SubPixelConv where it applies: for tests and side-by-side timing. */
    void subPixelConv(boolean on) { conv.subPixelOn = on; }

    /** Y from X in groups sized by the scratch instead of wide ones: for side-by-side timing. */
    void wideConvGroups(boolean on) { conv.wideGroups(on); }

    /** The JVM backend: these kernels over {@code threads} threads, with every {@link Fusion} rule (it has each fused kernel). */
    public static HostBackend backend(int threads) { return new HostBackend("jvm", new JvmKernels(threads), Fusion.ALL); }

    public int threads() { return pool.threads(); }

    /** Releases the pool's threads; calls made afterwards run on the calling thread alone. */
    @Override
    public void close() { pool.close(); }

    /** The number of CHUNK-element chunks of n elements. */
    static int chunks(int n) { return (n + CHUNK - 1) / CHUNK; }

    // ---- dense algebra ----

    @Override
    public void fill(float[] x, int off, int n, float value) { Arrays.fill(x, off, off + n, value); }

    @Override
    public void sgemm(float[] c, int cOff, float[] a, int aOff, float[] b, int bOff,
                      int m, int n, int k, boolean transA, boolean transB, boolean accumulate) {
        sgemm.sgemm(c, cOff, a, aOff, b, bOff, m, n, k, transA, transB, accumulate);
    }

    @Override
    public void biasAdd(float[] out, int outOff, float[] bias, int biasOff, int rows, int cols) {
        elementwise.biasAdd(out, outOff, bias, biasOff, rows, cols);
    }

    @Override
    public void biasGrad(float[] dbias, int dbOff, float[] dout, int doutOff, int rows, int cols) {
        elementwise.biasGrad(dbias, dbOff, dout, doutOff, rows, cols);
    }

    // ---- activations (the loops are JvmActivations') ----

    @Override
    public void actForward(ActivationKind kind, float slope, float[] out, int outOff, float[] inp, int inpOff, int n) {
        elementwise.actForward(kind, slope, out, outOff, inp, inpOff, n);
    }

    /** dinp = dout · f'(src) on the calling thread (a multiply a lane is memory-bound); dinp may be dout. */
    @Override
    public void actBackward(ActivationKind kind, float slope, float[] dinp, int dinpOff, float[] src, int srcOff,
                            float[] dout, int doutOff, int n) {
        JvmActivations.of(kind).backward(slope, dinp, dinpOff, src, srcOff, dout, doutOff, n);
    }

    // ---- VAE head: [B][2L] blocks of a few thousand floats, plain loops ----

    @Override
    public void reparamForward(float[] z, int zOff, float[] ml, int mlOff, float[] eps, int epsOff, int batch, int latent) {
        VaeRef.reparamForward(z, zOff, ml, mlOff, eps, epsOff, batch, latent);
    }

    @Override
    public void reparamBackward(float[] dml, int dOff, float[] dz, int dzOff, float[] ml, int mlOff, float[] eps, int epsOff,
                                int batch, int latent) {
        VaeRef.reparamBackward(dml, dOff, dz, dzOff, ml, mlOff, eps, epsOff, batch, latent);
    }

    @Override
    public void klForward(float[] kl, int klOff, float[] ml, int mlOff, int batch, int latent) {
        VaeRef.klForward(kl, klOff, ml, mlOff, batch, latent);
    }

    @Override
    public void klBackward(float[] dml, int dOff, float[] ml, int mlOff, float weight, int batch, int latent) {
        VaeRef.klBackward(dml, dOff, ml, mlOff, weight, batch, latent);
    }

    /** B×L work with a reduction over the batch per dimension: too small to be worth threads. */
    @Override
    public void klBackwardFreeBits(float[] dml, int dOff, float[] ml, int mlOff, float weight, float freeBits, int batch, int latent) {
        VaeRef.klBackwardFreeBits(dml, dOff, ml, mlOff, weight, freeBits, batch, latent);
    }

    // ---- reconstruction loss: the hottest element-wise op (B×D logits per step) ----

    @Override
    public void reconForward(float[] perSample, int psOff, float[] logits, int lOff, float[] target, int tOff,
                             float wBce, float wMse, int batch, int dim) {
        recon.forward(perSample, psOff, logits, lOff, target, tOff, wBce, wMse, batch, dim);
    }

    @Override
    public void reconBackward(float[] dlogits, int dOff, float[] logits, int lOff, float[] target, int tOff,
                              float wBce, float wMse, int batch, int dim) {
        recon.backward(dlogits, dOff, logits, lOff, target, tOff, wBce, wMse, batch, dim);
    }

    // ---- optimiser side: one arena of ~650K floats per step ----

    /** Σx² over fixed chunks into per-chunk double partials, summed in chunk order: any thread count, same bits. */
    @Override
    public void globalNorm(float[] out, int outIdx, float[] x, int off, int n) {
        optimiser.globalNorm(out, outIdx, x, off, n);
    }

    @Override
    public void clipByNorm(float[] x, int off, int n, float norm, float maxNorm) {
        optimiser.clipByNorm(x, off, n, norm, maxNorm);
    }

    @Override
    public void adam(float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, int n,
                     float lr, float beta1, float beta2, float eps, float weightDecay, float bc1, float bc2) {
        optimiser.adam(p, pOff, g, gOff, m, mOff, v, vOff, n, lr, beta1, beta2, eps, weightDecay, bc1, bc2);
    }

    /** globalNorm and adam in one pass over g (see Optimiser.normAndAdam). */
    @Override
    public void normAndAdam(float[] normOut, int normIdx, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff,
                            float[] v, int vOff, int n, float lr, float beta1, float beta2, float eps, float weightDecay,
                            float bc1, float bc2) {
        optimiser.normAndAdam(normOut, normIdx, p, pOff, g, gOff, m, mOff, v, vOff, n, lr, beta1, beta2, eps, weightDecay, bc1, bc2);
    }

    // ---- convolutions: im2col + SGEMM (ConvLowering) ----

    // The plain ops are the fused ones with no epilogue (IDENTITY: ConvLowering.finish leaves the values alone).

    @Override
    public void conv2d(float[] out, int outOff, float[] in, int inOff, float[] w, int wOff, float[] bias, int biasOff,
                       float[] col, int colOff, int colLen, ConvGeometry g) {
        conv2d(out, outOff, in, inOff, w, wOff, bias, biasOff, col, colOff, colLen, g, ActivationKind.IDENTITY, 0f);
    }

    @Override
    public void conv2d(float[] out, int outOff, float[] in, int inOff, float[] w, int wOff, float[] bias, int biasOff,
                       float[] col, int colOff, int colLen, ConvGeometry g, ActivationKind act, float slope) {
        conv.epilogue(act, slope, NO_ARRAY, 0, outOff);
        conv.yFromX(out, outOff, in, inOff, w, wOff, bias, biasOff, col, colOff, colLen, g, false);
    }

    @Override
    public void conv2dInputGrad(float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w, int wOff,
                                float[] col, int colOff, int colLen, ConvGeometry g) {
        conv2dInputGrad(dIn, dInOff, dOut, dOutOff, w, wOff, col, colOff, colLen, g, ActivationKind.IDENTITY, 0f, NO_ARRAY, 0);
    }

    @Override
    public void conv2dInputGrad(float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w, int wOff,
                                float[] col, int colOff, int colLen, ConvGeometry g,
                                ActivationKind act, float slope, float[] actSrc, int actSrcOff) {
        conv.epilogue(act, slope, actSrc, actSrcOff, dInOff);
        conv.xFromY(dIn, dInOff, dOut, dOutOff, w, wOff, null, 0, col, colOff, colLen, g, false);
    }

    @Override
    public void conv2dWeightGrad(float[] dW, int dWOff, float[] dOut, int dOutOff, float[] in, int inOff,
                                 float[] col, int colOff, int colLen, ConvGeometry g) {
        conv.weightGrad(dW, dWOff, dOut, dOutOff, in, inOff, col, colOff, colLen, g, false);
    }

    @Override
    public void convTranspose2d(float[] out, int outOff, float[] in, int inOff, float[] w, int wOff, float[] bias, int biasOff,
                                float[] col, int colOff, int colLen, ConvGeometry g) {
        convTranspose2d(out, outOff, in, inOff, w, wOff, bias, biasOff, col, colOff, colLen, g, ActivationKind.IDENTITY, 0f);
    }

    @Override
    public void convTranspose2d(float[] out, int outOff, float[] in, int inOff, float[] w, int wOff, float[] bias, int biasOff,
                                float[] col, int colOff, int colLen, ConvGeometry g, ActivationKind act, float slope) {
        conv.epilogue(act, slope, NO_ARRAY, 0, outOff);
        conv.xFromY(out, outOff, in, inOff, w, wOff, bias, biasOff, col, colOff, colLen, g, true);
    }

    @Override
    public void convTranspose2dInputGrad(float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w, int wOff,
                                         float[] col, int colOff, int colLen, ConvGeometry g) {
        convTranspose2dInputGrad(dIn, dInOff, dOut, dOutOff, w, wOff, col, colOff, colLen, g,
                ActivationKind.IDENTITY, 0f, NO_ARRAY, 0);
    }

    @Override
    public void convTranspose2dInputGrad(float[] dIn, int dInOff, float[] dOut, int dOutOff, float[] w, int wOff,
                                         float[] col, int colOff, int colLen, ConvGeometry g,
                                         ActivationKind act, float slope, float[] actSrc, int actSrcOff) {
        conv.epilogue(act, slope, actSrc, actSrcOff, dInOff);
        conv.yFromX(dIn, dInOff, dOut, dOutOff, w, wOff, null, 0, col, colOff, colLen, g, true);
    }

    @Override
    public void convTranspose2dWeightGrad(float[] dW, int dWOff, float[] dOut, int dOutOff, float[] in, int inOff,
                                          float[] col, int colOff, int colLen, ConvGeometry g) {
        conv.weightGrad(dW, dWOff, in, inOff, dOut, dOutOff, col, colOff, colLen, g, true);
    }

    /** Per channel, its planes summed in double (see ElementwiseOps.channelBiasGrad). */
    @Override
    public void channelBiasGrad(float[] dbias, int dbOff, float[] dout, int doutOff, int batch, int channels, int plane) {
        elementwise.channelBiasGrad(dbias, dbOff, dout, doutOff, batch, channels, plane);
    }

    @Override
    public void replicate(float[] out, int outOff, float[] in, int inOff, int n, int copies) {
        for (int k = 0; k < copies; k++) System.arraycopy(in, inOff, out, outOff + k * n, n);
    }

    @Override
    public void sumCopies(float[] out, int outOff, float[] in, int inOff, int n, int copies, float scale) {
        ConvRef.sumCopies(out, outOff, in, inOff, n, copies, scale);
    }
}
