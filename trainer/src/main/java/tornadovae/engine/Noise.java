package tornadovae.engine;

import org.apache.commons.rng.RestorableUniformRandomProvider;
import org.apache.commons.rng.sampling.distribution.ZigguratSampler;
import org.apache.commons.rng.simple.RandomSource;

/**
 * A seeded, restorable random stream for shuffling and Gaussian noise. Training and evaluation
 * use separate streams so that how often one evaluates never changes the training run.
 */
public final class Noise {
    private final RestorableUniformRandomProvider rng;
    private final ZigguratSampler.NormalizedGaussian gauss;

    public Noise(long seed) {
        rng = RandomSource.XO_RO_SHI_RO_128_PP.create(seed);
        gauss = ZigguratSampler.NormalizedGaussian.of(rng);
    }

    public void gaussian(float[] dst, int off, int n) {
        for (int i = 0; i < n; i++) dst[off + i] = (float) gauss.sample();
    }

    /** Fisher–Yates shuffle. */
    public void shuffle(int[] a) {
        for (int i = a.length - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = a[i]; a[i] = a[j]; a[j] = t;
        }
    }

    /** Uniform in [0, bound). */
    public int nextInt(int bound) { return rng.nextInt(bound); }

    public boolean nextBoolean() { return rng.nextBoolean(); }

    public byte[] saveState() { return ((org.apache.commons.rng.core.RandomProviderDefaultState) rng.saveState()).getState(); }

    public void restoreState(byte[] state) { rng.restoreState(new org.apache.commons.rng.core.RandomProviderDefaultState(state)); }
}
