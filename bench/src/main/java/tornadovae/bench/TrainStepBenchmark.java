package tornadovae.bench;

import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;
import tornadovae.engine.Backends;
import tornadovae.engine.Noise;
import tornadovae.engine.VaeSession;
import tornadovae.model.Optimizer;
import tornadovae.model.VaeSpec;

/**
 * One training step (forward, loss, backward, Adam) of the pytorch/examples MLP VAE
 * (784-400-20, batch 128) on the JVM backend. PyTorch 1.13 on the same 2-core machine kind:
 * 8.8–10.9 ms per step (docs/BENCHMARKS.md); compare ratios measured side by side.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-XX:+UseParallelGC"})
public class TrainStepBenchmark {
    @Param({"2", "1"})
    int threads;

    @Param({"128"})
    int batch;

    VaeSession session;
    float[] images;
    int[] order;
    Noise noise;
    int k;

    @Setup
    public void setup() {
        var vae = VaeSpec.mnistDefault().build();
        session = new VaeSession(vae, Backends.create("jvm", null, threads), Optimizer.adam(),
                new int[]{batch}, new int[0], new int[0]);
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
    public double mlpTrainStep() {
        int from = (k++ % 16) * batch; // cycle over 16 batches of fixed data
        return session.trainStep(images, order, from, batch, 1e-3f, 1f, noise).recon();
    }

    @TearDown
    public void tearDown() { session.close(); }
}
