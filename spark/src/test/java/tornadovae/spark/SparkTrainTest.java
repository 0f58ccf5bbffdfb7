package tornadovae.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.Success$;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.cli.TrainArgs;
import tornadovae.cli.VaeCommand;
import tornadovae.engine.Checkpoints;
import tornadovae.trainer.TrainOptions;
import tornadovae.trainer.Trainer;

/**
 * Data-parallel training is the single-machine run: 640 MNIST-like images, global batch 128, so one epoch is 5
 * steps, from the same seed; `vae train` on this machine against `vae spark train` with 2 partitions on local[2].
 */
class SparkTrainTest {
    @TempDir static Path dir;
    static Path data, local, spark;
    static float[] initial;

    static String[] trainArgs(Path out) {
        return new String[]{"--dataset", "mnist", "--data-dir", data.toString(), "--limit", "640", "--test-limit", "64",
                "--epochs", "1", "--batch-size", "128", "--seed", "7", "--threads", "1", "--quiet", "--out", out.toString()};
    }

    static String[] concat(String[] a, String... b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }

    @BeforeAll
    static void runBoth() throws Exception {
        TestSpark.session();
        data = TestSpark.tinyMnist(dir.resolve("mnist"), 640, 64);
        local = dir.resolve("local");
        spark = dir.resolve("spark");
        PrintStream out = System.out;
        try {
            System.setOut(new PrintStream(java.io.OutputStream.nullOutputStream()));
            assertEquals(0, VaeCommand.execute(concat(new String[]{"train"}, trainArgs(local))));
        } finally {
            System.setOut(out);
        }
        TestSpark.Run r = TestSpark.cli(concat(new String[]{"train", "--master", "local[2]", "--partitions", "2"}, trainArgs(spark)));
        assertEquals(0, r.code(), r.err());
    }

    static float[] params(Path run) throws IOException { return Checkpoints.load(run.resolve("last.safetensors")).params(); }

    /** ||a − b|| / ||b||, in double. */
    static double relativeDiff(float[] a, float[] b) {
        double d = 0, n = 0;
        for (int i = 0; i < a.length; i++) {
            d += ((double) a[i] - b[i]) * ((double) a[i] - b[i]);
            n += (double) b[i] * b[i];
        }
        return Math.sqrt(d / n);
    }

    @Test
    void twoPartitionsGiveTheSingleMachineParameters() throws IOException {
        float[] a = params(local), b = params(spark);
        assertEquals(a.length, b.length);
        double rel = relativeDiff(b, a);
        System.out.printf("spark train, 2 partitions vs vae train after 5 steps: relative L2 difference %.3g%n", rel);
        assertTrue(rel <= 1e-5, "relative difference " + rel);
    }

    /** With 2 latent draws a sample the noise is [draw][row][latent]: each shard must get its rows of every draw. */
    @Test
    void twoPartitionsWithTwoLatentDrawsGiveTheSingleMachineParameters() throws IOException {
        Path localMc = dir.resolve("local-mc"), sparkMc = dir.resolve("spark-mc");
        PrintStream out = System.out;
        try {
            System.setOut(new PrintStream(java.io.OutputStream.nullOutputStream()));
            assertEquals(0, VaeCommand.execute(concat(new String[]{"train"}, concat(trainArgs(localMc), "--mc-samples", "2"))));
        } finally {
            System.setOut(out);
        }
        TestSpark.Run r = TestSpark.cli(concat(new String[]{"train", "--partitions", "2"}, concat(trainArgs(sparkMc), "--mc-samples", "2")));
        assertEquals(0, r.code(), r.err());
        double rel = relativeDiff(params(sparkMc), params(localMc));
        assertTrue(rel <= 1e-5, "relative difference " + rel);
    }

    @Test
    void theRunFolderHasWhatVaeTrainWrites() throws IOException {
        assertEquals(files(local), files(spark));
        assertEquals(Files.readAllLines(local.resolve("metrics.csv")).getFirst(), Files.readAllLines(spark.resolve("metrics.csv")).getFirst());
    }

    private static Set<String> files(Path run) throws IOException {
        try (Stream<Path> s = Files.list(run)) {
            return s.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    void onePartitionIsTheSingleMachineRunBitForBit() throws IOException {
        Path one = dir.resolve("one");
        TrainOptions o = TrainArgs.parse(trainArgs(one));
        try (SparkStepRunner runner = new SparkStepRunner(JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext()), 1)) {
            new Trainer(o, new PrintStream(java.io.OutputStream.nullOutputStream())).stepRunner(runner).run();
        }
        assertArrayEquals(params(local), params(one));
    }

    /** One partition's local SGD is the single-machine run: rounds of 3 and 2 steps (the epoch's end closes one). */
    @Test
    void localSgdOnOnePartitionIsTheSingleMachineRun() throws IOException {
        Path one = dir.resolve("local-sgd-1");
        TestSpark.Run r = TestSpark.cli(concat(new String[]{"train", "--partitions", "1", "--average-every", "3"}, trainArgs(one)));
        assertEquals(0, r.code(), r.err());
        assertArrayEquals(params(local), params(one));
    }

    /** Two partitions' local SGD is another algorithm: it trains, to other parameters than the synchronous run. */
    @Test
    void localSgdOnTwoPartitionsAveragesOtherParameters() throws IOException {
        Path two = dir.resolve("local-sgd-2");
        TestSpark.Run r = TestSpark.cli(concat(new String[]{"train", "--partitions", "2", "--average-every", "5"}, trainArgs(two)));
        assertEquals(0, r.code(), r.err());
        float[] p = params(two);
        for (float x : p) assertTrue(Float.isFinite(x));
        double rel = relativeDiff(p, params(spark));
        assertTrue(rel > 1e-5, "local SGD gave the synchronous run's parameters: " + rel);
    }

    @Test
    void aFailedTaskIsRetriedAndGivesTheSameParameters() throws IOException {
        AtomicInteger failed = new AtomicInteger();
        SparkListener count = new SparkListener() {
            @Override public void onTaskEnd(SparkListenerTaskEnd e) { if (e.reason() != Success$.MODULE$) failed.incrementAndGet(); }
        };
        var sc = TestSpark.session().sparkContext();
        sc.addSparkListener(count);
        Path faulty = dir.resolve("faulty");
        try (SparkStepRunner runner = new SparkStepRunner(JavaSparkContext.fromSparkContext(sc), 2).failFirstAttempt(3, 1)) {
            new Trainer(TrainArgs.parse(trainArgs(faulty)), new PrintStream(java.io.OutputStream.nullOutputStream()))
                    .stepRunner(runner).run();
        } finally {
            sc.removeSparkListener(count);
        }
        assertTrue(failed.get() >= 1, "no task failed: the fault was not injected");
        assertArrayEquals(params(spark), params(faulty));
    }

    @Test
    void optionsThatASplitBatchCannotHonourAreOneSentence() {
        TestSpark.Run r = TestSpark.cli(concat(new String[]{"train", "--partitions", "2"}, concat(trainArgs(dir.resolve("fb")), "--free-bits", "0.5")));
        assertEquals(1, r.code());
        assertTrue(r.err().startsWith("vae: --free-bits"), r.err());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertFalse(Files.exists(dir.resolve("fb")));
    }
}
