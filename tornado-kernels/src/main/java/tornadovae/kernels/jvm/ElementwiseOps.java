package tornadovae.kernels.jvm;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import tornadovae.kernels.ActivationKind;

import static tornadovae.kernels.jvm.ConvLowering.NO_ARRAY;
import static tornadovae.kernels.jvm.JvmKernels.CHUNK;
import static tornadovae.kernels.jvm.JvmKernels.PARALLEL_MIN;
import static tornadovae.kernels.jvm.JvmKernels.chunks;

/** Biases and activations: vector loops, the heavy activations and the per-channel bias gradient split over the pool. */
final class ElementwiseOps {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;
    private static final VectorSpecies<Double> D4 = DoubleVector.SPECIES_256;
    private static final int L = F.length();

    private final WorkerPool pool;
    private final ActivationTask activation = new ActivationTask();
    private final ChannelSumTask channelSum = new ChannelSumTask();

    ElementwiseOps(WorkerPool pool) { this.pool = pool; }

    void biasAdd(float[] out, int outOff, float[] bias, int biasOff, int rows, int cols) {
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
    void biasGrad(float[] dbias, int dbOff, float[] dout, int doutOff, int rows, int cols) {
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

    /** out = f(inp) with JvmActivations' loops. */
    void actForward(ActivationKind kind, float slope, float[] out, int outOff, float[] inp, int inpOff, int n) {
        JvmActivations.Loops loops = JvmActivations.of(kind);
        if (!loops.heavy() || n < PARALLEL_MIN) {
            loops.forward(slope, out, outOff, inp, inpOff, n);
            return;
        }
        // Dozens of operations an element: worth splitting. Lanes and tails agree bit for bit, so any split gives the same result.
        ActivationTask t = activation;
        t.loops = loops; t.slope = slope; t.out = out; t.outOff = outOff; t.in = inp; t.inOff = inpOff; t.count = n;
        try {
            pool.forEach(chunks(n), t);
        } finally {
            t.out = t.in = NO_ARRAY;
            t.loops = null;
        }
    }

    /**
     * Per channel (one task each), its planes summed in double over 8 lanes in (n, p) order, the lanes
     * then in lane order: the same bits for any thread count. (The reference's single running sum
     * cost ~0.7 ms per mnist-conv layer, as much as a small convolution.)
     */
    void channelBiasGrad(float[] dbias, int dbOff, float[] dout, int doutOff, int batch, int channels, int plane) {
        ChannelSumTask t = channelSum;
        t.dout = dout; t.doutOff = doutOff; t.dbias = dbias; t.dbiasOff = dbOff;
        t.batch = batch; t.channels = channels; t.plane = plane;
        try {
            if ((long) batch * channels * plane < PARALLEL_MIN) for (int c = 0; c < channels; c++) t.run(c, 0);
            else pool.forEach(channels, t);
        } finally {
            t.dout = t.dbias = NO_ARRAY;
        }
    }

    /** Chunk `index` of out = f(in). */
    private static final class ActivationTask implements WorkerPool.Task {
        JvmActivations.Loops loops;              // set for the call only; a task never runs without one
        float slope;
        float[] out = NO_ARRAY, in = NO_ARRAY;   // never null: see ConvLowering.NO_ARRAY
        int outOff, inOff, count;

        @Override
        public void run(int index, int worker) {
            int start = index * CHUNK, n = Math.min(CHUNK, count - start);
            loops.forward(slope, out, outOff + start, in, inOff + start, n);
        }
    }

    /** dbias[channel] = the sum of that channel's planes of dout [batch][channels][plane]. */
    private static final class ChannelSumTask implements WorkerPool.Task {
        float[] dout = NO_ARRAY, dbias = NO_ARRAY;
        int doutOff, dbiasOff, batch, channels, plane;

        @Override
        public void run(int c, int worker) {
            float[] d = dout;
            int plane = this.plane, vecEnd = plane & ~7;
            DoubleVector lo = DoubleVector.zero(D4), hi = lo;
            double tail = 0;
            for (int n = 0; n < batch; n++) {
                int base = doutOff + (n * channels + c) * plane, p = 0;
                for (; p < vecEnd; p += 8) {
                    lo = lo.add(FloatVector.fromArray(F4, d, base + p).convertShape(VectorOperators.F2D, D4, 0));
                    hi = hi.add(FloatVector.fromArray(F4, d, base + p + 4).convertShape(VectorOperators.F2D, D4, 0));
                }
                for (; p < plane; p++) tail += d[base + p];
            }
            double sum = tail;
            for (int l = 0; l < 4; l++) sum += lo.lane(l) + hi.lane(l);
            dbias[dbiasOff + c] = (float) sum;
        }
    }
}
