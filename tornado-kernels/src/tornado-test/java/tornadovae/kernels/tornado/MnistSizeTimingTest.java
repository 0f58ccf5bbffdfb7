package tornadovae.kernels.tornado;

import static tornadovae.kernels.tornado.Harness.assertClose;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.HostBackend;
import tornadovae.kernels.plan.StepPlan;
import tornadovae.kernels.plan.Workspace;

/**
 * The MNIST MLP VAE's real shapes (784-400-20, batch 128, eval batch 100) on the TornadoVM device:
 * checks two steps against the reference, then reports compile time and ms per step. Slow (the
 * reference and a cold compile), so only with {@code -Dtornadovae.timing=true}. Numbers are
 * printed, never asserted: speed goals live in benchmarks.
 */
@EnabledIfSystemProperty(named = "tornadovae.timing", matches = "true")
class MnistSizeTimingTest {

    @ParameterizedTest(name = "sgemm variant {0}")
    @ValueSource(ints = {3, 2, 1})
    void mnistShapes(int variant) {
        MlpVaePlans vae = new MlpVaePlans(784, 400, 20, 128, 100, ActivationKind.RELU, ActivationKind.RELU, 1e9f);
        StepPlan train = vae.train(), eval = vae.eval();
        Workspace devWs = vae.workspace(), refWs = vae.workspace();
        vae.init(devWs, 42);
        vae.init(refWs, 42);
        try (HostBackend ref = HostBackend.reference(); TornadoBackend dev = new TornadoBackend(null, variant, true, 0)) {
            ref.prepare(refWs, List.of(train, eval));
            long t0 = System.nanoTime();
            dev.prepare(devWs, List.of(train, eval));
            double prepareMs = (System.nanoTime() - t0) / 1e6;
            Random rDev = new Random(7), rRef = new Random(7);
            for (int t = 1; t <= 2; t++) {
                vae.nextStep(devWs, rDev, t);
                vae.nextStep(refWs, rRef, t);
                ref.run(train);
                dev.run(train);
                float[] e = Arrays.copyOf(refWs.out(), 2 * vae.batch + 1), a = Arrays.copyOf(devWs.out(), 2 * vae.batch + 1);
                assertClose("step " + t + " OUT", e, a, 1e-3);
            }
            dev.run(eval);
            int steps = 30;
            long s0 = System.nanoTime();
            for (int t = 3; t < 3 + steps; t++) {
                vae.nextStep(devWs, rDev, t);
                dev.run(train);
            }
            double trainMs = (System.nanoTime() - s0) / 1e6 / steps;
            s0 = System.nanoTime();
            for (int t = 0; t < steps; t++) dev.run(eval);
            double evalMs = (System.nanoTime() - s0) / 1e6 / steps;
            System.out.printf(Locale.ROOT, "[timing] %s, sgemm variant %d: prepare (upload graph) %.0f ms%n", dev.name(), variant, prepareMs);
            for (var pt : dev.timings())
                System.out.printf(Locale.ROOT, "[timing]   plan %-5s %2d tasks in %d graph(s): first run %.0f ms (kernel compile %.0f ms)%n",
                        pt.plan(), pt.tasks(), pt.graphs(), pt.firstRunMs(), pt.compileMs());
            System.out.printf(Locale.ROOT, "[timing]   steady state: train %.1f ms/step (%.0f images/s), eval %.1f ms/batch%n",
                    trainMs, vae.batch * 1000 / trainMs, evalMs);
        }
    }
}
