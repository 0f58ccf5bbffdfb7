package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;
import static tornadovae.trainer.CliRun.vae;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.api.VaeModel;
import tornadovae.engine.Scaler;
import tornadovae.trainer.CliRun.Result;

/**
 * `vae train --dataset csv` on tabular rows with planted anomalies, then `vae score`: the anomalies rank in the top 1%,
 * the scores come in input order with the label carried through, and the checkpoint's scaler lets a VaeModel score raw
 * rows the same way.
 */
class CsvTrainScoreTest {
    @TempDir static Path tmp;
    static Path csv, run, scores;
    static TreeSet<Integer> planted;
    static final int ROWS = 5_000, COLS = 30, ANOMALIES = 10;

    @BeforeAll
    static void trainAndScore() throws Exception {
        csv = tmp.resolve("table.csv");
        planted = TabularCsv.write(csv, ROWS, COLS, ANOMALIES, 5);
        run = tmp.resolve("run");
        Result r = vae("train", "--dataset", "csv", "--data-file", csv.toString(), "--label-column", "kind", "--epochs", "15",
                "--batch-size", "64", "--hidden", "64", "--latent", "4", "--out", run.toString(), "--quiet", "--seed", "3", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("30 columns (c0,c1,"), "the text column id and the label are no features: " + r.out());
        scores = tmp.resolve("scores.csv");
        r = vae("score", "--checkpoint", run.resolve("best.safetensors").toString(), "--data-file", csv.toString(),
                "--out", scores.toString(), "--threads", "2");
        assertEquals(0, r.code(), r.err());
    }

    @Test
    void plantedAnomaliesRankInTheTopOnePercent() throws Exception {
        List<String> lines = Files.readAllLines(scores);
        assertEquals("index,line,kind,score,recon,kl", lines.get(0));
        assertEquals(ROWS + 1, lines.size());
        double[] score = new double[ROWS];
        for (int i = 0; i < ROWS; i++) {
            String[] f = lines.get(i + 1).split(",");
            assertEquals(i, Integer.parseInt(f[0]), "input order");
            assertEquals(i + 2, Integer.parseInt(f[1]), "line in the file: the header is line 1");
            assertEquals(planted.contains(i) ? "anomaly" : "normal", f[2], "the label carried through");
            score[i] = Double.parseDouble(f[3]);
            // the default β of a csv run is 0.001: the score is recon / β + kl (AnomalyScore)
            assertEquals(Double.parseDouble(f[4]) / 0.001 + Double.parseDouble(f[5]), score[i], 1e-5 * Math.abs(score[i]));
        }
        List<Integer> ranked = IntStream.range(0, ROWS).boxed().sorted(Comparator.comparingDouble(i -> -score[i])).toList();
        List<Integer> ranks = new ArrayList<>();
        for (int a : planted) ranks.add(ranked.indexOf(a) + 1);
        System.out.println("ranks of the planted anomalies among " + ROWS + " rows: " + ranks);
        for (int rank : ranks) assertTrue(rank <= ROWS / 100, "every planted anomaly in the top 1%: ranks " + ranks);
    }

    @Test
    void theCheckpointKeepsTheScalerAndAVaeModelScoresRawRows() throws Exception {
        List<String> lines = Files.readAllLines(csv), scored = Files.readAllLines(scores);
        try (VaeModel m = VaeModel.load(run.resolve("best.safetensors"))) {
            Scaler s = m.scaler().orElseThrow();
            assertEquals(Scaler.Kind.MINMAX, s.kind());
            assertEquals("c0", s.columns().get(0));
            assertEquals(COLS, s.columns().size());
            float[][] raw = new float[20][COLS];
            for (int i = 0; i < raw.length; i++) {
                String[] f = lines.get(i + 1).split(",");
                for (int j = 0; j < COLS; j++) raw[i][j] = Float.parseFloat(f[j + 1]);
            }
            VaeModel.Score[] api = m.scoreRaw(raw);
            for (int i = 0; i < raw.length; i++) {
                double cli = Double.parseDouble(scored.get(i + 1).split(",")[3]);
                assertEquals(cli, api[i].score(), 1e-4 * Math.max(1, Math.abs(cli)), "row " + i + ": the CLI's batch and the API's round differently, no more");
            }
        }
    }
}
