package tornadovae.kernels.ref;

/** Reference optimiser-side ops over flat arenas. */
public final class OptimRef {
    private OptimRef() {}

    public static void fill(float[] x, int off, int n, float value) {
        for (int i = 0; i < n; i++) x[off + i] = value;
    }

    /** out[outIdx] = sqrt(Σ x²): the global L2 norm of a gradient arena. */
    public static void globalNorm(float[] out, int outIdx, float[] x, int off, int n) {
        double acc = 0;
        for (int i = 0; i < n; i++) acc += (double) x[off + i] * x[off + i];
        out[outIdx] = (float) Math.sqrt(acc);
    }

    /** PyTorch's clip_grad_norm_: scale by min(1, maxNorm / (norm + 1e-6)). */
    public static void clipByNorm(float[] x, int off, int n, float norm, float maxNorm) {
        float coef = Math.min(1f, maxNorm / (norm + 1e-6f));
        for (int i = 0; i < n; i++) x[off + i] *= coef;
    }

    /**
     * One Adam step in PyTorch's form, with optional decoupled weight decay (AdamW):
     * p -= lr·wd·p; m = b1·m + (1-b1)·g; v = b2·v + (1-b2)·g²;
     * p -= lr·(m/bc1) / (sqrt(v/bc2) + eps), where bc1 = 1 - b1^t and bc2 = 1 - b2^t.
     */
    public static void adam(float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, int n,
                            float lr, float beta1, float beta2, float eps, float weightDecay, float bc1, float bc2) {
        for (int i = 0; i < n; i++) {
            double grad = g[gOff + i];
            double param = p[pOff + i] * (1.0 - (double) lr * weightDecay);
            double mi = beta1 * (double) m[mOff + i] + (1 - beta1) * grad;
            double vi = beta2 * (double) v[vOff + i] + (1 - beta2) * grad * grad;
            m[mOff + i] = (float) mi;
            v[vOff + i] = (float) vi;
            p[pOff + i] = (float) (param - lr * (mi / bc1) / (Math.sqrt(vi / bc2) + eps));
        }
    }
}
