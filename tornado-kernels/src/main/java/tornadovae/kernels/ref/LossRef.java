package tornadovae.kernels.ref;

/**
 * Reconstruction losses on decoder LOGITS x, with p = sigmoid(x) the reconstruction.
 * loss = wBce·BCE(p, t) + wMse·(p - t)², summed over the D pixels of each sample
 * (wBce=1,wMse=0 is BCE; 0,1 is MSE; 1,1 is BCE+MSE). BCE is computed from the logits in the
 * stable form max(x,0) - x·t + log(1 + exp(-|x|)), which never takes log(0).
 */
public final class LossRef {
    private LossRef() {}

    static double sigmoid(double x) { return 1.0 / (1.0 + Math.exp(-x)); }

    public static double bceWithLogits(double x, double t) {
        return Math.max(x, 0) - x * t + Math.log1p(Math.exp(-Math.abs(x)));
    }

    /** perSample[b] = Σ_d loss(logits[b][d], target[b][d]). */
    public static void reconForward(float[] perSample, int psOff, float[] logits, int lOff, float[] target, int tOff,
                                    float wBce, float wMse, int batch, int dim) {
        for (int b = 0; b < batch; b++) {
            double acc = 0;
            for (int d = 0; d < dim; d++) {
                double x = logits[lOff + b * dim + d], t = target[tOff + b * dim + d];
                double p = sigmoid(x);
                acc += wBce * bceWithLogits(x, t) + wMse * (p - t) * (p - t);
            }
            perSample[psOff + b] = (float) acc;
        }
    }

    /** dlogits = d(Σ loss)/d(logits): wBce·(p - t) + wMse·2(p - t)·p(1 - p). Overwrites. */
    public static void reconBackward(float[] dlogits, int dOff, float[] logits, int lOff, float[] target, int tOff,
                                     float wBce, float wMse, int batch, int dim) {
        for (int i = 0; i < batch * dim; i++) {
            double p = sigmoid(logits[lOff + i]), t = target[tOff + i];
            dlogits[dOff + i] = (float) (wBce * (p - t) + wMse * 2 * (p - t) * p * (1 - p));
        }
    }
}
