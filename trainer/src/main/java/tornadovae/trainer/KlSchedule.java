package tornadovae.trainer;

import tornadovae.engine.TrainingLoop.KlWeight;

/**
 * How the KL term is weighted during training, on top of β: a linear warm-up from 0 to β over
 * the first {@code warmupEpochs} epochs, or cyclical annealing (Fu et al., 2019: {@code cycles}
 * cycles over the run, each ramping from 0 to β over its first half and holding β for the
 * second), and free bits (Kingma et al., 2016): a latent dimension whose KL, averaged over the
 * batch, is below {@code freeBits} nats gets no KL gradient. Both are updated every step.
 */
public record KlSchedule(int warmupEpochs, int cycles, float freeBits) implements KlWeight {
    public static final KlSchedule NONE = new KlSchedule(0, 0, 0f);

    public KlSchedule {
        if (warmupEpochs < 0) throw new IllegalArgumentException("--kl-warmup must be ≥ 0 epochs, got " + warmupEpochs);
        if (cycles < 0) throw new IllegalArgumentException("--kl-cycles must be ≥ 0, got " + cycles);
        if (warmupEpochs > 0 && cycles > 0)
            throw new IllegalArgumentException("--kl-warmup and --kl-cycles are two schedules for the same weight; choose one");
        if (!(freeBits >= 0) || Float.isInfinite(freeBits))
            throw new IllegalArgumentException("--free-bits must be a number ≥ 0 (nats per latent dimension), got " + freeBits);
    }

    /**
     * The factor in [0, 1] that multiplies β at 0-based step {@code step} of a run of
     * {@code totalSteps} steps with {@code stepsPerEpoch} steps per epoch.
     */
    @Override public double factor(long step, int stepsPerEpoch, long totalSteps) {
        return KlWeight.schedule(warmupEpochs, cycles, step, stepsPerEpoch, totalSteps);
    }
}
