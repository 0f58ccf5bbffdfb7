package tornadovae.kernels.plan;

/**
 * Slots of the SCALARS buffer. TornadoVM freezes scalar kernel arguments when a graph is built,
 * so every value that changes from step to step travels in this small array instead.
 */
public final class Scalars {
    private Scalars() {}

    public static final int LEARNING_RATE = 0;
    /** 1 - beta1^t */
    public static final int ADAM_BC1 = 1;
    /** 1 - beta2^t */
    public static final int ADAM_BC2 = 2;
    /** Weight of the KL term (beta times the annealing factor). */
    public static final int KL_WEIGHT = 3;
    public static final int SIZE = 8;
}
