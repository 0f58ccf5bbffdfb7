package tornadovae.api;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VaeModelTest {
    @TempDir static Path tmp;
    static VaeModel model;
    static float[][] images;

    @BeforeAll
    static void load() throws Exception {
        model = VaeModel.load(TestCheckpoints.write(tmp.resolve("m.safetensors")), 3);
        images = TestCheckpoints.images(40, 11);
    }

    @AfterAll
    static void close() { model.close(); }

    @Test
    void sizesComeFromTheCheckpoint() {
        assertEquals(784, model.inputSize());
        assertEquals(5, model.latentSize());
    }

    @Test
    void reconstructionIsTheDecodedMean() {
        for (int i = 0; i < 3; i++) {
            VaeModel.Encoding e = model.encode(images[i]);
            assertEquals(5, e.mu().length);
            assertEquals(5, e.logvar().length);
            assertArrayEquals(model.decode(e.mu()), model.reconstruct(images[i]), 1e-6f);
        }
    }

    @Test
    void anomalyScoreIsBcePlusKlAtTheMean() {
        float[] x = images[4];
        float[] p = model.reconstruct(x);
        VaeModel.Encoding e = model.encode(x);
        double bce = 0, kl = 0;
        for (int i = 0; i < x.length; i++) {
            double q = Math.min(Math.max(p[i], 1e-7), 1 - 1e-7);
            bce -= x[i] * Math.log(q) + (1 - x[i]) * Math.log(1 - q);
        }
        for (int j = 0; j < 5; j++) kl += -0.5 * (1 + e.logvar()[j] - e.mu()[j] * e.mu()[j] - Math.exp(e.logvar()[j]));
        double score = model.anomalyScore(x);
        assertEquals(bce + kl, score, 1e-3 * score);
        assertEquals(score, model.anomalyScore(x, new float[5]), "zero noise is the default");
        assertNotEquals(score, model.anomalyScore(x, new float[]{1, -1, 1, -1, 1}), "given noise is used");
        assertEquals(score, model.anomalyScores(new float[][]{images[3], x})[1], 1e-4 * score, "batched alike");
    }

    @Test
    void samplesAreSeededPixelProbabilities() {
        float[][] a = model.sample(20, 9), b = model.sample(20, 9), c = model.sample(20, 10);
        assertEquals(20, a.length);
        for (int i = 0; i < 20; i++) {
            assertArrayEquals(a[i], b[i]);
            for (float v : a[i]) assertTrue(v >= 0 && v <= 1);
        }
        assertFalse(java.util.Arrays.equals(a[0], c[0]));
    }

    @Test
    void wrongInputsAreRefusedWithASentence() {
        assertMessage("the image has 783 values but this model's images have 784 (1×28×28)", () -> model.encode(new float[783]));
        assertMessage("image 1 has 10 values", () -> model.reconstruct(new float[][]{images[0], new float[10]}));
        assertMessage("the latent code has 4 values but this model's latent codes have 5", () -> model.decode(new float[4]));
        float[] bright = images[0].clone();
        bright[7] = 255;
        assertMessage("the image has the value 255.0 at index 7; pixels must be in [0, 1]", () -> model.anomalyScore(bright));
        float[] nan = images[0].clone();
        nan[3] = Float.NaN;
        assertMessage("the image has the value NaN at index 3", () -> model.encode(nan));
        assertMessage("image 0 is null", () -> model.encode(new float[][]{null, images[0]}));
        assertMessage("no images were given", () -> model.encode(new float[0][]));
        assertMessage("the number of samples must be at least 1", () -> model.sample(0, 1));
        assertMessage("the noise vector has 2 values", () -> model.anomalyScore(images[0], new float[2]));
    }

    private static void assertMessage(String start, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().startsWith(start), e.getMessage());
    }

    @Test
    void badCheckpointIsRefusedNamingTheFile() throws Exception {
        Path junk = tmp.resolve("junk.safetensors");
        java.nio.file.Files.write(junk, new byte[]{1, 2, 3});
        var e = assertThrows(tornadovae.io.DataFormatException.class, () -> VaeModel.load(junk));
        assertTrue(e.getMessage().contains("junk.safetensors"), e.getMessage());
    }

    /** Many threads at once through 3 workers give exactly the single-threaded results. */
    @Test
    void concurrentCallersGetTheSingleThreadedResults() throws Exception {
        int n = images.length;
        float[][] mus = new float[n][], recons = new float[n][], decoded = new float[n][];
        double[] scores = new double[n];
        float[][] z = new float[n][5];
        for (int i = 0; i < n; i++) {
            mus[i] = model.encode(images[i]).mu();
            recons[i] = model.reconstruct(images[i]);
            scores[i] = model.anomalyScore(images[i]);
            for (int j = 0; j < 5; j++) z[i][j] = (i - 20) * 0.1f + j;
            decoded[i] = model.decode(z[i]);
        }
        double[] batchScores = model.anomalyScores(images);
        float[][] samples = model.sample(17, 5);

        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Void>> jobs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int seed = t;
                jobs.add(() -> {
                    java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
                    for (int k = 0; k < 30; k++) {
                        int i = r.nextInt(n);
                        switch (r.nextInt(5)) {
                            case 0 -> assertArrayEquals(mus[i], model.encode(images[i]).mu());
                            case 1 -> assertArrayEquals(recons[i], model.reconstruct(images[i]));
                            case 2 -> assertEquals(scores[i], model.anomalyScore(images[i]));
                            case 3 -> assertArrayEquals(decoded[i], model.decode(z[i]));
                            default -> {
                                if (r.nextBoolean()) assertArrayEquals(batchScores, model.anomalyScores(images));
                                else assertArrayEquals(samples, model.sample(17, 5));
                            }
                        }
                    }
                    return null;
                });
            }
            for (Future<Void> f : pool.invokeAll(jobs)) f.get();
        } finally {
            pool.shutdown();
            assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        }
    }
}
