package tornadovae.model;

import java.util.Locale;

/**
 * Reconstruction loss, summed over pixels: BCE on the sigmoid output (computed from logits,
 * numerically stable), MSE on the sigmoid output, or their sum.
 */
public enum Loss {
    BCE(1f, 0f, "bce"), MSE(0f, 1f, "mse"), BCE_MSE(1f, 1f, "bce+mse");

    public final float wBce, wMse;
    public final String cliName;

    Loss(float wBce, float wMse, String cliName) {
        this.wBce = wBce;
        this.wMse = wMse;
        this.cliName = cliName;
    }

    public static Loss parse(String s) {
        for (Loss l : values()) if (l.cliName.equals(s.toLowerCase(Locale.ROOT))) return l;
        throw new IllegalArgumentException("unknown loss '" + s + "' (expected bce, mse or bce+mse)");
    }
}
