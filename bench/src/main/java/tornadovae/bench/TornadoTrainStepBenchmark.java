package tornadovae.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;
import tornadovae.cli.DeviceComparison;
import tornadovae.engine.Backends;
import tornadovae.engine.Noise;
import tornadovae.engine.VaeSession;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.Loss;
import tornadovae.model.Optimizer;
import tornadovae.model.VaeSpec;

/**
 * {@link TrainStepBenchmark}'s and {@link ConvTrainStepBenchmark}'s steps (MLP 784-400-20 and
 * mnist-conv, batch 128) on a TornadoVM device, parameter {@code model}. Needs a
 * jar built with a TornadoVM SDK and TornadoVM's JVM flags in the fork, which an annotation cannot
 * name (the SDK's path differs per machine): run it as
 * {@code java -jar bench/target/benchmarks.jar TornadoTrainStep -jvmArgsPrepend @$TORNADOVM_HOME/tornado-argfile}.
 * Without them setup fails with the reason. The first step, which compiles the kernels, runs in setup.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Thread)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Dtornado.recover.bailout=False",
        "-Dtornado.tvm.maxbytecodesize=65536"})
public class TornadoTrainStepBenchmark {
    /** TornadoVM device as backendIndex:deviceIndex (`vae devices` lists them). */
    @Param({"0:0"})
    String device;

    @Param({"128"})
    int batch;

    /** mlp (784-400-20) or a preset such as mnist-conv. */
    @Param({"mlp", "mnist-conv"})
    String model;

    VaeSession session;
    float[] images;
    Noise noise;
    int k;

    @Setup
    public void setup() {
        String why = Backends.tornadoUnavailableReason();
        if (why != null) throw new IllegalStateException("TornadoVM cannot run here: " + why);
        var vae = (model.equals("mlp") ? VaeSpec.mnistDefault() : VaeSpec.preset(model, 0, ActivationKind.RELU, Loss.BCE)).build();
        session = new VaeSession(vae, Backends.create("tornado", device, 1), Optimizer.adam(),
                new int[]{batch}, new int[0], new int[0]);
        vae.initParams(session.workspace().params(), 1);
        session.prepare();
        images = DeviceComparison.syntheticImages(16 * batch, vae.inputDim(), 1);
        noise = new Noise(2);
        trainStep(); // compiles the kernels
    }

    @Benchmark
    public double trainStep() {
        int from = (k++ % 16) * batch; // cycle over 16 batches of fixed data
        return session.trainStep(images, null, from, batch, 1e-3f, 1f, noise).recon();
    }

    @TearDown
    public void tearDown() { session.close(); }
}
