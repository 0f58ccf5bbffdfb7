package tornadovae.engine;

/**
 * Loss-independent reconstruction metrics, so that runs trained with different losses (bce, mse,
 * bce+mse) and β can be compared on one scale: each image is reconstructed at z = mu (no sampling
 * noise, so the numbers depend on the model alone), and per image
 *
 * <ul>
 *   <li>{@code mse}: the mean over its pixels of (x − x̂)²;</li>
 *   <li>{@code bce}: the mean over its pixels of −[x·log x̂ + (1 − x)·log(1 − x̂)], in nats, each log
 *       clamped at −100 as PyTorch's {@code BCELoss} does (a float sigmoid can round to exactly 0 or 1);</li>
 *   <li>{@code psnr}: 10·log10(1 / mse) in dB, pixels being in [0, 1]; an image reconstructed
 *       exactly (mse below 1e-10) counts as 100 dB, so one perfect image cannot make the mean infinite.</li>
 * </ul>
 *
 * All three are averaged over the images: PSNR is the mean of the per-image PSNRs (skimage's
 * {@code peak_signal_noise_ratio} per image, averaged; torchmetrics with {@code dim=(1,2,3)}), not the
 * PSNR of the pooled MSE, which is lower for the same reconstructions.
 */
public record ReconMetrics(double mse, double bce, double psnr, int count) {
    /** PSNR's ceiling: the MSE below which an image counts as reconstructed exactly. */
    static final double MSE_FLOOR = 1e-10;

    /** No metrics (an old metrics.csv row, or a run that wrote none). */
    public static final ReconMetrics NONE = new ReconMetrics(Double.NaN, Double.NaN, Double.NaN, 0);

    /** Sums over images, fed one image at a time. */
    public static final class Sum {
        private double mse, bce, psnr;
        private int count;

        /** Adds image i of x (targets) and r (reconstructions), both [n][d] from the given offsets. */
        public void add(float[] x, int xOff, float[] r, int rOff, int d) {
            double se = 0, ce = 0;
            for (int j = 0; j < d; j++) {
                double t = x[xOff + j], p = r[rOff + j], e = t - p;
                se += e * e;
                ce -= t * Math.max(Math.log(p), -100) + (1 - t) * Math.max(Math.log(1 - p), -100);
            }
            double m = se / d;
            mse += m;
            bce += ce / d;
            psnr += 10 * Math.log10(1 / Math.max(m, MSE_FLOOR));
            count++;
        }

        public ReconMetrics result() {
            return count == 0 ? NONE : new ReconMetrics(mse / count, bce / count, psnr / count, count);
        }
    }

    /** The metrics of images[0..n) against their reconstructions, both [n][d]. */
    public static ReconMetrics of(float[] images, float[] recon, int n, int d) {
        Sum s = new Sum();
        for (int i = 0; i < n; i++) s.add(images, i * d, recon, i * d, d);
        return s.result();
    }

    /**
     * Reconstructs images[0..count) at z = mu through the session's eval plans (batches of
     * {@code batch}, the last one partial: the sizes the session was built with) and measures them.
     */
    public static ReconMetrics run(VaeSession s, float[] images, int count, int batch) {
        int d = s.vae().inputDim();
        Sum sum = new Sum();
        for (int from = 0; from < count; from += batch) {
            int b = Math.min(batch, count - from);
            s.evalBatch(images, from, b, (float[]) null);   // null noise: z = mu
            float[] r = s.lastReconstructions(b);
            for (int i = 0; i < b; i++) sum.add(images, (from + i) * d, r, i * d, d);
        }
        return sum.result();
    }

    /** As {@link #run(VaeSession, float[], int, int)}, reading {@code images} (the targets are each batch's input). */
    public static ReconMetrics run(VaeSession s, tornadovae.io.data.Images images, int count, int batch) {
        int d = s.vae().inputDim();
        Sum sum = new Sum();
        float[] x = new float[Math.min(batch, count) * d];
        for (int from = 0; from < count; from += batch) {
            int b = Math.min(batch, count - from);
            s.evalBatch(images, from, b, (float[]) null);   // null noise: z = mu
            float[] r = s.lastReconstructions(b);
            for (int i = 0; i < b; i++) {
                images.copyTo(from + i, x, i * d);
                sum.add(x, i * d, r, i * d, d);
            }
        }
        return sum.result();
    }
}
