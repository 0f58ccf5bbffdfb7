package tornadovae.engine;

import tornadovae.model.Loss;
import tornadovae.model.Vae;

/**
 * Test-set numbers of a trained VAE: the negative ELBO (reconstruction + KL with one sampled z,
 * as training reports it) and the importance-weighted estimate of −log p(x) with k samples
 * (Burda et al.'s IWAE bound):
 *
 * <pre>log p(x) ≈ logsumexp_k [log p(x|z_k) + log p(z_k) − log q(z_k|x)] − log k,  z_k ~ q(z|x)</pre>
 *
 * <p>The encoder runs once per image through the eval plan; the k samples are drawn on the host
 * (log q and log p(z) are cheap there) and decoded in batches of up to {@link #ROWS} rows by the
 * decode-and-loss plan, each row's INPUT being its image, so the decoder and the loss run as
 * one large GEMM chain instead of k small ones.
 *
 * <p>log p(x|z) is minus the training loss: BCE is the Bernoulli log-likelihood; MSE
 * (Σ(x − x̂)²) is the Gaussian with variance 1/2 up to its constant (D/2)·log π, which
 * {@link Result#gaussianConstant} reports; bce+mse is no normalised likelihood at all.
 */
public final class Evaluation {
    private Evaluation() {}

    /** Decoder rows per plan run: large enough for an efficient GEMM, small enough for any cache. */
    public static final int ROWS = 512;

    /**
     * Per-image means and their standard errors, in nats.
     *
     * @param negElbo recon + KL per image (sampled z)
     * @param nll −IWAE estimate of −log p(x) per image (same convention as negElbo)
     * @param gaussianConstant what the mse loss leaves out of −log p(x|z): (D/2)·log π; 0 for bce
     */
    public record Result(int count, int dim, int k, double recon, double kl, double negElbo, double negElboSe,
                         double nll, double nllSe, double gaussianConstant, double seconds) {
        /** Nats per image to bits per dimension. */
        public double bitsPerDim(double nats) { return nats / (dim * Math.log(2)); }
    }

    /** The rows per decode-and-loss run for this many images and samples (the plan to prepare). */
    public static int rowsPerRun(int count, int batch, int k) {
        return (int) Math.min(ROWS, (long) Math.min(batch, count) * k);
    }

    /**
     * Evaluates images[0..count). The session needs eval plans for {@code batch} and the last
     * partial batch, and a decode-and-loss plan of {@link #rowsPerRun} rows.
     */
    public static Result run(VaeSession s, float[] images, int count, int batch, int k, long seed) {
        return run(s, images, count, batch, k, seed, Progress.none());
    }

    /** As {@link #run(VaeSession, float[], int, int, int, long)}, stepping {@code progress} by one per decoder row (count·k in all). */
    public static Result run(VaeSession s, float[] images, int count, int batch, int k, long seed, Progress progress) {
        if (k < 1) throw new IllegalArgumentException("--k must be at least 1, got " + k);
        Vae vae = s.vae();
        int d = vae.inputDim(), lat = vae.latent(), rows = rowsPerRun(count, batch, k);
        Noise elboNoise = new Noise(seed), iwNoise = new Noise(seed ^ 0x1A2B_3C4DL);
        float[] eps = new float[rows * lat];
        double sumRecon = 0, sumKl = 0, sumElbo = 0, sumElbo2 = 0, sumNll = 0, sumNll2 = 0;
        long t0 = System.nanoTime();
        for (int from = 0; from < count; from += batch) {
            int nb = Math.min(batch, count - from);
            s.evalBatch(images, from, nb, elboNoise);
            float[] out = s.workspace().out();
            int ro = vae.outRecon(nb).offset(), ko = vae.outKl(nb).offset();
            for (int b = 0; b < nb; b++) {
                double e = out[ro + b] + out[ko + b];
                sumRecon += out[ro + b];
                sumKl += out[ko + b];
                sumElbo += e;
                sumElbo2 += e * e;
            }
            float[] ml = s.lastMuLogvar(nb);
            double[] logw = new double[nb * k];
            float[] in = s.workspace().input(), z = s.workspace().noise();
            for (int r0 = 0; r0 < nb * k; r0 += rows) {
                int n = Math.min(rows, nb * k - r0);
                iwNoise.gaussian(eps, 0, n * lat);
                fillRows(images, from, ml, eps, r0, n, k, d, lat, in, z, logw);
                // rows n..rows-1 (the last run of a block) decode stale codes; their losses are ignored
                int off = s.runDecodeLoss(rows);
                float[] loss = s.workspace().out();
                for (int i = 0; i < n; i++) logw[r0 + i] -= loss[off + i];
                progress.stepBy(n);
            }
            for (int b = 0; b < nb; b++) {
                double nll = -(logSumExp(logw, b * k, k) - Math.log(k));
                sumNll += nll;
                sumNll2 += nll * nll;
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        double c = vae.spec().loss() == Loss.MSE ? 0.5 * d * Math.log(Math.PI) : 0;
        return new Result(count, d, k, sumRecon / count, sumKl / count, sumElbo / count, stdErr(sumElbo, sumElbo2, count),
                sumNll / count, stdErr(sumNll, sumNll2, count), c, seconds);
    }

    /**
     * Rows r0..r0+n of a block: INPUT gets each row's image, NOISE its code z = mu + σ·eps, and
     * logw its log p(z) − log q(z|x) (the 2π terms cancel). A method of its own so the JIT
     * compiles it early instead of waiting for the long outer loop.
     */
    private static void fillRows(float[] images, int from, float[] ml, float[] eps, int r0, int n, int k, int d, int lat,
                                 float[] in, float[] z, double[] logw) {
        for (int i = 0; i < n; i++) {
            int img = (r0 + i) / k;
            System.arraycopy(images, (from + img) * d, in, i * d, d);
            double acc = 0;
            for (int j = 0; j < lat; j++) {
                double mu = ml[img * 2 * lat + j], lv = ml[img * 2 * lat + lat + j], e = eps[i * lat + j];
                double zj = mu + Math.exp(0.5 * lv) * e;
                z[i * lat + j] = (float) zj;
                acc += 0.5 * (lv + e * e - zj * zj);
            }
            logw[r0 + i] = acc;
        }
    }

    static double logSumExp(double[] x, int off, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[off + i]);
        if (max == Double.NEGATIVE_INFINITY) return max;
        double s = 0;
        for (int i = 0; i < n; i++) s += Math.exp(x[off + i] - max);
        return max + Math.log(s);
    }

    /** Standard error of the mean from the sum and the sum of squares. */
    static double stdErr(double sum, double sumSq, int n) {
        if (n < 2) return Double.NaN;
        double mean = sum / n, var = Math.max(0, (sumSq - n * mean * mean) / (n - 1));
        return Math.sqrt(var / n);
    }
}
