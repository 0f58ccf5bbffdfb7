package tornadovae.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import tornadovae.kernels.jvm.Sgemm;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * GFLOP/s of the JVM backend's SGEMM on the MLP VAE's shapes (batch 128) and on cubes.
 *
 * Read the secondary result {@code sgemm:gflop}: it counts kFLOP per call and JMH reports it per
 * microsecond, which is GFLOP/s. (The primary score is calls per microsecond.)
 *
 * <pre>
 * java -jar bench/target/benchmarks.jar Sgemm -f 1 -wi 2 -i 3 -w 1s -r 1s
 * java -jar bench/target/benchmarks.jar Sgemm -p shape=2048x2048x2048:NN -p threads=1,2
 * </pre>
 *
 * A shape is m x n x k : form, where the form says which operand is stored transposed (T) or not
 * (N): forward x·Wᵀ is NT, input gradient dout·W is NN, weight gradient doutᵀ·x is TN.
 * This host is shared and noisy: compare configurations within one run, and quote ratios.
 *
 * Measured 2026-11-21 on the 2-core AVX-512 EPYC, 1 thread, 4×16 tile, an interleaved harness at
 * load average ~3 (medians): 128x784x400 NT 90, NN 90-93; 128x400x784 NN 92; 400x784x128 TN 96;
 * 784x400x128 TN 98; 40x400x128 TN 86; 128x40x400 NT 68; 128x400x20 NT 62; 128x20x400 NN 45
 * (n = 20 fills 20 of 32 tile columns); 512³ 95; 1024³ 86-88 GFLOP/s. Two threads reached 150-185
 * in the quiet moments of that run. JMH runs at load average 6-9 measured a half to a third of that.
 * On 2026-11-22 the 4×32 tile of 512-bit vectors (what AVX-512 machines now get), alternating with a
 * 4×16 build in one session at load ~1.5: 2048³ 79-81 GFLOP/s against 61-74 on 1 thread, 143-154
 * against 103-133 on 2; 128x3136x256 NT 68-77 against 57-66 on 1 thread.
 * Slow first calls: the interpreter runs the Vector API boxed (the first 128x400x784 call takes ~1 s),
 * so keep at least 5 s of warm-up.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "-Xmx4g"})
@State(Scope.Benchmark)
public class SgemmBenchmark {

    @Param({
            // MLP VAE 784-400-20 at batch 128: forward (NT), input gradients (NN), weight gradients (TN)
            "128x400x784:NT", "128x40x400:NT", "128x400x20:NT", "128x784x400:NT",
            "128x784x400:NN", "128x400x40:NN", "128x20x400:NN", "128x400x784:NN",
            "400x784x128:TN", "784x400x128:TN", "40x400x128:TN",
            "512x512x512:NN", "1024x1024x1024:NN", "1024x1024x1024:NT", "1024x1024x1024:TN", "1024x1024x1024:TT",
            "2048x2048x2048:NN"
    })
    public String shape;

    @Param({"1", "2"})
    public int threads;

    private Sgemm sgemm;
    private float[] a, b, c;
    private int m, n, k;
    private boolean transA, transB;
    private long kflopPerCall;

    /** Aux counter: kFLOP per microsecond is GFLOP/s. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Flops {
        public long gflop;   // named for what the per-µs rate reads as; counts kFLOP

        @Setup(Level.Iteration)
        public void reset() { gflop = 0; }
    }

    @Setup(Level.Trial)
    public void setUp() {
        String[] parts = shape.split("[x:]");
        m = Integer.parseInt(parts[0]);
        n = Integer.parseInt(parts[1]);
        k = Integer.parseInt(parts[2]);
        transA = parts[3].charAt(0) == 'T';
        transB = parts[3].charAt(1) == 'T';
        Random r = new Random(1);
        a = new float[m * k];
        b = new float[k * n];
        c = new float[m * n];
        for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() - 0.5f;
        for (int i = 0; i < b.length; i++) b[i] = r.nextFloat() - 0.5f;
        kflopPerCall = Math.round(2.0 * m * n * k / 1000.0);
        sgemm = new Sgemm(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() { sgemm.close(); }

    @Benchmark
    public float[] sgemm(Flops flops) {
        sgemm.sgemm(c, 0, a, 0, b, 0, m, n, k, transA, transB, false);
        flops.gflop += kflopPerCall;
        return c;
    }
}
