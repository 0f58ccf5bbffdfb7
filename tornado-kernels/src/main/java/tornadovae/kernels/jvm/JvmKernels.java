package tornadovae.kernels.jvm;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.Kernels;
import tornadovae.kernels.ref.LossRef;
import tornadovae.kernels.ref.VaeRef;

import java.util.Arrays;

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

    /** Element-wise work is split in chunks of this many elements (64 KB of floats). */
    static final int CHUNK = 16 * 1024;
    /** Below this many elements an op runs on the calling thread: waking workers would cost more. */
    static final int PARALLEL_MIN = 48 * 1024;

    private final WorkerPool pool;
    private final Sgemm sgemm;
    private double[] partials = new double[64];

    // The arguments of the current element-wise call, read by its tasks (published by the pool).
    private float[] x0, x1, x2, x3;
    private int o0, o1, o2, o3, count, cols;
    private float f0, f1, f2, f3, f4, f5, f6, f7;
    private final WorkerPool.Task adamTask = this::adamChunk;
    private final WorkerPool.Task normTask = this::normChunk;
    private final WorkerPool.Task scaleTask = this::scaleChunk;
    private final WorkerPool.Task reconForwardTask = this::reconForwardRows;
    private final WorkerPool.Task reconBackwardTask = this::reconBackwardRows;

    /** Kernels over {@code threads} threads, the caller included. */
    public JvmKernels(int threads) {
        this.pool = new WorkerPool(threads);
        this.sgemm = new Sgemm(pool);
    }

    /** Kernels over all available processors. */
    public JvmKernels() { this(Runtime.getRuntime().availableProcessors()); }

    public static JvmKernels create(int threads) { return new JvmKernels(threads); }

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

    // ---- activations ----

    @Override
    public void actForward(ActivationKind kind, float slope, float[] out, int outOff, float[] inp, int inpOff, int n) {
        if (kind == ActivationKind.IDENTITY) {
            if (out != inp || outOff != inpOff) System.arraycopy(inp, inpOff, out, outOff, n);
            return;
        }
        int vecEnd = F.loopBound(n), i = 0;
        FloatVector zero = FloatVector.zero(F), one = FloatVector.broadcast(F, 1f);
        switch (kind) {
            case RELU -> {
                for (; i < vecEnd; i += L) {
                    FloatVector x = FloatVector.fromArray(F, inp, inpOff + i);
                    zero.blend(x, x.compare(VectorOperators.GT, 0f)).intoArray(out, outOff + i);
                }
            }
            case LEAKY_RELU -> {
                for (; i < vecEnd; i += L) {
                    FloatVector x = FloatVector.fromArray(F, inp, inpOff + i);
                    x.mul(slope).blend(x, x.compare(VectorOperators.GT, 0f)).intoArray(out, outOff + i);
                }
            }
            case SIGMOID -> {
                for (; i < vecEnd; i += L) {
                    FloatVector x = FloatVector.fromArray(F, inp, inpOff + i);
                    one.div(x.neg().lanewise(VectorOperators.EXP).add(one)).intoArray(out, outOff + i);
                }
            }
            case TANH -> {
                for (; i < vecEnd; i += L)
                    FloatVector.fromArray(F, inp, inpOff + i).lanewise(VectorOperators.TANH).intoArray(out, outOff + i);
            }
            default -> throw new IllegalArgumentException("activation " + kind);
        }
        for (; i < n; i++) out[outOff + i] = tornadovae.kernels.ref.ActivationRef.apply(kind, slope, inp[inpOff + i]);
    }

    /** dinp = dout · f'(y) with f' from the output y, in the reference's float arithmetic (same bits). */
    @Override
    public void actBackward(ActivationKind kind, float slope, float[] dinp, int dinpOff, float[] out, int outOff,
                            float[] dout, int doutOff, int n) {
        if (kind == ActivationKind.IDENTITY) {
            // dout · 1 is dout exactly.
            if (dinp != dout || dinpOff != doutOff) System.arraycopy(dout, doutOff, dinp, dinpOff, n);
            return;
        }
        int vecEnd = F.loopBound(n), i = 0;
        FloatVector one = FloatVector.broadcast(F, 1f);
        switch (kind) {
            case RELU, LEAKY_RELU -> {
                FloatVector below = FloatVector.broadcast(F, kind == ActivationKind.RELU ? 0f : slope);
                for (; i < vecEnd; i += L) {
                    FloatVector y = FloatVector.fromArray(F, out, outOff + i);
                    FloatVector d = below.blend(one, y.compare(VectorOperators.GT, 0f));
                    FloatVector.fromArray(F, dout, doutOff + i).mul(d).intoArray(dinp, dinpOff + i);
                }
            }
            case SIGMOID -> {
                for (; i < vecEnd; i += L) {
                    FloatVector y = FloatVector.fromArray(F, out, outOff + i);
                    FloatVector.fromArray(F, dout, doutOff + i).mul(y.mul(one.sub(y))).intoArray(dinp, dinpOff + i);
                }
            }
            case TANH -> {
                for (; i < vecEnd; i += L) {
                    FloatVector y = FloatVector.fromArray(F, out, outOff + i);
                    FloatVector.fromArray(F, dout, doutOff + i).mul(one.sub(y.mul(y))).intoArray(dinp, dinpOff + i);
                }
            }
            default -> throw new IllegalArgumentException("activation " + kind);
        }
        for (; i < n; i++)
            dinp[dinpOff + i] = dout[doutOff + i] * tornadovae.kernels.ref.ActivationRef.derivative(kind, slope, out[outOff + i]);
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

    /** Runs task over groups of rows of about CHUNK elements (one group per task). */
    private void runRows(int rows, int dim, WorkerPool.Task task) {
        try {
            if ((long) rows * dim < PARALLEL_MIN) task.run(0, 0);
            else pool.forEach((rows + rowsPerTask(dim) - 1) / rowsPerTask(dim), task);
        } finally {
            x0 = x1 = x2 = x3 = null;
        }
    }

    private int rowsPerTask(int dim) { return Math.max(1, CHUNK / Math.max(1, dim)); }

    /** Rows [r0, r1) of task `index`; the whole batch when the op runs unsplit. */
    private void reconForwardRows(int index, int worker) {
        int dim = cols, step = (long) count * dim < PARALLEL_MIN ? count : rowsPerTask(dim);
        int r0 = index * step, r1 = Math.min(count, r0 + step);
        float[] ps = x0, logits = x1, target = x2;
        float wBce = f0, wMse = f1;
        int vecEnd = F.loopBound(dim);
        FloatVector one = FloatVector.broadcast(F, 1f), zero = FloatVector.zero(F);
        for (int r = r0; r < r1; r++) {
            int lRow = o1 + r * dim, tRow = o2 + r * dim;
            double total = 0;
            int d = 0;
            // Float lanes, flushed to double every 32 vectors: exact enough for a sum of ~1000 terms.
            while (d < vecEnd) {
                int blockEnd = Math.min(vecEnd, d + 32 * L);
                FloatVector acc = zero;
                for (; d < blockEnd; d += L) {
                    FloatVector x = FloatVector.fromArray(F, logits, lRow + d);
                    FloatVector t = FloatVector.fromArray(F, target, tRow + d);
                    // e = exp(-|x|) gives both the stable BCE term and the sigmoid without overflow.
                    FloatVector e = x.abs().neg().lanewise(VectorOperators.EXP);
                    FloatVector bce = x.max(zero).sub(x.mul(t)).add(e.lanewise(VectorOperators.LOG1P));
                    FloatVector loss = bce.mul(wBce);
                    if (wMse != 0f) {
                        FloatVector inv = one.div(one.add(e));
                        FloatVector p = inv.mul(e).blend(inv, x.compare(VectorOperators.GE, 0f));
                        FloatVector diff = p.sub(t);
                        loss = diff.mul(diff).mul(wMse).add(loss);
                    }
                    acc = acc.add(loss);
                }
                total += acc.reduceLanes(VectorOperators.ADD);
            }
            for (; d < dim; d++) {
                double x = logits[lRow + d], t = target[tRow + d];
                double p = 1.0 / (1.0 + Math.exp(-x));
                total += wBce * LossRef.bceWithLogits(x, t) + wMse * (p - t) * (p - t);
            }
            ps[o0 + r] = (float) total;
        }
    }

    private void reconBackwardRows(int index, int worker) {
        int dim = cols, step = (long) count * dim < PARALLEL_MIN ? count : rowsPerTask(dim);
        int r0 = index * step, r1 = Math.min(count, r0 + step);
        float[] dl = x0, logits = x1, target = x2;
        float wBce = f0, wMse = f1, twoMse = 2f * wMse;
        int start = r0 * dim, end = r1 * dim;
        int vecEnd = start + F.loopBound(end - start), i = start;
        FloatVector one = FloatVector.broadcast(F, 1f);
        for (; i < vecEnd; i += L) {
            FloatVector x = FloatVector.fromArray(F, logits, o1 + i);
            FloatVector t = FloatVector.fromArray(F, target, o2 + i);
            FloatVector e = x.abs().neg().lanewise(VectorOperators.EXP);
            FloatVector inv = one.div(one.add(e));
            FloatVector p = inv.mul(e).blend(inv, x.compare(VectorOperators.GE, 0f));
            FloatVector diff = p.sub(t);
            FloatVector g = diff.mul(wBce);
            if (wMse != 0f) g = diff.mul(p).mul(one.sub(p)).mul(twoMse).add(g);
            g.intoArray(dl, o0 + i);
        }
        for (; i < end; i++) {
            double p = 1.0 / (1.0 + Math.exp(-logits[o1 + i])), t = target[o2 + i];
            dl[o0 + i] = (float) (wBce * (p - t) + wMse * 2 * (p - t) * p * (1 - p));
        }
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
            x0 = null;
        }
        double sum = 0;
        for (int c = 0; c < chunks; c++) sum += partials[c];
        out[outIdx] = (float) Math.sqrt(sum);
    }

    private void normChunk(int index, int worker) {
        float[] x = x0;
        int start = o0 + index * CHUNK, end = o0 + Math.min(count, (index + 1) * CHUNK);
        int i = start;
        double sum = 0;
        // Four float accumulators, flushed to double every 16 products per lane (relative error ~1e-7).
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
            sum += a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        }
        for (; i < end; i++) sum += (double) x[i] * x[i];
        partials[index] = sum;
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
            x0 = null;
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
            x0 = x1 = x2 = x3 = null;
        }
    }

    /** Adam in float: agrees with the double reference to a few ulp of each of p, m and v. */
    private void adamChunk(int index, int worker) {
        float[] p = x0, g = x1, m = x2, v = x3;
        float lr = f0, b1 = f1, b2 = f2, eps = f3, decay = f4, invBc1 = f5, invBc2 = f6;
        float oneMinusB1 = 1f - b1, oneMinusB2 = 1f - b2, step = lr * invBc1;
        int start = index * CHUNK, end = Math.min(count, (index + 1) * CHUNK);
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
}
