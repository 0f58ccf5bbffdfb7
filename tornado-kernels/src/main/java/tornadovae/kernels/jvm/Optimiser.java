package tornadovae.kernels.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static tornadovae.kernels.jvm.ConvLowering.NO_ARRAY;
import static tornadovae.kernels.jvm.JvmKernels.CHUNK;
import static tornadovae.kernels.jvm.JvmKernels.PARALLEL_MIN;
import static tornadovae.kernels.jvm.JvmKernels.chunks;

/**
 * The optimiser side of a step, one arena of ~650K floats: the global gradient norm, clipping and
 * Adam, each over fixed chunks of {@link JvmKernels#CHUNK} elements. The norm sums per-chunk double
 * partials in chunk order, so its bits depend on no thread count.
 */
final class Optimiser {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private final WorkerPool pool;
    private double[] partials = new double[64];   // the norm's per-chunk sums of squares
    private final SumOfSquaresTask sumOfSquares;
    private final ScaleTask scale = new ScaleTask();
    private final AdamTask adam;

    /** laneScratch: per worker, room for one vector's lanes. */
    Optimiser(WorkerPool pool, float[][] laneScratch) {
        this.pool = pool;
        this.sumOfSquares = new SumOfSquaresTask(laneScratch);
        this.adam = new AdamTask(laneScratch);
    }

    /** out[outIdx] = ‖x[off, off + n)‖₂. */
    void globalNorm(float[] out, int outIdx, float[] x, int off, int n) {
        int chunks = chunks(n);
        SumOfSquaresTask t = sumOfSquares;
        t.x = x; t.offset = off; t.count = n; t.partials = partialsFor(chunks);
        try {
            if (n < PARALLEL_MIN) for (int c = 0; c < chunks; c++) t.run(c, 0);
            else pool.forEach(chunks, t);
        } finally {
            t.x = NO_ARRAY;
        }
        out[outIdx] = normOfPartials(chunks);
    }

    private double[] partialsFor(int chunks) {
        if (partials.length < chunks) partials = new double[chunks];
        return partials;
    }

    private float normOfPartials(int chunks) {
        double sum = 0;
        for (int c = 0; c < chunks; c++) sum += partials[c];
        return (float) Math.sqrt(sum);
    }

    /** x *= min(1, maxNorm / (norm + 1e-6)). */
    void clipByNorm(float[] x, int off, int n, float norm, float maxNorm) {
        float coef = Math.min(1f, maxNorm / (norm + 1e-6f));
        if (coef == 1f) return;                  // x·1 is x exactly
        ScaleTask t = scale;
        t.x = x; t.offset = off; t.count = n; t.coef = coef;
        try {
            if (n < PARALLEL_MIN) for (int c = 0; c < chunks(n); c++) t.run(c, 0);
            else pool.forEach(chunks(n), t);
        } finally {
            t.x = NO_ARRAY;
        }
    }

    void adam(float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, int n,
              float lr, float beta1, float beta2, float eps, float weightDecay, float bc1, float bc2) {
        runAdam(false, p, pOff, g, gOff, m, mOff, v, vOff, n, lr, beta1, beta2, eps, weightDecay, bc1, bc2);
    }

    /**
     * globalNorm and adam in one pass over g: each chunk's sum of squares (globalNorm's chunks, so its
     * bits) is taken just before Adam updates from the same chunk, which is then still in cache.
     */
    void normAndAdam(float[] normOut, int normIdx, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff,
                     float[] v, int vOff, int n, float lr, float beta1, float beta2, float eps, float weightDecay,
                     float bc1, float bc2) {
        runAdam(true, p, pOff, g, gOff, m, mOff, v, vOff, n, lr, beta1, beta2, eps, weightDecay, bc1, bc2);
        normOut[normIdx] = normOfPartials(chunks(n));
    }

    private void runAdam(boolean withNorm, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff,
                         int n, float lr, float beta1, float beta2, float eps, float weightDecay, float bc1, float bc2) {
        AdamTask t = adam;
        t.params = p; t.paramsOff = pOff; t.grads = g; t.gradsOff = gOff;
        t.m = m; t.mOff = mOff; t.v = v; t.vOff = vOff; t.count = n;
        t.lr = lr; t.beta1 = beta1; t.beta2 = beta2; t.eps = eps;
        t.decay = (float) (1.0 - (double) lr * weightDecay);
        t.invBc1 = 1f / bc1; t.invBc2 = 1f / bc2;
        t.withNorm = withNorm;
        t.normPartials = partialsFor(chunks(n));
        try {
            if (n < PARALLEL_MIN) for (int c = 0; c < chunks(n); c++) t.run(c, 0);
            else pool.forEach(chunks(n), t);
        } finally {
            t.params = t.grads = t.m = t.v = NO_ARRAY;
        }
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

    /** Chunk `index` of x[offset, offset + count): its sum of squares into partials[index]. */
    private static final class SumOfSquaresTask implements WorkerPool.Task {
        private final float[][] laneScratch;
        float[] x = NO_ARRAY;                    // never null: see ConvLowering.NO_ARRAY
        double[] partials = new double[0];
        int offset, count;

        SumOfSquaresTask(float[][] laneScratch) { this.laneScratch = laneScratch; }

        @Override
        public void run(int index, int worker) {
            partials[index] = sumOfSquares(x, offset + index * CHUNK, offset + Math.min(count, (index + 1) * CHUNK), laneScratch[worker]);
        }
    }

    /** Chunk `index` of x[offset, offset + count) times coef. */
    private static final class ScaleTask implements WorkerPool.Task {
        float[] x = NO_ARRAY;
        int offset, count;
        float coef;

        @Override
        public void run(int index, int worker) {
            float[] x = this.x;
            float coef = this.coef;
            int start = offset + index * CHUNK, end = offset + Math.min(count, (index + 1) * CHUNK);
            int vecEnd = start + F.loopBound(end - start), i = start;
            for (; i < vecEnd; i += L) FloatVector.fromArray(F, x, i).mul(coef).intoArray(x, i);
            for (; i < end; i++) x[i] *= coef;
        }
    }

    /** Adam on chunk `index` of the parameters, in float: agrees with the double reference to a few ulp of each of p, m and v. */
    private static final class AdamTask implements WorkerPool.Task {
        private final float[][] laneScratch;
        float[] params = NO_ARRAY, grads = NO_ARRAY, m = NO_ARRAY, v = NO_ARRAY;
        int paramsOff, gradsOff, mOff, vOff, count;
        float lr, beta1, beta2, eps;
        float decay;                             // 1 - lr·weightDecay: decoupled weight decay as one factor
        float invBc1, invBc2;                    // 1 / the bias corrections
        boolean withNorm;                        // also each chunk's Σg² into normPartials (normAndAdam)
        double[] normPartials = new double[0];

        AdamTask(float[][] laneScratch) { this.laneScratch = laneScratch; }

        @Override
        public void run(int index, int worker) {
            float[] p = params, g = grads, m = this.m, v = this.v;
            int pOff = paramsOff, gOff = gradsOff, mOff = this.mOff, vOff = this.vOff;
            float lr = this.lr, b1 = beta1, b2 = beta2, eps = this.eps, decay = this.decay, invBc1 = this.invBc1, invBc2 = this.invBc2;
            float oneMinusB1 = 1f - b1, oneMinusB2 = 1f - b2, step = lr * invBc1;
            int start = index * CHUNK, end = Math.min(count, (index + 1) * CHUNK);
            if (withNorm) normPartials[index] = sumOfSquares(g, gOff + start, gOff + end, laneScratch[worker]);
            int vecEnd = start + F.loopBound(end - start), i = start;
            for (; i < vecEnd; i += L) {
                FloatVector gi = FloatVector.fromArray(F, g, gOff + i);
                FloatVector mi = FloatVector.fromArray(F, m, mOff + i).mul(b1).add(gi.mul(oneMinusB1));
                FloatVector vi = FloatVector.fromArray(F, v, vOff + i).mul(b2).add(gi.mul(gi).mul(oneMinusB2));
                mi.intoArray(m, mOff + i);
                vi.intoArray(v, vOff + i);
                FloatVector denom = vi.mul(invBc2).sqrt().add(eps);
                FloatVector.fromArray(F, p, pOff + i).mul(decay).sub(mi.mul(step).div(denom)).intoArray(p, pOff + i);
            }
            for (; i < end; i++) {
                float gi = g[gOff + i];
                float mi = m[mOff + i] * b1 + gi * oneMinusB1;
                float vi = v[vOff + i] * b2 + gi * gi * oneMinusB2;
                m[mOff + i] = mi;
                v[vOff + i] = vi;
                p[pOff + i] = p[pOff + i] * decay - mi * step / ((float) Math.sqrt(vi * invBc2) + eps);
            }
        }
    }
}
