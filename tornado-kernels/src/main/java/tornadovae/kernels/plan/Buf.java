package tornadovae.kernels.plan;

/**
 * The few flat arrays a step plan runs over. A TornadoVM graph stays small because every op of
 * every layer reads and writes slices of these same arrays.
 */
public enum Buf {
    /** All parameters, one arena with named slices (see the model's ParamLayout). */
    PARAMS,
    /** Gradients, same layout as PARAMS. */
    GRADS,
    /** Adam first moments, same layout as PARAMS. */
    ADAM_M,
    /** Adam second moments, same layout as PARAMS. */
    ADAM_V,
    /** Activations and activation gradients of one step. */
    ACTS,
    /** The minibatch, [B][D], uploaded every step. */
    INPUT,
    /** Gaussian noise for the reparameterisation (or latent codes to decode), uploaded every step. */
    NOISE,
    /** Per-step scalars (learning rate, bias corrections, KL weight), see {@link Scalars}. */
    SCALARS,
    /** What the host reads back after a step: per-sample losses, the gradient norm, outputs. */
    OUT;

    /** Buffers that live on the device across steps and are only synchronised on request. */
    public boolean isState() { return this == PARAMS || this == GRADS || this == ADAM_M || this == ADAM_V; }
}
