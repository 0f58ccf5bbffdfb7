package tornadovae.engine;

/**
 * How the training loop makes one step: on this machine ({@link #LOCAL}, {@link VaeSession#trainStep}), or split
 * over workers whose gradients are summed before one optimiser step here (the spark module). The loop around it
 * (order, noise stream, metrics, checkpoints) is the same either way.
 */
public interface StepRunner {
    /** Adds the plans this runner needs to the session; called before {@link VaeSession#prepare()}. */
    default void addPlans(VaeSession session) {}

    /**
     * One optimiser step on images[order[from..from+batch)], drawing its reparameterisation noise from {@code noise}
     * exactly as {@link VaeSession#trainStep} does; returns the batch's loss sums.
     */
    VaeSession.Losses step(VaeSession session, float[] images, int[] order, int from, int batch, float lr, float klWeight,
                           Noise noise);

    StepRunner LOCAL = VaeSession::trainStep;
}
