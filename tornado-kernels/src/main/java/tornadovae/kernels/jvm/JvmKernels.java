package tornadovae.kernels.jvm;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.ConvGeometry;
import tornadovae.kernels.plan.Fusion;
import tornadovae.kernels.plan.HostBackend;
import tornadovae.kernels.plan.Kernels;
import tornadovae.kernels.ref.ConvRef;
import tornadovae.kernels.ref.VaeRef;

import java.util.Arrays;

import static tornadovae.kernels.jvm.ConvLowering.NO_ARRAY;
import static tornadovae.kernels.jvm.VectorMath.*;

/**
 * The JVM backend's fast schedules: the packed Vector API {@link Sgemm} and vectorised element-wise
 * ops, large ones split over one persistent {@link WorkerPool}. Allocation-free after warm-up.
 *
 * Every split is by fixed-size chunks (or rows) whose result does not depend on which thread ran
 * them, and reductions combine per-chunk partials in chunk order, so results are bit-identical for
 * any thread count. Not thread-safe: one call at a time, as a step plan runs.
 */
public final class JvmKernels implements Kernels, AutoCloseable {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;
    private static final VectorSpecies<Double> D4 = DoubleVector.SPECIES_256;
    private static final int L = F.length();

    // VectorMath's polynomial coefficients as vectors (constants: no per-call boxes).
    private static final FloatVector VE2 = FloatVector.broadcast(F, E2), VE3 = FloatVector.broadcast(F, E3),
            VE4 = FloatVector.broadcast(F, E4), VE5 = FloatVector.broadcast(F, E5);
    private static final FloatVector VL2 = FloatVector.broadcast(F, L2), VL3 = FloatVector.broadcast(F, L3),
            VL4 = FloatVector.broadcast(F, L4), VL5 = FloatVector.broadcast(F, L5), VL6 = FloatVector.broadcast(F, L6),
            VL7 = FloatVector.broadcast(F, L7), VL8 = FloatVector.broadcast(F, L8);

    /** Element-wise work is split in chunks of this many elements (64 KB of floats). */
    static final int CHUNK = 16 * 1024;
    /** Below this many elements an op runs on the calling thread: waking workers would cost more. */
    static final int PARALLEL_MIN = 48 * 1024;

    private final WorkerPool pool;
    private final Sgemm sgemm;
    private final ConvLowering conv;
    private double[] partials = new double[64];
    private final float[][] laneScratch;          // per worker: vector lanes summed in a fixed order

    // The arguments of the current element-wise call, read by its tasks (published by the pool).
    private float[] x0 = NO_ARRAY, x1 = NO_ARRAY, x2 = NO_ARRAY, x3 = NO_ARRAY;   // never null: see ConvLowering.NO_ARRAY
    private int o0, o1, o2, o3, count, cols;
    private int perTask;                          // rows (runRows) or elements (activations) of one task: see runRows
    private float f0, f1, f2, f3, f4, f5, f6;
    private boolean withNorm;                     // adam's chunks also write globalNorm's partials (normAndAdam)
    private final WorkerPool.Task adamTask = this::adamChunk;
    private final WorkerPool.Task normTask = this::normChunk;
    private final WorkerPool.Task channelSumTask = this::channelSum;
    private int chPlane;
    private final WorkerPool.Task scaleTask = this::scaleChunk;
    private final WorkerPool.Task reconForwardTask = this::reconForwardRows;
    private final WorkerPool.Task reconBackwardTask = this::reconBackwardRows;
    private JvmActivations.Loops activation;     // actForward's, while its chunks run
    private float actSlope;
    private final WorkerPool.Task activationTask = (index, worker) -> activationChunk(index);

    /** Kernels over {@code threads} threads, the caller included. */
    public JvmKernels(int threads) {
        this.pool = new WorkerPool(threads);
        this.sgemm = new Sgemm(pool);
        this.conv = new ConvLowering(pool, sgemm);
        this.laneScratch = new float[threads][L];
    }

    /** Kernels over all available processors. */
    public JvmKernels() { this(Runtime.getRuntime().availableProcessors()); }

    public static JvmKernels create(int threads) { return new JvmKernels(threads); }

    /** The JVM backend: these kernels over {@code threads} threads, with every {@link Fusion} rule (it has each fused kernel). */
    public static HostBackend backend(int threads) { return new HostBackend("jvm", new JvmKernels(threads), Fusion.ALL); }

    public int threads() { return pool.threads(); }

    /** Releases the pool's threads; calls made afterwards run on the calling thread alone. */
    @Override
    public void close() { pool.close(); }

    private static int chunks(int n) { return (n + CHUNK - 1) / CHUNK; }

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
        int vecEnd = F.loopBound(cols);
        for (int r = 0; r < rows; r++) {
            int row = outOff + r * cols;
            int c = 0;
            for (; c < vecEnd; c += L)
                FloatVector.fromArray(F, out, row + c).add(FloatVector.fromArray(F, bias, biasOff + c)).intoArray(out, row + c);
            for (; c < cols; c++) out[row + c] += bias[biasOff + c];
        }
    }

    /** Column sums in double, rows in order: the reference's own arithmetic, so the same bits. */
    @Override
    public void biasGrad(float[] dbias, int dbOff, float[] dout, int doutOff, int rows, int cols) {
        int c = 0;
        for (; c + 8 <= cols; c += 8) {
            DoubleVector lo = DoubleVector.zero(D4), hi = DoubleVector.zero(D4);
            for (int r = 0, i = doutOff + c; r < rows; r++, i += cols) {
                lo = lo.add(FloatVector.fromArray(F4, dout, i).convertShape(VectorOperators.F2D, D4, 0));
                hi = hi.add(FloatVector.fromArray(F4, dout, i + 4).convertShape(VectorOperators.F2D, D4, 0));
            }
            ((FloatVector) lo.convertShape(VectorOperators.D2F, F4, 0)).intoArray(dbias, dbOff + c);
            ((FloatVector) hi.convertShape(VectorOperators.D2F, F4, 0)).intoArray(dbias, dbOff + c + 4);
        }
        for (; c < cols; c++) {
            double acc = 0;
            for (int r = 0; r < rows; r++) acc += dout[doutOff + r * cols + c];
            dbias[dbOff + c] = (float) acc;
        }
    }

    // ---- activations (the loops are JvmActivations') ----

    @Override
    public void actForward(ActivationKind kind, float slope, float[] out, int outOff, float[] inp, int inpOff, int n) {
        JvmActivations.Loops loops = JvmActivations.of(kind);
        if (!loops.heavy() || n < PARALLEL_MIN) {
            loops.forward(slope, out, outOff, inp, inpOff, n);
            return;
        }
        // Dozens of operations an element: worth splitting. Lanes and tails agree bit for bit, so any split gives the same result.
        activation = loops; actSlope = slope;
        x0 = out; o0 = outOff; x1 = inp; o1 = inpOff; count = n;
        try {
            pool.forEach(chunks(n), activationTask);
        } finally {
            x0 = x1 = NO_ARRAY;
            activation = null;
        }
    }

    private void activationChunk(int index) {
        int start = index * CHUNK, n = Math.min(CHUNK, count - start);
        activation.forward(actSlope, x0, o0 + start, x1, o1 + start, n);
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
        x0 = perSample; o0 = psOff; x1 = logits; o1 = lOff; x2 = target; o2 = tOff;
        f0 = wBce; f1 = wMse; count = batch; cols = dim;
        runRows(batch, dim, reconForwardTask);
    }

    @Override
    public void reconBackward(float[] dlogits, int dOff, float[] logits, int lOff, float[] target, int tOff,
                              float wBce, float wMse, int batch, int dim) {
        x0 = dlogits; o0 = dOff; x1 = logits; o1 = lOff; x2 = target; o2 = tOff;
        f0 = wBce; f1 = wMse; count = batch; cols = dim;
        runRows(batch, dim, reconBackwardTask);
    }

    /**
     * Runs task over groups of perTask rows of about CHUNK elements (one group per task), or all rows
     * as one group. The choice is made here, not in the tasks (the activations do the same): the
     * evaluation's small last batch is the first to take the unsplit way, and a test for it inside a
     * task made C2 throw away the task's compiled code after epoch 1 (an unstable_if trap), leaving the
     * loss to run its Vector API code unintrinsified for over a second until C2 compiled it again.
     */
    private void runRows(int rows, int dim, WorkerPool.Task task) {
        try {
            if ((long) rows * dim < PARALLEL_MIN) {
                perTask = rows;
                task.run(0, 0);
            } else {
                perTask = rowsPerTask(dim);
                pool.forEach((rows + perTask - 1) / perTask, task);
            }
        } finally {
            x0 = x1 = x2 = x3 = NO_ARRAY;
        }
    }

    private int rowsPerTask(int dim) { return Math.max(1, CHUNK / Math.max(1, dim)); }

    /** Rows [r0, r1) of task `index`; the whole batch when the op runs unsplit. VectorMath.reconLoss written out. */
    private void reconForwardRows(int index, int worker) {
        int dim = cols, step = perTask;
        int r0 = index * step, r1 = Math.min(count, r0 + step);
        float[] ps = x0, logits = x1, target = x2, lanes = laneScratch[worker];
        float wBce = f0, wMse = f1;
        int vecEnd = F.loopBound(dim);
        for (int row = r0; row < r1; row++) {
            int lRow = o1 + row * dim, tRow = o2 + row * dim;
            double total = 0;
            // Float lanes, flushed to double every 32 vectors in a fixed lane order (not reduceLanes:
            // its order is unspecified, and these sums must not depend on the JIT).
            for (int d = 0; d < vecEnd; ) {
                int blockEnd = Math.min(vecEnd, d + 32 * L);
                FloatVector acc = FloatVector.zero(F);
                for (; d < blockEnd; d += L) {
                    FloatVector x = FloatVector.fromArray(F, logits, lRow + d), t = FloatVector.fromArray(F, target, tRow + d);
                    // e = exp(-|x|): VectorMath.expNonPositive; it gives both the stable BCE term and the sigmoid.
                    FloatVector xn = x.abs().neg(), xc = xn.max(EXP_MIN);
                    FloatVector n = xc.mul(LOG2E).add(ROUND_MAGIC).sub(ROUND_MAGIC);
                    FloatVector r = xc.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
                    FloatVector q = r.fma(E0, E1).fma(r, VE2).fma(r, VE3).fma(r, VE4).fma(r, VE5);
                    q = q.fma(r.mul(r), r).add(1f);
                    FloatVector scale = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
                    FloatVector e = q.mul(scale).blend(0f, xn.compare(VectorOperators.LT, EXP_MIN));
                    // log(1 + e): VectorMath.log1pUnit
                    FloatVector u = e.add(1f);
                    VectorMask<Float> high = u.compare(VectorOperators.GT, SQRT2);
                    FloatVector lx = u.blend(u.mul(0.5f), high).sub(1f), k = FloatVector.zero(F).blend(1f, high), z = lx.mul(lx);
                    FloatVector p = lx.fma(L0, L1).fma(lx, VL2).fma(lx, VL3).fma(lx, VL4).fma(lx, VL5)
                            .fma(lx, VL6).fma(lx, VL7).fma(lx, VL8);
                    FloatVector y = p.mul(lx).mul(z).add(k.mul(LN2_LO)).sub(z.mul(0.5f));
                    FloatVector log1p = lx.add(y).add(k.mul(LN2_HI));
                    FloatVector loss = x.max(0f).sub(x.mul(t)).add(log1p).mul(wBce);
                    if (wMse != 0f) {
                        FloatVector inv = FloatVector.broadcast(F, 1f).div(e.add(1f));
                        FloatVector diff = inv.mul(e).blend(inv, x.compare(VectorOperators.GE, 0f)).sub(t);
                        loss = loss.add(diff.mul(diff).mul(wMse));
                    }
                    acc = acc.add(loss);
                }
                acc.intoArray(lanes, 0);
                for (int l = 0; l < L; l++) total += lanes[l];
            }
            for (int d = vecEnd; d < dim; d++) total += VectorMath.reconLoss(logits[lRow + d], target[tRow + d], wBce, wMse);
            ps[o0 + row] = (float) total;
        }
    }

    /** VectorMath.reconGrad written out. */
    private void reconBackwardRows(int index, int worker) {
        int dim = cols, step = perTask;
        int r0 = index * step, r1 = Math.min(count, r0 + step);
        float[] dl = x0, logits = x1, target = x2;
        float wBce = f0, twoMse = 2f * f1;
        int start = r0 * dim, end = r1 * dim;
        int vecEnd = start + F.loopBound(end - start);
        for (int i = start; i < vecEnd; i += L) {
            FloatVector x = FloatVector.fromArray(F, logits, o1 + i), t = FloatVector.fromArray(F, target, o2 + i);
            // e = exp(-|x|): VectorMath.expNonPositive
            FloatVector xn = x.abs().neg(), xc = xn.max(EXP_MIN);
            FloatVector n = xc.mul(LOG2E).add(ROUND_MAGIC).sub(ROUND_MAGIC);
            FloatVector r = xc.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
            FloatVector q = r.fma(E0, E1).fma(r, VE2).fma(r, VE3).fma(r, VE4).fma(r, VE5);
            q = q.fma(r.mul(r), r).add(1f);
            FloatVector scale = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector e = q.mul(scale).blend(0f, xn.compare(VectorOperators.LT, EXP_MIN));
            FloatVector inv = FloatVector.broadcast(F, 1f).div(e.add(1f));
            FloatVector p = inv.mul(e).blend(inv, x.compare(VectorOperators.GE, 0f));
            FloatVector diff = p.sub(t);
            FloatVector g = diff.mul(wBce);
            if (twoMse != 0f) g = g.add(diff.mul(p).mul(FloatVector.broadcast(F, 1f).sub(p)).mul(twoMse));
            g.intoArray(dl, o0 + i);
        }
        for (int i = vecEnd; i < end; i++) dl[o0 + i] = VectorMath.reconGrad(logits[o1 + i], target[o2 + i], wBce, twoMse);
    }

    // ---- optimiser side: one arena of ~650K floats per step ----

    /** Σx² over fixed chunks into per-chunk double partials, summed in chunk order: any thread count, same bits. */
    @Override
    public void globalNorm(float[] out, int outIdx, float[] x, int off, int n) {
        int chunks = chunks(n);
        if (partials.length < chunks) partials = new double[chunks];
        x0 = x; o0 = off; count = n;
        try {
            if (n < PARALLEL_MIN) for (int c = 0; c < chunks; c++) normChunk(c, 0);
            else pool.forEach(chunks, normTask);
        } finally {
            x0 = NO_ARRAY;
        }
        double sum = 0;
        for (int c = 0; c < chunks; c++) sum += partials[c];
        out[outIdx] = (float) Math.sqrt(sum);
    }

    private void normChunk(int index, int worker) {
        partials[index] = sumOfSquares(x0, o0 + index * CHUNK, o0 + Math.min(count, (index + 1) * CHUNK), laneScratch[worker]);
    }

    /** Σ x[i]² over [start, end), in a fixed order: a chunk's partial of globalNorm (and of normAndAdam). */
    private static double sumOfSquares(float[] x, int start, int end, float[] lanes) {
        int i = start;
        double sum = 0;
        // Four float accumulators, flushed to double every 16 products per lane in a fixed lane order.
        while (i + 4 * L <= end) {
            int blockEnd = Math.min(end - 4 * L + 1, i + 16 * 4 * L);
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (; i < blockEnd; i += 4 * L) {
                FloatVector v0 = FloatVector.fromArray(F, x, i), v1 = FloatVector.fromArray(F, x, i + L);
                FloatVector v2 = FloatVector.fromArray(F, x, i + 2 * L), v3 = FloatVector.fromArray(F, x, i + 3 * L);
                a0 = v0.fma(v0, a0);
                a1 = v1.fma(v1, a1);
                a2 = v2.fma(v2, a2);
                a3 = v3.fma(v3, a3);
            }
            a0.add(a1).add(a2.add(a3)).intoArray(lanes, 0);
            for (int l = 0; l < L; l++) sum += lanes[l];
        }
        for (; i < end; i++) sum += (double) x[i] * x[i];
        return sum;
    }

    @Override
    public void clipByNorm(float[] x, int off, int n, float norm, float maxNorm) {
        float coef = Math.min(1f, maxNorm / (norm + 1e-6f));
        if (coef == 1f) return;                  // x·1 is x exactly
        x0 = x; o0 = off; count = n; f0 = coef;
        try {
            if (n < PARALLEL_MIN) for (int c = 0; c < chunks(n); c++) scaleChunk(c, 0);
            else pool.forEach(chunks(n), scaleTask);
        } finally {
            x0 = NO_ARRAY;
        }
    }

    private void scaleChunk(int index, int worker) {
        float[] x = x0;
        float coef = f0;
        int start = o0 + index * CHUNK, end = o0 + Math.min(count, (index + 1) * CHUNK);
        int vecEnd = start + F.loopBound(end - start), i = start;
        for (; i < vecEnd; i += L) FloatVector.fromArray(F, x, i).mul(coef).intoArray(x, i);
        for (; i < end; i++) x[i] *= coef;
    }

    @Override
    public void adam(float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, int n,
                     float lr, float beta1, float beta2, float eps, float weightDecay, float bc1, float bc2) {
        x0 = p; o0 = pOff; x1 = g; o1 = gOff; x2 = m; o2 = mOff; x3 = v; o3 = vOff; count = n;
        f0 = lr; f1 = beta1; f2 = beta2; f3 = eps; f4 = (float) (1.0 - (double) lr * weightDecay);
        f5 = 1f / bc1; f6 = 1f / bc2;
        try {
            if (n < PARALLEL_MIN) for (int c = 0; c < chunks(n); c++) adamChunk(c, 0);
            else pool.forEach(chunks(n), adamTask);
        } finally {
            x0 = x1 = x2 = x3 = NO_ARRAY;
        }
    }

    /**
     * globalNorm and adam in one pass over g: each chunk's sum of squares (globalNorm's chunks, so its
     * bits) is taken just before Adam updates from the same chunk, which is then still in cache.
     */
    @Override
    public void normAndAdam(float[] normOut, int normIdx, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff,
                            float[] v, int vOff, int n, float lr, float beta1, float beta2, float eps, float weightDecay,
                            float bc1, float bc2) {
        int chunks = chunks(n);
        if (partials.length < chunks) partials = new double[chunks];
        withNorm = true;
        try {
            adam(p, pOff, g, gOff, m, mOff, v, vOff, n, lr, beta1, beta2, eps, weightDecay, bc1, bc2);
        } finally {
            withNorm = false;
        }
        double sum = 0;
        for (int c = 0; c < chunks; c++) sum += partials[c];
        normOut[normIdx] = (float) Math.sqrt(sum);
    }

    /** Adam in float: agrees with the double reference to a few ulp of each of p, m and v. */
    private void adamChunk(int index, int worker) {
        float[] p = x0, g = x1, m = x2, v = x3;
        float lr = f0, b1 = f1, b2 = f2, eps = f3, decay = f4, invBc1 = f5, invBc2 = f6;
        float oneMinusB1 = 1f - b1, oneMinusB2 = 1f - b2, step = lr * invBc1;
        int start = index * CHUNK, end = Math.min(count, (index + 1) * CHUNK);
        if (withNorm) partials[index] = sumOfSquares(g, o1 + start, o1 + end, laneScratch[worker]);
        int vecEnd = start + F.loopBound(end - start), i = start;
        for (; i < vecEnd; i += L) {
            FloatVector gi = FloatVector.fromArray(F, g, o1 + i);
            FloatVector mi = FloatVector.fromArray(F, m, o2 + i).mul(b1).add(gi.mul(oneMinusB1));
            FloatVector vi = FloatVector.fromArray(F, v, o3 + i).mul(b2).add(gi.mul(gi).mul(oneMinusB2));
            mi.intoArray(m, o2 + i);
            vi.intoArray(v, o3 + i);
            FloatVector denom = vi.mul(invBc2).sqrt().add(eps);
            FloatVector.fromArray(F, p, o0 + i).mul(decay).sub(mi.mul(step).div(denom)).intoArray(p, o0 + i);
        }
        for (; i < end; i++) {
            float gi = g[o1 + i];
            float mi = m[o2 + i] * b1 + gi * oneMinusB1;
            float vi = v[o3 + i] * b2 + gi * gi * oneMinusB2;
            m[o2 + i] = mi;
            v[o3 + i] = vi;
            p[o0 + i] = p[o0 + i] * decay - mi * step / ((float) Math.sqrt(vi * invBc2) + eps);
        }
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

    /**
     * Per channel (one task each), its planes summed in double over 8 lanes in (n, p) order, the lanes
     * then in lane order: the same bits for any thread count. (The reference's single running sum
     * cost ~0.7 ms per mnist-conv layer, as much as a small convolution.)
     */
    @Override
    public void channelBiasGrad(float[] dbias, int dbOff, float[] dout, int doutOff, int batch, int channels, int plane) {
        x0 = dout; o0 = doutOff; x1 = dbias; o1 = dbOff; count = batch; cols = channels; chPlane = plane;
        try {
            if ((long) batch * channels * plane < PARALLEL_MIN) for (int c = 0; c < channels; c++) channelSum(c, 0);
            else pool.forEach(channels, channelSumTask);
        } finally {
            x0 = x1 = NO_ARRAY;
        }
    }

    private void channelSum(int c, int worker) {
        float[] d = x0;
        int plane = chPlane, vecEnd = plane & ~7;
        DoubleVector lo = DoubleVector.zero(D4), hi = lo;
        double tail = 0;
        for (int n = 0; n < count; n++) {
            int base = o0 + (n * cols + c) * plane, p = 0;
            for (; p < vecEnd; p += 8) {
                lo = lo.add(FloatVector.fromArray(F4, d, base + p).convertShape(VectorOperators.F2D, D4, 0));
                hi = hi.add(FloatVector.fromArray(F4, d, base + p + 4).convertShape(VectorOperators.F2D, D4, 0));
            }
            for (; p < plane; p++) tail += d[base + p];
        }
        double sum = tail;
        for (int l = 0; l < 4; l++) sum += lo.lane(l) + hi.lane(l);
        x1[o1 + c] = (float) sum;
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
