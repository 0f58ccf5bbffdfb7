package tornadovae.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tornadovae.kernels.ref.GradCheck.*;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * VaeRef: reparameterisation and KL. muLogvar is [B][2L] (mu in columns 0..L-1, logvar in L..2L-1),
 * so finite differences over the whole block also check that layout.
 */
class VaeRefTest {

    /** mu in [-2, 2], logvar in [-3, 2]: the range an encoder head lives in. */
    static float[] muLogvar(Random r, int batch, int latent) {
        float[] ml = new float[batch * 2 * latent];
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < latent; j++) {
                ml[b * 2 * latent + j] = (float) (-2 + 4 * r.nextDouble());
                ml[b * 2 * latent + latent + j] = (float) (-3 + 5 * r.nextDouble());
            }
        return ml;
    }

    static double z(double[] ml, float[] eps, int b, int j, int latent) {
        return ml[b * 2 * latent + j] + Math.exp(0.5 * ml[b * 2 * latent + latent + j]) * eps[b * latent + j];
    }

    /** KL(N(mu, exp(logvar)) || N(0, 1)) of one sample, from the textbook closed form. */
    static double kl(double[] ml, int b, int latent) {
        double s = 0;
        for (int j = 0; j < latent; j++) {
            double mu = ml[b * 2 * latent + j], lv = ml[b * 2 * latent + latent + j];
            s += 0.5 * (Math.exp(lv) + mu * mu - 1 - lv);
        }
        return s;
    }

    @ParameterizedTest(name = "batch={0} latent={1}")
    @CsvSource({"1,1", "3,5", "4,7", "2,20"})
    void reparamBackwardIsTheDerivativeOfReparamForward(int batch, int latent) {
        Random r = new Random(batch * 100 + latent);
        float[] ml = muLogvar(r, batch, latent), eps = gaussian(r, batch * latent), dz = uniform(r, batch * latent, -1, 1);
        double[] mlD = toDouble(ml);

        int zOff = 2;
        float[] zOut = output(new float[batch * latent], zOff);
        VaeRef.reparamForward(zOut, zOff, input(ml, 3), 3, input(eps, 1), 1, batch, latent);
        double[] zExpected = new double[batch * latent];
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < latent; j++) zExpected[b * latent + j] = z(mlD, eps, b, j, latent);
        assertClose("reparamForward z", zExpected, zOut, zOff, 1e-6, 1e-6);
        assertPaddingUntouched("reparamForward z", zOut, zOff, batch * latent);

        int dOff = 4;
        float[] d = output(uniform(r, 2 * batch * latent, -9, 9), dOff); // overwritten, not accumulated
        VaeRef.reparamBackward(d, dOff, input(dz, 5), 5, input(ml, 3), 3, input(eps, 1), 1, batch, latent);
        double[] numeric = numericGradient(x -> {
            double loss = 0;
            for (int b = 0; b < batch; b++)
                for (int j = 0; j < latent; j++) loss += dz[b * latent + j] * z(x, eps, b, j, latent);
            return loss;
        }, mlD);
        assertNotTrivial("reparam", numeric);
        assertGradient("d(mu, logvar)", numeric, d, dOff, RTOL);
        assertPaddingUntouched("d(mu, logvar)", d, dOff, 2 * batch * latent);
    }

    @ParameterizedTest(name = "batch={0} latent={1} weight={2}")
    @CsvSource({"1,1,1", "3,5,1", "4,7,0.37", "2,20,2.5", "3,3,0"})
    void klBackwardAddsWeightTimesTheDerivativeOfKlForward(int batch, int latent, float weight) {
        Random r = new Random(batch * 100 + latent + 7);
        float[] ml = muLogvar(r, batch, latent);
        double[] mlD = toDouble(ml);

        int klOff = 3;
        float[] klOut = output(new float[batch], klOff);
        VaeRef.klForward(klOut, klOff, input(ml, 2), 2, batch, latent);
        double[] klExpected = new double[batch];
        for (int b = 0; b < batch; b++) klExpected[b] = kl(mlD, b, latent);
        assertClose("klForward", klExpected, klOut, klOff, 1e-6, 1e-6);
        assertPaddingUntouched("klForward", klOut, klOff, batch);

        // klBackward ADDS into the gradient the reparameterisation already wrote.
        int dOff = 1;
        float[] prior = uniform(r, 2 * batch * latent, -1, 1);
        float[] d = output(prior, dOff);
        VaeRef.klBackward(d, dOff, input(ml, 2), 2, weight, batch, latent);
        double[] numeric = numericGradient(x -> {
            double loss = 0;
            for (int b = 0; b < batch; b++) loss += kl(x, b, latent);
            return weight * loss;
        }, mlD);
        if (weight != 0) assertNotTrivial("kl", numeric);
        double[] expected = numeric.clone();
        for (int i = 0; i < expected.length; i++) expected[i] += prior[i];
        assertGradient("d(mu, logvar) after klBackward", expected, d, dOff, RTOL);
        assertPaddingUntouched("d(mu, logvar) after klBackward", d, dOff, 2 * batch * latent);
    }

    /**
     * Free bits: the loss weight·Σ_j max(λ·B, Σ_b KL_bj) differentiated numerically, with λ put in
     * the largest gap between the dimensions' batch-mean KLs so that no dimension sits on the kink.
     */
    @ParameterizedTest(name = "batch={0} latent={1} weight={2}")
    @CsvSource({"3,5,1", "4,7,0.37", "2,20,2.5"})
    void klBackwardFreeBitsIsTheDerivativeOfTheClampedKl(int batch, int latent, float weight) {
        Random r = new Random(batch * 31 + latent);
        float[] ml = muLogvar(r, batch, latent);
        double[] mlD = toDouble(ml);
        double[] mean = new double[latent];
        for (int j = 0; j < latent; j++) mean[j] = klOfDim(mlD, j, batch, latent) / batch;
        double[] sorted = mean.clone();
        java.util.Arrays.sort(sorted);
        int gap = 0;
        for (int i = 1; i < latent - 1; i++) if (sorted[i + 1] - sorted[i] > sorted[gap + 1] - sorted[gap]) gap = i;
        float lambda = (float) ((sorted[gap] + sorted[gap + 1]) / 2);

        int dOff = 2;
        float[] prior = uniform(r, 2 * batch * latent, -1, 1);
        float[] d = output(prior, dOff);
        VaeRef.klBackwardFreeBits(d, dOff, input(ml, 3), 3, weight, lambda, batch, latent);
        double[] numeric = numericGradient(x -> {
            double loss = 0;
            for (int j = 0; j < latent; j++) loss += Math.max(lambda * batch, klOfDim(x, j, batch, latent));
            return weight * loss;
        }, mlD);
        assertNotTrivial("free-bits kl", numeric);
        int frozen = 0;
        for (int j = 0; j < latent; j++) if (mean[j] < lambda) frozen++;
        assertTrue(frozen > 0 && frozen < latent, "some dimensions below λ, some above: " + frozen + " of " + latent);
        double[] expected = numeric.clone();
        for (int i = 0; i < expected.length; i++) expected[i] += prior[i];
        assertGradient("d(mu, logvar) after klBackwardFreeBits", expected, d, dOff, RTOL);
        assertPaddingUntouched("d(mu, logvar) after klBackwardFreeBits", d, dOff, 2 * batch * latent);

        float[] d0 = prior.clone(), d1 = prior.clone();
        VaeRef.klBackwardFreeBits(d0, 0, ml, 0, weight, 0f, batch, latent);
        VaeRef.klBackward(d1, 0, ml, 0, weight, batch, latent);
        assertEquals(java.util.Arrays.toString(d1), java.util.Arrays.toString(d0), "λ = 0 is plain klBackward");
    }

    private static double klOfDim(double[] ml, int j, int batch, int latent) {
        double s = 0;
        for (int b = 0; b < batch; b++) {
            double mu = ml[b * 2 * latent + j], lv = ml[b * 2 * latent + latent + j];
            s += -0.5 * (1 + lv - mu * mu - Math.exp(lv));
        }
        return s;
    }

    /**
     * The closed form against its definition, ∫ q log(q/p), by Simpson's rule per latent dimension
     * (the KL of a diagonal Gaussian is the sum over dimensions).
     */
    @Test
    void klForwardEqualsTheIntegralDefinition() {
        Random r = new Random(3);
        int batch = 3, latent = 4;
        float[] ml = muLogvar(r, batch, latent);
        float[] klOut = new float[batch];
        VaeRef.klForward(klOut, 0, ml, 0, batch, latent);
        for (int b = 0; b < batch; b++) {
            double total = 0;
            for (int j = 0; j < latent; j++)
                total += klByQuadrature(ml[b * 2 * latent + j], ml[b * 2 * latent + latent + j]);
            assertEquals(total, klOut[b], 1e-6 * Math.abs(total) + 1e-6, "KL of sample " + b);
        }
    }

    static double klByQuadrature(double mu, double logvar) {
        double sigma = Math.exp(0.5 * logvar), lo = mu - 12 * sigma, hi = mu + 12 * sigma;
        int steps = 4000; // even
        double h = (hi - lo) / steps, s = 0;
        for (int i = 0; i <= steps; i++) {
            double z = lo + i * h;
            double logQ = -0.5 * Math.log(2 * Math.PI) - 0.5 * logvar - (z - mu) * (z - mu) / (2 * sigma * sigma);
            double logP = -0.5 * Math.log(2 * Math.PI) - z * z / 2;
            double fz = Math.exp(logQ) * (logQ - logP);
            s += fz * (i == 0 || i == steps ? 1 : i % 2 == 1 ? 4 : 2);
        }
        return s * h / 3;
    }

    /**
     * Statistical check: the Monte Carlo estimate E_{z~q}[log q(z) - log p(z)] (the estimator a
     * sampled-KL implementation would use) agrees with klForward within 5 standard errors.
     */
    @Test
    void klForwardAgreesWithMonteCarloEstimate() {
        Random r = new Random(17);
        int latent = 6, samples = 200_000;
        float[] ml = muLogvar(r, 1, latent);
        float[] klOut = new float[1];
        VaeRef.klForward(klOut, 0, ml, 0, 1, latent);
        double sum = 0, sumSq = 0;
        for (int s = 0; s < samples; s++) {
            double logRatio = 0;
            for (int j = 0; j < latent; j++) {
                double mu = ml[j], lv = ml[latent + j], e = r.nextGaussian();
                double z = mu + Math.exp(0.5 * lv) * e;
                logRatio += -0.5 * lv - 0.5 * e * e + 0.5 * z * z; // log q(z) - log p(z)
            }
            sum += logRatio;
            sumSq += logRatio * logRatio;
        }
        double mean = sum / samples, se = Math.sqrt((sumSq / samples - mean * mean) / samples);
        assertTrue(se > 0 && Math.abs(mean - klOut[0]) < 5 * se,
                "Monte Carlo KL " + mean + " ± " + se + " vs klForward " + klOut[0]);
    }

    @Test
    void klIsZeroAtThePriorAndNonNegativeElsewhere() {
        int batch = 2, latent = 9;
        float[] kl = new float[batch];
        VaeRef.klForward(kl, 0, new float[2 * batch * latent], 0, batch, latent);
        assertEquals(0f, kl[0], 0f); // -0.0 counts as zero
        assertEquals(0f, kl[1], 0f);

        Random r = new Random(23);
        int n = 2000;
        float[] ml = new float[n * 2 * latent];
        for (int i = 0; i < ml.length; i++) ml[i] = (float) (-5 + 10 * r.nextDouble());
        float[] many = new float[n];
        VaeRef.klForward(many, 0, ml, 0, n, latent);
        for (int b = 0; b < n; b++) assertTrue(many[b] > 0f, "KL of sample " + b + " = " + many[b]);

        // The prior is the minimum: every gradient component vanishes there.
        float[] d = new float[2 * latent];
        VaeRef.klBackward(d, 0, new float[2 * latent], 0, 1f, 1, latent);
        for (float g : d) assertEquals(0f, g, 0f);
    }
}
