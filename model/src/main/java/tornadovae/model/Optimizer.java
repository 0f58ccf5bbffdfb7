package tornadovae.model;

/**
 * Adam's frozen hyperparameters (the learning rate changes per step and travels in SCALARS).
 * clipGradNorm ≤ 0 disables clipping; weightDecay is decoupled (AdamW) when positive.
 */
public record Optimizer(float beta1, float beta2, float eps, float weightDecay, float clipGradNorm) {
    public Optimizer {
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("Adam beta1 must be in [0, 1), got " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("Adam beta2 must be in [0, 1), got " + beta2);
        if (!(eps > 0)) throw new IllegalArgumentException("Adam eps must be positive, got " + eps);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be ≥ 0, got " + weightDecay);
        if (Float.isNaN(clipGradNorm)) throw new IllegalArgumentException("gradient clipping norm is NaN");
    }

    /** PyTorch's Adam defaults, no clipping. */
    public static Optimizer adam() { return new Optimizer(0.9f, 0.999f, 1e-8f, 0f, 0f); }

    public Optimizer withClip(float maxNorm) { return new Optimizer(beta1, beta2, eps, weightDecay, maxNorm); }
    public Optimizer withWeightDecay(float wd) { return new Optimizer(beta1, beta2, eps, wd, clipGradNorm); }
}
