package tornadovae.api;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.engine.Scaler;

class VaeTrainerTest {
    @TempDir Path tmp;

    static float[][] rows(int n, long seed) {
        Random r = new Random(seed);
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            double a = r.nextGaussian();
            rows[i] = new float[]{(float) (10 + a), (float) (100 - 3 * a), (float) (0.1 * r.nextGaussian())};
        }
        return rows;
    }

    static VaeTrainer small() { return new VaeTrainer().mlp(8).latent(2).epochs(3).batchSize(32).threads(1).seed(3); }

    @Test
    void errorsNameTheParameter() {
        assertEquals("batchSize must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> new VaeTrainer().batchSize(0)).getMessage());
        assertEquals("learningRate must be a positive number, got NaN",
                assertThrows(IllegalArgumentException.class, () -> new VaeTrainer().learningRate(Float.NaN)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new VaeTrainer().threads(0)).getMessage().startsWith("threads must be"));
        assertEquals("beta must be a number ≥ 0, got -1.0",
                assertThrows(IllegalArgumentException.class, () -> new VaeTrainer().beta(-1)).getMessage());
        assertEquals("klWarmup and klCycles are two schedules for the same weight; choose one",
                assertThrows(IllegalArgumentException.class, () -> small().klWarmup(1).klCycles(2).train(rows(10, 1))).getMessage());
        float[][] ragged = {{1, 2}, {3}};
        assertEquals("rows[1] has 1 values but rows[0] has 2",
                assertThrows(IllegalArgumentException.class, () -> small().train(ragged)).getMessage());
        float[][] nan = {{1, 2}, {3, Float.NaN}};
        assertEquals("the training data has NaN at row 1, column 1",
                assertThrows(IllegalArgumentException.class, () -> small().train(nan)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> small().images(1, 2, 2).train(rows(10, 1)))
                .getMessage().contains("have 4 values but the rows have 3"));
        // the engine's memory check speaks of the command line's --batch-size; the trainer's caller reads batchSize
        String tooBig = assertThrows(IllegalArgumentException.class, () -> small().mlp(65536).batchSize(20_000).train(rows(20_000, 1)))
                .getMessage();
        assertTrue(tooBig.startsWith("batches of 20000 need about ") && tooBig.contains("use a smaller batchSize"), tooBig);
        assertFalse(tooBig.contains("--"), tooBig);
    }

    @Test
    void aStreamedSourceTrainsTheSameModelAsTheArray() {
        float[][] data = rows(200, 5);
        float[][] probe = rows(20, 6);
        int[] reads = {0};
        VaeData streamed = new VaeData() {
            public int rows() { return data.length; }
            public int columns() { return 3; }
            public void read(int row, float[] into, int offset) {
                reads[0]++;
                System.arraycopy(data[row], 0, into, offset, 3);
            }
        };
        try (VaeModel a = small().train(data); VaeModel b = small().train(streamed)) {
            assertEquals(200 + 3 * 200, reads[0], "one pass to check and fit, then one per epoch");
            VaeModel.Score[] sa = a.scoreRaw(probe), sb = b.scoreRaw(probe);
            for (int i = 0; i < probe.length; i++) assertEquals(sa[i], sb[i]);
        }
    }

    @Test
    void theCallbackSeesEveryEpochAndStopsTraining() {
        List<VaeTrainer.Epoch> seen = new ArrayList<>();
        try (VaeModel m = small().epochs(10).validation(rows(50, 9)).onEpoch(e -> { seen.add(e); return e.epoch() < 4; })
                .train(rows(300, 8))) {
            assertEquals(4, seen.size());
            for (int i = 0; i < 4; i++) assertEquals(i + 1, seen.get(i).epoch());
            VaeTrainer.Epoch last = seen.get(3);
            assertEquals(4 * 10, last.step(), "300 rows in batches of 32: 10 steps an epoch");
            assertTrue(Double.isFinite(last.validationLoss()) && Double.isFinite(last.validationMse()), last.toString());
            assertEquals(last.validationRecon() / 0.001 + last.validationKl(), last.validationLoss(), 1e-6 * last.validationLoss());
            assertTrue(last.trainLoss() < seen.get(0).trainLoss(), "training lowers the loss: " + seen);
        }
    }

    @Test
    void aSavedModelLoadsWithItsScalerAndScoresTheSame() throws Exception {
        float[][] data = rows(300, 2), probe = rows(10, 3);
        probe[0][1] += 40;   // far outside the training range: scaled beyond [0, 1], not refused and not clamped
        Path file = tmp.resolve("m.safetensors");
        try (VaeModel m = small().scaling(VaeTrainer.Scaling.STANDARD).train(data)) {
            Scaler s = m.scaler().orElseThrow();
            assertEquals(Scaler.Kind.STANDARD, s.kind());
            assertTrue(s.apply(probe[0])[1] > 1, "scaled anomaly lies outside [0, 1]");
            m.save(file);
            try (VaeModel back = VaeModel.load(file)) {
                assertEquals(s, back.scaler().orElseThrow());
                VaeModel.Score[] a = m.scoreRaw(probe), b = back.scoreRaw(probe);
                for (int i = 0; i < probe.length; i++) assertEquals(a[i], b[i]);
                for (int i = 1; i < probe.length; i++) assertTrue(a[0].score() > a[i].score(), "the shifted row scores highest");
                assertEquals(a[0].recon() / 0.001 + a[0].kl(), a[0].score(), 1e-9 * a[0].score());
            }
        }
        try (var files = Files.list(tmp)) {
            assertEquals(List.of(file), files.toList(), "save writes the one file");
        }
    }

    @Test
    void aModelTrainedWithColumnNamesScoresACsvFileThroughTheCommandLine() throws Exception {
        float[][] data = rows(300, 4), probe = rows(5, 7);
        Path file = tmp.resolve("m.safetensors"), csv = tmp.resolve("new.csv"), out = tmp.resolve("scores.csv");
        StringBuilder b = new StringBuilder("note,c,a,b\n");   // another order, and a column the model does not use
        for (float[] p : probe) b.append("x,").append(p[2]).append(',').append(p[0]).append(',').append(p[1]).append('\n');
        Files.writeString(csv, b.toString());
        try (VaeModel m = small().columns("a", "b", "c").train(data)) {
            assertEquals(List.of("a", "b", "c"), m.scaler().orElseThrow().columns());
            m.save(file);
            var r = tornadovae.trainer.CliRun.vae("score", "--checkpoint", file.toString(), "--data-file", csv.toString(),
                    "--out", out.toString(), "--threads", "1");
            assertEquals(0, r.code(), r.err());
            List<String> lines = Files.readAllLines(out);
            VaeModel.Score[] s = m.scoreRaw(probe);
            for (int i = 0; i < probe.length; i++) {
                double cli = Double.parseDouble(lines.get(i + 1).split(",")[2]);
                assertEquals(s[i].score(), cli, 1e-4 * Math.abs(cli), "row " + i);
            }
        }
        assertEquals("columns names 2 columns but the rows have 3",
                assertThrows(IllegalArgumentException.class, () -> small().columns("a", "b").train(data)).getMessage());
    }

    @Test
    void imagesAreUnscaledAndMustBePixels() {
        float[][] px = new float[40][4];
        for (int i = 0; i < px.length; i++) px[i] = new float[]{i % 2, 0.5f, 1 - i % 2, 0.25f};
        try (VaeModel m = small().images(1, 2, 2).train(px)) {
            assertTrue(m.scaler().isEmpty());
            assertEquals("bce", m.spec().loss().cliName);
        }
        px[7][2] = 3;
        assertTrue(assertThrows(IllegalArgumentException.class, () -> small().images(1, 2, 2).train(px))
                .getMessage().startsWith("the training data has 3.0 at row 7, column 2"));
    }
}
