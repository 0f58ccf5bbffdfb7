package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;
import static tornadovae.trainer.CliRun.vae;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.api.VaeModel;
import tornadovae.io.data.Dataset;
import tornadovae.io.data.IdxReader;
import tornadovae.trainer.CliRun.Result;

/** `vae score` on an image data set: one row per image of the split, in order, labels carried, the VaeModel's scores. */
class ScoreImagesTest {
    @TempDir Path tmp;

    @Test
    void scoresEveryTestImageInOrderAsVaeModelDoes() throws Exception {
        Path data = TinyMnist.write(tmp.resolve("data"), 200, 40), run = tmp.resolve("run"), out = tmp.resolve("scores.csv");
        Result r = vae("train", "--data-dir", data.toString(), "--epochs", "1", "--batch-size", "50", "--hidden", "32",
                "--latent", "2", "--beta", "0.5", "--out", run.toString(), "--quiet", "--seed", "3", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        r = vae("score", "--checkpoint", run.resolve("last.safetensors").toString(), "--data-dir", data.toString(),
                "--out", out.toString(), "--batch-size", "16", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals("index,label,score,recon,kl", lines.get(0));
        Dataset test = IdxReader.loadMnist(data, false);
        assertEquals(test.count() + 1, lines.size());
        float[][] images = new float[test.count()][];
        for (int i = 0; i < images.length; i++)
            images[i] = java.util.Arrays.copyOfRange(test.images(), i * test.dim(), (i + 1) * test.dim());
        try (VaeModel m = VaeModel.load(run.resolve("last.safetensors"))) {
            VaeModel.Score[] s = m.scores(images);
            for (int i = 0; i < images.length; i++) {
                String[] f = lines.get(i + 1).split(",");
                assertEquals(i, Integer.parseInt(f[0]));
                assertEquals(test.labels()[i], Integer.parseInt(f[1]));
                double score = Double.parseDouble(f[2]);
                assertEquals(s[i].score(), score, 1e-4 * score, "image " + i);
                // trained with β = 0.5: the score is the negative ELBO of the model as trained, recon / β + KL
                assertEquals(Double.parseDouble(f[3]) / 0.5 + Double.parseDouble(f[4]), score, 1e-5 * score);
                assertEquals(score, m.anomalyScore(images[i]), 1e-4 * score);
            }
        }
    }
}
