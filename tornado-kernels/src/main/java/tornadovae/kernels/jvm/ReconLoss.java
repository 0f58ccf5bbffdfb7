package tornadovae.kernels.jvm;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static tornadovae.kernels.jvm.ConvLowering.NO_ARRAY;
import static tornadovae.kernels.jvm.JvmKernels.CHUNK;
import static tornadovae.kernels.jvm.JvmKernels.PARALLEL_MIN;
import static tornadovae.kernels.jvm.VectorMath.*;

/**
 * The reconstruction loss, the hottest element-wise op (B×D logits per step): per-sample losses and
 * the logits' gradient, split over the pool in groups of rows of about {@link JvmKernels#CHUNK}
 * elements. VectorMath.reconLoss and reconGrad written out on vectors.
 *
 * The split-or-not choice is made here, not in the tasks (the activations do the same): the
 * evaluation's small last batch is the first to take the unsplit way, and a test for it inside a
 * task made C2 throw away the task's compiled code after epoch 1 (an unstable_if trap), leaving the
 * loss to run its Vector API code unintrinsified for over a second until C2 compiled it again.
 */
final class ReconLoss {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    // VectorMath's polynomial coefficients as vectors (constants: no per-call boxes).
    private static final FloatVector VE2 = FloatVector.broadcast(F, E2), VE3 = FloatVector.broadcast(F, E3),
            VE4 = FloatVector.broadcast(F, E4), VE5 = FloatVector.broadcast(F, E5);
    private static final FloatVector VL2 = FloatVector.broadcast(F, L2), VL3 = FloatVector.broadcast(F, L3),
            VL4 = FloatVector.broadcast(F, L4), VL5 = FloatVector.broadcast(F, L5), VL6 = FloatVector.broadcast(F, L6),
            VL7 = FloatVector.broadcast(F, L7), VL8 = FloatVector.broadcast(F, L8);

    private final WorkerPool pool;
    private final ForwardTask forward;
    private final BackwardTask backward = new BackwardTask();

    /** laneScratch: per worker, room for one vector's lanes. */
    ReconLoss(WorkerPool pool, float[][] laneScratch) {
        this.pool = pool;
        this.forward = new ForwardTask(laneScratch);
    }

    void forward(float[] perSample, int psOff, float[] logits, int lOff, float[] target, int tOff,
                 float wBce, float wMse, int batch, int dim) {
        ForwardTask t = forward;
        t.perSample = perSample; t.perSampleOff = psOff; t.logits = logits; t.logitsOff = lOff;
        t.target = target; t.targetOff = tOff; t.wBce = wBce; t.wMse = wMse; t.batch = batch; t.dim = dim;
        try {
            runRows(batch, dim, t);
        } finally {
            t.perSample = t.logits = t.target = NO_ARRAY;
        }
    }

    void backward(float[] dlogits, int dOff, float[] logits, int lOff, float[] target, int tOff,
                  float wBce, float wMse, int batch, int dim) {
        BackwardTask t = backward;
        t.dlogits = dlogits; t.dlogitsOff = dOff; t.logits = logits; t.logitsOff = lOff;
        t.target = target; t.targetOff = tOff; t.wBce = wBce; t.wMse = wMse; t.batch = batch; t.dim = dim;
        try {
            runRows(batch, dim, t);
        } finally {
            t.dlogits = t.logits = t.target = NO_ARRAY;
        }
    }

    /** Runs task over groups of rows of about CHUNK elements (one group per task), or all rows as one group. */
    private void runRows(int rows, int dim, RowsTask task) {
        if ((long) rows * dim < PARALLEL_MIN) {
            task.rowsPerTask = rows;
            task.run(0, 0);
        } else {
            task.rowsPerTask = Math.max(1, CHUNK / Math.max(1, dim));
            pool.forEach((rows + task.rowsPerTask - 1) / task.rowsPerTask, task);
        }
    }

    /** A task over rows [index·rowsPerTask, …) of a batch of `dim` logits each. */
    private abstract static class RowsTask implements WorkerPool.Task {
        float[] logits = NO_ARRAY, target = NO_ARRAY;   // never null: see ConvLowering.NO_ARRAY
        int logitsOff, targetOff, batch, dim, rowsPerTask;
        float wBce, wMse;
    }

    /** perSample[row] = Σ over the row's logits of the loss. */
    private static final class ForwardTask extends RowsTask {
        private final float[][] laneScratch;     // per worker: vector lanes summed in a fixed order
        float[] perSample = NO_ARRAY;
        int perSampleOff;

        ForwardTask(float[][] laneScratch) { this.laneScratch = laneScratch; }

        @Override
        public void run(int index, int worker) {
            int dim = this.dim, step = rowsPerTask;
            int r0 = index * step, r1 = Math.min(batch, r0 + step);
            float[] ps = perSample, logits = this.logits, target = this.target, lanes = laneScratch[worker];
            float wBce = this.wBce, wMse = this.wMse;
            int psOff = perSampleOff, lOff = logitsOff, tOff = targetOff;
            int vecEnd = F.loopBound(dim);
            for (int row = r0; row < r1; row++) {
                int lRow = lOff + row * dim, tRow = tOff + row * dim;
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
                ps[psOff + row] = (float) total;
            }
        }
    }

    /** dlogits = the loss's gradient, element by element (a row split only bounds the elements). */
    private static final class BackwardTask extends RowsTask {
        float[] dlogits = NO_ARRAY;
        int dlogitsOff;

        @Override
        public void run(int index, int worker) {
            int dim = this.dim, step = rowsPerTask;
            int r0 = index * step, r1 = Math.min(batch, r0 + step);
            float[] dl = dlogits, logits = this.logits, target = this.target;
            float wBce = this.wBce, twoMse = 2f * wMse;
            int dOff = dlogitsOff, lOff = logitsOff, tOff = targetOff;
            int start = r0 * dim, end = r1 * dim;
            int vecEnd = start + F.loopBound(end - start);
            for (int i = start; i < vecEnd; i += L) {
                FloatVector x = FloatVector.fromArray(F, logits, lOff + i), t = FloatVector.fromArray(F, target, tOff + i);
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
                g.intoArray(dl, dOff + i);
            }
            for (int i = vecEnd; i < end; i++) dl[dOff + i] = VectorMath.reconGrad(logits[lOff + i], target[tOff + i], wBce, twoMse);
        }
    }
}
