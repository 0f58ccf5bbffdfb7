package tornadovae.kernels.tornado;

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

    /** out[i] = wBce·BCE(x, t) + wMse·(sigmoid(x) − t)² per element; total = batch·dim. */
    public static void reconLossElements(float[] logits, int lOff, float[] target, int tOff, float[] out, int total,
                                         float wBce, float wMse) {
        for (@Parallel int i = 0; i < total; i++) {
            float x = logits[lOff + i];
            float t = target[tOff + i];
            float p = 1f / (1f + TornadoMath.exp(-x));
            out[i] = wBce * TornadoKernels.bceWithLogits(x, t) + wMse * (p - t) * (p - t);
        }
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

    /** The sixteen lanes summed in a fixed order. */
    private static float lanes(Float16 v) {
        return ((v.get(0) + v.get(1)) + (v.get(2) + v.get(3))) + ((v.get(4) + v.get(5)) + (v.get(6) + v.get(7)))
                + (((v.get(8) + v.get(9)) + (v.get(10) + v.get(11))) + ((v.get(12) + v.get(13)) + (v.get(14) + v.get(15))));
    }
}
