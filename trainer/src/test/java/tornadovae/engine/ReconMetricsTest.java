package tornadovae.engine;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The loss-independent metrics against a hand computation. */
class ReconMetricsTest {
    @Test
    void twoImagesOfTwoPixelsMatchTheHandComputation() {
        float[] x = {0f, 1f, 0.5f, 0.5f}, r = {0.1f, 0.9f, 0.5f, 0.25f};
        ReconMetrics m = ReconMetrics.of(x, r, 2, 2);
        // image 0: errors 0.1, 0.1 → MSE 0.01, PSNR 20 dB, BCE −ln 0.9 per pixel
        // image 1: errors 0, 0.25 → MSE 0.03125, PSNR 10·log10(32); BCE (ln 2 + (ln 4 + ln 4/3)/2) / 2
        double bce0 = -Math.log(0.9), bce1 = (Math.log(2) + 0.5 * (Math.log(4) + Math.log(4.0 / 3))) / 2;
        assertEquals((0.01 + 0.03125) / 2, m.mse(), 1e-7);
        assertEquals((bce0 + bce1) / 2, m.bce(), 1e-6);
        assertEquals((20 + 10 * Math.log10(32)) / 2, m.psnr(), 1e-5);   // 17.526: the mean of per-image PSNRs...
        assertTrue(Math.abs(m.psnr() - 10 * Math.log10(1 / m.mse())) > 0.5, "...not the PSNR of the pooled MSE (16.856)");
        assertEquals(2, m.count());
    }

    @Test
    void aConfidentWrongPixelIsClampedAndAPerfectImageIsCapped() {
        ReconMetrics wrong = ReconMetrics.of(new float[]{1f}, new float[]{0f}, 1, 1);
        assertEquals(100, wrong.bce(), 1e-9, "log 0 clamped at −100, as PyTorch's BCELoss");
        assertEquals(0, wrong.psnr(), 1e-9, "MSE 1 is 0 dB");
        ReconMetrics exact = ReconMetrics.of(new float[]{0.25f, 0.75f}, new float[]{0.25f, 0.75f}, 1, 2);
        assertEquals(100, exact.psnr(), 1e-9, "an exact image counts as 100 dB, not infinity");
        assertTrue(Double.isNaN(ReconMetrics.of(new float[0], new float[0], 0, 4).psnr()), "no images: no numbers");
    }
}
