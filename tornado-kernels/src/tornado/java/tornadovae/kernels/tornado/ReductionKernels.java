package tornadovae.kernels.tornado;

import static tornadovae.kernels.jvm.VectorMath.L0;
import static tornadovae.kernels.jvm.VectorMath.L1;
import static tornadovae.kernels.jvm.VectorMath.L2;
import static tornadovae.kernels.jvm.VectorMath.L3;
import static tornadovae.kernels.jvm.VectorMath.L4;
import static tornadovae.kernels.jvm.VectorMath.L5;
import static tornadovae.kernels.jvm.VectorMath.L6;
import static tornadovae.kernels.jvm.VectorMath.L7;
import static tornadovae.kernels.jvm.VectorMath.L8;
import static tornadovae.kernels.jvm.VectorMath.LN2_HI;
import static tornadovae.kernels.jvm.VectorMath.LN2_LO;
import static tornadovae.kernels.jvm.VectorMath.SQRT2;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.vectors.Float16;

/**
 * Reductions shaped for the device: element-wise work spread over every element first, then sums. A sum with
 * one work-item per output row (the per-sample loss) left most of a device idle: {@code vae bench --profile}
 * timed the one-pass reconstruction loss at ~8 ms of a 20 ms MLP step on PoCL, 128 work-items each walking a
 * row of 784 with an exp and a log per element; element-wise then summed it is well under 1 ms.
 */
public final class ReductionKernels {
    private ReductionKernels() {}

    /**
     * out[i] = wBce·BCE(x, t) + wMse·(sigmoid(x) − t)² per element; total = batch·dim. One exp, e = exp(−|x|), gives
     * both the stable BCE term and the sigmoid, and log(1 + e) is {@link #log1pUnit}: with PoCL's exp, log and a
     * second exp this pass took ~65 ms of rgb128-conv's step (3.1 M elements, each a scalar libm call), ~27 with
     * these (ReductionBench).
     */
    public static void reconLossElements(float[] logits, int lOff, float[] target, int tOff, float[] out, int total,
                                         float wBce, float wMse) {
        for (@Parallel int i = 0; i < total; i++) {
            float x = logits[lOff + i];
            float t = target[tOff + i];
            float e = TornadoMath.exp(-TornadoMath.abs(x));
            float bce = TornadoMath.max(x, 0f) - x * t + log1pUnit(e);
            float p = (x >= 0f ? 1f : e) / (1f + e);
            out[i] = wBce * bce + wMse * (p - t) * (p - t);
        }
    }

    /**
     * log(1 + e) for e in [0, 1]: the JVM backend's polynomial ({@code VectorMath.log1pUnit}, Cephes' logf, absolute
     * error under 1e-7) with {@code a * b + c} for its {@code Math.fma}, which TornadoVM does not compile (the
     * OpenCL compiler contracts these into fma itself).
     */
    static float log1pUnit(float e) {
        float u = e + 1f;
        boolean high = u > SQRT2;                             // u = 2^k (1 + x), 1 + x in [√½, √2)
        float x = (high ? u * 0.5f : u) - 1f;
        float k = high ? 1f : 0f;
        float z = x * x;
        float p = x * L0 + L1;
        p = p * x + L2;
        p = p * x + L3;
        p = p * x + L4;
        p = p * x + L5;
        p = p * x + L6;
        p = p * x + L7;
        p = p * x + L8;
        float y = p * x * z;
        y = y + k * LN2_LO;
        y = y - z * 0.5f;
        return x + y + k * LN2_HI;
    }

    /** sums[sOff + r] = Σ_c x[r·cols + c], one work-item a row, sixteen lanes at a time (then the tail). */
    public static void rowSums(float[] x, int rows, int cols, float[] sums, int sOff) {
        for (@Parallel int r = 0; r < rows; r++) {
            int start = r * cols;
            int full = cols / 16 * 16;
            Float16 acc = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
            for (int c = 0; c < full; c += 16) {
                int o = start + c;
                acc = Float16.add(acc, new Float16(x[o], x[o + 1], x[o + 2], x[o + 3], x[o + 4], x[o + 5], x[o + 6], x[o + 7],
                        x[o + 8], x[o + 9], x[o + 10], x[o + 11], x[o + 12], x[o + 13], x[o + 14], x[o + 15]));
            }
            float s = lanes(acc);
            for (int c = full; c < cols; c++) s += x[start + c];
            sums[sOff + r] = s;
        }
    }

    /**
     * First pass of the global norm for CPU devices: part g sums the squares of its own contiguous chunk, sixteen
     * lanes at a time; the last part also takes the tail. (The strided pass the GPU class uses ran 6× slower on PoCL.)
     */
    public static void sumSquaresChunks(float[] x, int off, int n, float[] partial, int pOff, int parts) {
        for (@Parallel int g = 0; g < parts; g++) {
            int chunk = n / parts / 16 * 16;
            int start = off + g * chunk;
            Float16 acc = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
            for (int i = 0; i < chunk; i += 16) {
                int o = start + i;
                Float16 v = new Float16(x[o], x[o + 1], x[o + 2], x[o + 3], x[o + 4], x[o + 5], x[o + 6], x[o + 7],
                        x[o + 8], x[o + 9], x[o + 10], x[o + 11], x[o + 12], x[o + 13], x[o + 14], x[o + 15]);
                acc = Float16.add(acc, Float16.mult(v, v));
            }
            float s = lanes(acc);
            if (g == parts - 1) {
                for (int i = parts * chunk; i < n; i++) s += x[off + i] * x[off + i];
            }
            partial[pOff + g] = s;
        }
    }

    /**
     * First pass of a conv layer's bias gradient on CPUs: parts[n·channels + c] = Σ_q dout[n][c][q], one work-item per
     * (image, channel) plane, sixteen lanes at a time (then the tail); {@link #channelSums} adds the images in order. One
     * work-item per channel walking batch·plane floats left the device idle (3 work-items for an RGB layer): rgb128-conv's
     * ten bias gradients took ~43 ms of a PoCL step that way, ~15 in two passes (ReductionBench).
     */
    public static void planeSums(float[] dout, int doutOff, float[] parts, int batch, int channels, int plane) {
        for (@Parallel int g = 0; g < batch * channels; g++) {
            int n = g / channels;
            int c = g - n * channels;
            int start = doutOff + g * plane;
            int full = plane / 16 * 16;
            Float16 acc = new Float16(0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f);
            for (int q = 0; q < full; q += 16) {
                int o = start + q;
                acc = Float16.add(acc, new Float16(dout[o], dout[o + 1], dout[o + 2], dout[o + 3], dout[o + 4], dout[o + 5],
                        dout[o + 6], dout[o + 7], dout[o + 8], dout[o + 9], dout[o + 10], dout[o + 11], dout[o + 12],
                        dout[o + 13], dout[o + 14], dout[o + 15]));
            }
            float s = lanes(acc);
            for (int q = full; q < plane; q++) s += dout[start + q];
            parts[g] = s;
        }
    }

    /** Second pass: dbias[c] = Σ_n parts[n·channels + c], in image order. */
    public static void channelSums(float[] parts, float[] dbias, int dbOff, int batch, int channels) {
        for (@Parallel int c = 0; c < channels; c++) {
            float acc = 0f;
            for (int n = 0; n < batch; n++) acc += parts[n * channels + c];
            dbias[dbOff + c] = acc;
        }
    }

    /** Work-items a work-group of {@link #segmentSums}: its local array's size, a power of two. */
    public static final int TREE = 256;

    /**
     * sums[sOff + g] = Σ_{i < len} x[xOff + g·len + i] for GPUs: work-group g sums segment g, each of its {@link #TREE}
     * work-items a strided share (neighbours read neighbours), then a tree in local memory, halves added in a fixed
     * order, so the result does not depend on scheduling. The grid is segments·TREE work-items in groups of TREE.
     */
    public static void segmentSums(KernelContext ctx, float[] x, int xOff, int len, float[] sums, int sOff) {
        int lid = ctx.localIdx;
        int g = ctx.groupIdx;
        float[] part = ctx.allocateFloatLocalArray(TREE);
        int base = xOff + g * len;
        float acc = 0f;
        for (int i = lid; i < len; i += TREE) acc += x[base + i];
        part[lid] = acc;
        for (int half = TREE / 2; half > 0; half /= 2) {
            ctx.localBarrier();
            if (lid < half) part[lid] += part[lid + half];
        }
        if (lid == 0) sums[sOff + g] = part[0];
    }

    /** The sixteen lanes summed in a fixed order. */
    private static float lanes(Float16 v) {
        return ((v.get(0) + v.get(1)) + (v.get(2) + v.get(3))) + ((v.get(4) + v.get(5)) + (v.get(6) + v.get(7)))
                + (((v.get(8) + v.get(9)) + (v.get(10) + v.get(11))) + ((v.get(12) + v.get(13)) + (v.get(14) + v.get(15))));
    }
}
