package tornadovae.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;
import tornadovae.engine.Backends;
import tornadovae.engine.Noise;
import tornadovae.engine.VaeSession;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.Loss;
import tornadovae.model.Optimizer;
import tornadovae.model.VaeSpec;

/**
 * One training step (forward, loss, backward, Adam) of the mnist-conv VAE (docs/BENCHMARKS.md's conv VAE:
 * two Conv2d, Linear 3136-256-20, mirrored ConvTranspose2d decoder) at batch 128 on the JVM
 * backend. PyTorch 1.13 on the same 2-core machine kind: 51–67 ms per step; compare ratios
 * measured side by side.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class ConvTrainStepBenchmark {
    @Param({"2", "1"})
    int threads;

    @Param({"128"})
    int batch;

    @Param({"1"})
    int mcSamples;

    VaeSession session;
    float[] images;
    int[] order;
    Noise noise;
    int k;

    @Setup
    public void setup() {
        var vae = VaeSpec.preset("mnist-conv", 0, ActivationKind.RELU, Loss.BCE).build();
        session = new VaeSession(vae, Backends.create("jvm", null, threads), Optimizer.adam(),
                new int[]{batch}, new int[0], new int[0], mcSamples);
        vae.initParams(session.workspace().params(), 1);
        session.prepare();
        int n = 16 * batch;
        images = new float[n * vae.inputDim()];
        Random r = new Random(1);
        for (int i = 0; i < images.length; i++) images[i] = r.nextFloat() < 0.8f ? 0f : r.nextFloat();
        order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        noise = new Noise(2);
    }

    @Benchmark
    public double mnistConvTrainStep() {
        int from = (k++ % 16) * batch; // cycle over 16 batches of fixed data
        return session.trainStep(images, order, from, batch, 1e-3f, 1f, noise).recon();
    }

    @TearDown
    public void tearDown() { session.close(); }
}
