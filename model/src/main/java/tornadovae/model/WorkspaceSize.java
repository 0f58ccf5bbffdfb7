package tornadovae.model;

/**
 * The floats a {@link Vae}'s workspace needs for plans of up to {@code maxBatch} samples, in long arithmetic, so
 * that a batch size (or --mc-samples) too large for the heap or for a Java array can be refused before anything
 * is allocated, instead of overflowing the int offsets of the plans' slices.
 *
 * @param params parameters (GRADS, ADAM_M and ADAM_V are as large again, each)
 * @param acts activations, gradients and scratch of the training plan (the largest plan)
 */
public record WorkspaceSize(long params, long acts, long input, long noise, long out) {
    /** The largest array the JVM allocates (a few words below Integer.MAX_VALUE elements). */
    public static final long MAX_ARRAY = Integer.MAX_VALUE - 8;

    static WorkspaceSize of(Vae vae, int maxBatch, int mcSamples) {
        long b = Math.max(1, maxBatch), mc = Math.max(1, mcSamples);
        return new WorkspaceSize(vae.paramCount(), acts(vae, b, mc), b * vae.inputDim(), mc * b * vae.latent(),
                outFloats(b, vae.latent(), vae.inputDim()));
    }

    /** OUT: per-sample losses and KL, the gradient norm, [mu | logvar] and the reconstructions. */
    static long outFloats(long batch, int latent, int dim) { return 2 * batch + 1 + 2 * batch * latent + batch * dim; }

    /**
     * The training plan lays its activations out as c + b·x + b·mc·y floats (per-sample slices, per-draw slices
     * and a fixed part): small plans give c, x and y exactly, and the size at (b, mc) follows without building
     * the plan at that size. One draw has no per-draw copies, so it is a line of its own (y = 0). Multiplying in
     * long and saturating keeps any size finite and comparable.
     */
    static long acts(Vae vae, long b, long mc) {
        if (mc == 1) {
            long f1 = vae.actsUsed(1, 1), x = vae.actsUsed(2, 1) - f1;
            return sat(f1 - x + sat(b * x));
        }
        long f12 = vae.actsUsed(1, 2), f22 = vae.actsUsed(2, 2), f13 = vae.actsUsed(1, 3);
        long y = f13 - f12, x = f22 - f12 - 2 * y, c = f12 - x - 2 * y;
        return sat(sat(c + sat(b * x)) + sat(sat(b * mc) * y));
    }

    private static long sat(long v) { return v < 0 || v > Long.MAX_VALUE / 4 ? Long.MAX_VALUE / 4 : v; }

    /** All of it, in floats: parameters four times over (with gradients and Adam's moments). */
    public long floats() { return 4 * params + acts + input + noise + out; }

    public long bytes() { return Math.multiplyHigh(floats(), 4) != 0 ? Long.MAX_VALUE : floats() * 4; }

    /** The largest single array. */
    public long largestArray() { return Math.max(Math.max(params, acts), Math.max(input, Math.max(noise, out))); }
}
