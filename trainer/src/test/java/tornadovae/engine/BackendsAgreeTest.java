package tornadovae.engine;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.ConvSpec;
import tornadovae.model.Loss;
import tornadovae.model.Optimizer;
import tornadovae.model.Shape;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/**
 * The same seed gives the same losses on every backend: the JVM schedules against the reference
 * kernels always, and TornadoVM against the JVM where a TornadoVM SDK is installed.
 */
class BackendsAgreeTest {
    static final int N = 200, BATCH = 64; // 200 % 64 = 8: the partial-batch plan runs too

    /** Per-step total losses of 10 training steps, then the eval loss; and the final parameters. */
    record Trace(List<Double> losses, float[] params) {}

    static Trace trace(String backend, ActivationKind act, Loss loss, Optimizer opt) {
        return trace(backend, new VaeSpec("mlp", Shape.of(1, 28, 28), new int[]{96, 48}, 6, act, 0.2f, loss), opt, 10);
    }

    /** A small mnist-conv: Conv2d(1,8,3,s2,p1), Conv2d(8,16,3,s2,p1), Linear(784,32), latent 6, mirrored. */
    static VaeSpec smallConv(ActivationKind act, Loss loss) {
        return new VaeSpec("conv", Shape.of(1, 28, 28), new int[]{32}, 6, act, 0.2f, loss, new ConvSpec(new int[]{8, 16}, 3, 2, 1, 0));
    }

    static Trace trace(String backend, VaeSpec spec, Optimizer opt, int steps) {
        Vae vae = spec.build();
        float[] images = new float[N * 784];
        Random r = new Random(3);
        for (int i = 0; i < images.length; i++) images[i] = r.nextFloat() < 0.7f ? 0f : r.nextFloat();
        int[] order = new int[N];
        for (int i = 0; i < N; i++) order[i] = i;
        List<Double> losses = new ArrayList<>();
        try (VaeSession s = new VaeSession(vae, Backends.create(backend, null, 2), opt,
                VaeSession.batchSizes(N, BATCH), VaeSession.batchSizes(N, BATCH), new int[]{16})) {
            vae.initParams(s.workspace().params(), 11);
            s.prepare();
            Noise noise = new Noise(5);
            for (int step = 0; step < steps; step++) {
                int from = (step * BATCH) % (N - N % BATCH + BATCH);
                int n = Math.min(BATCH, N - from);
                losses.add(s.trainStep(images, order, from, n, 2e-3f, 0.8f, noise).total(0.8));
            }
            losses.add(s.evaluate(images, N, BATCH, new Noise(9)).total(1));
            s.backend().pullState();
            return new Trace(losses, s.workspace().params().clone());
        }
    }

    static void assertSameRun(Trace expected, Trace actual, double tol) {
        for (int i = 0; i < expected.losses().size(); i++)
            assertEquals(expected.losses().get(i), actual.losses().get(i), tol * Math.abs(expected.losses().get(i)), "loss " + i);
        double maxDiff = 0;
        for (int i = 0; i < expected.params().length; i++)
            maxDiff = Math.max(maxDiff, Math.abs(expected.params()[i] - actual.params()[i]));
        assertTrue(maxDiff < 50 * tol, "largest parameter difference " + maxDiff);
    }

    @Test
    void jvmMatchesReference() {
        Optimizer opt = Optimizer.adam().withClip(50f).withWeightDecay(0.01f);
        assertSameRun(trace("reference", ActivationKind.LEAKY_RELU, Loss.BCE_MSE, opt),
                trace("jvm", ActivationKind.LEAKY_RELU, Loss.BCE_MSE, opt), 1e-4);
    }

    @Test
    void tornadoMatchesJvm() {
        String reason = Backends.tornadoUnavailableReason();
        if (reason != null) System.out.println("BackendsAgreeTest.tornadoMatchesJvm skipped: " + reason);
        assumeTrue(reason == null, reason);
        Optimizer opt = Optimizer.adam().withClip(50f);
        assertSameRun(trace("jvm", ActivationKind.RELU, Loss.BCE, opt), trace("tornado", ActivationKind.RELU, Loss.BCE, opt), 1e-3);
    }

    @Test
    void jvmMatchesReferenceOnAConvVae() {
        Optimizer opt = Optimizer.adam().withClip(50f);
        VaeSpec spec = smallConv(ActivationKind.LEAKY_RELU, Loss.BCE);
        assertSameRun(trace("reference", spec, opt, 6), trace("jvm", spec, opt, 6), 1e-4);
    }

    @Test
    void tornadoMatchesJvmOnAConvVae() {
        String reason = Backends.tornadoUnavailableReason();
        if (reason != null) System.out.println("BackendsAgreeTest.tornadoMatchesJvmOnAConvVae skipped: " + reason);
        assumeTrue(reason == null, reason);
        Optimizer opt = Optimizer.adam();
        VaeSpec spec = smallConv(ActivationKind.RELU, Loss.BCE);
        assertSameRun(trace("jvm", spec, opt, 20), trace("tornado", spec, opt, 20), 1e-3);
    }
}
