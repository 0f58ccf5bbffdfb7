package tornadovae.engine;

import java.util.Map;

/**
 * The anomaly score of an input: the negative ELBO, at z = mu, of the model as it was trained. Training minimises
 * recon + β·KL, which is β times recon/β + KL: the negative ELBO of a likelihood whose log is the reconstruction loss
 * divided by β (for the mse loss, a Gaussian of variance β/2 about the reconstruction; for bce, a Bernoulli tempered by
 * 1/β). So the score is recon/β + KL, in nats, and ranks inputs exactly as the training objective does. With β = 1
 * (the default for images) it is the plain recon + KL. A small β is how a model of scaled table columns, whose values
 * lie in [0, 1], gets a likelihood narrow enough to be worth encoding anything in the latent (β = 1 would be a
 * Gaussian of standard deviation 0.7 about values of a tenth of that: the KL wins and the latent collapses).
 *
 * <p>With β = 0 no KL was trained and there is no ELBO: the score is then the reconstruction loss alone.
 */
public final class AnomalyScore {
    private AnomalyScore() {}

    /** The metadata key of the KL weight a model was trained with (absent: 1). */
    public static final String BETA_KEY = "train.beta";

    public static double of(double recon, double kl, double beta) {
        return beta > 0 ? recon / beta + kl : recon;
    }

    /** The β a checkpoint was trained with; IllegalArgumentException naming the key when it is no number ≥ 0. */
    public static double beta(Map<String, String> metadata) {
        String v = metadata.get(BETA_KEY);
        if (v == null) return 1;
        double b;
        try {
            b = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            b = Double.NaN;
        }
        if (!(b >= 0) || Double.isInfinite(b)) throw new IllegalArgumentException("its '" + BETA_KEY + "' is not a number ≥ 0: " + v);
        return b;
    }
}
