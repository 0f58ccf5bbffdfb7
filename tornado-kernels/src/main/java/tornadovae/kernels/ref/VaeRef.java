package tornadovae.kernels.ref;

/**
 * The VAE-specific ops. The encoder head writes one [B][2L] block per batch: mu in columns
 * 0..L-1, logvar in columns L..2L-1 (one dense layer of 2L outputs, so one GEMM, not two).
 */
public final class VaeRef {
    private VaeRef() {}

    /** z = mu + exp(logvar/2)·eps, z is [B][L], eps is [B][L]. */
    public static void reparamForward(float[] z, int zOff, float[] muLogvar, int mlOff, float[] eps, int epsOff,
                                      int batch, int latent) {
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < latent; j++) {
                float mu = muLogvar[mlOff + b * 2 * latent + j];
                float lv = muLogvar[mlOff + b * 2 * latent + latent + j];
                z[zOff + b * latent + j] = mu + (float) Math.exp(0.5 * lv) * eps[epsOff + b * latent + j];
            }
    }

    /** d(mu) = dz, d(logvar) = dz·eps·exp(logvar/2)/2. Overwrites dMuLogvar. */
    public static void reparamBackward(float[] dMuLogvar, int dOff, float[] dz, int dzOff,
                                       float[] muLogvar, int mlOff, float[] eps, int epsOff, int batch, int latent) {
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < latent; j++) {
                float g = dz[dzOff + b * latent + j];
                float lv = muLogvar[mlOff + b * 2 * latent + latent + j];
                dMuLogvar[dOff + b * 2 * latent + j] = g;
                dMuLogvar[dOff + b * 2 * latent + latent + j] =
                        (float) (g * eps[epsOff + b * latent + j] * 0.5 * Math.exp(0.5 * lv));
            }
    }

    /** Closed-form KL(q(z|x) || N(0,I)) per sample: -1/2 Σ (1 + logvar - mu² - exp(logvar)). */
    public static void klForward(float[] klPerSample, int klOff, float[] muLogvar, int mlOff, int batch, int latent) {
        for (int b = 0; b < batch; b++) {
            double acc = 0;
            for (int j = 0; j < latent; j++) {
                double mu = muLogvar[mlOff + b * 2 * latent + j];
                double lv = muLogvar[mlOff + b * 2 * latent + latent + j];
                acc += 1 + lv - mu * mu - Math.exp(lv);
            }
            klPerSample[klOff + b] = (float) (-0.5 * acc);
        }
    }

    /** Adds weight·dKL/d(mu, logvar): d(mu) += w·mu, d(logvar) += w·(exp(logvar) - 1)/2. */
    public static void klBackward(float[] dMuLogvar, int dOff, float[] muLogvar, int mlOff, float weight,
                                  int batch, int latent) {
        for (int b = 0; b < batch; b++)
            for (int j = 0; j < latent; j++) {
                int mu = b * 2 * latent + j, lv = mu + latent;
                dMuLogvar[dOff + mu] += weight * muLogvar[mlOff + mu];
                dMuLogvar[dOff + lv] += (float) (weight * 0.5 * (Math.exp(muLogvar[mlOff + lv]) - 1.0));
            }
    }

    /**
     * Free bits (Kingma et al., 2016): the KL term becomes Σ_j max(λ, KL_j) with KL_j the KL of
     * dimension j averaged over the batch, so a dimension below λ gets no KL gradient and the
     * encoder is free to use it. Dimensions at or above λ get klBackward's gradient.
     */
    public static void klBackwardFreeBits(float[] dMuLogvar, int dOff, float[] muLogvar, int mlOff, float weight,
                                          float freeBits, int batch, int latent) {
        for (int j = 0; j < latent; j++) {
            double kl = 0;
            for (int b = 0; b < batch; b++) {
                double mu = muLogvar[mlOff + b * 2 * latent + j], lv = muLogvar[mlOff + b * 2 * latent + latent + j];
                kl += -0.5 * (1 + lv - mu * mu - Math.exp(lv));
            }
            if (kl / batch < freeBits) continue;
            for (int b = 0; b < batch; b++) {
                int mu = b * 2 * latent + j, lv = mu + latent;
                dMuLogvar[dOff + mu] += weight * muLogvar[mlOff + mu];
                dMuLogvar[dOff + lv] += (float) (weight * 0.5 * (Math.exp(muLogvar[mlOff + lv]) - 1.0));
            }
        }
    }
}
