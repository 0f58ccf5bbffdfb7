package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.cli.VaeCommand;
import tornadovae.engine.Checkpoints;

/** The whole user journey through the command line, on small generated MNIST-format files. */
class TrainEndToEndTest {
    @TempDir static Path tmp;
    static Path data, run;

    @BeforeAll
    static void trainOnce() throws Exception {
        data = TinyMnist.write(tmp.resolve("data"), 500, 120); // 500 % 64 != 0: the last partial batch is exercised
        run = tmp.resolve("run");
        int code = VaeCommand.execute("train", "--data-dir", data.toString(), "--epochs", "3", "--batch-size", "64",
                "--hidden", "128", "--latent", "4", "--out", run.toString(), "--quiet", "--seed", "5", "--threads", "2");
        assertEquals(0, code);
    }

    @Test
    void lossFallsAndEveryOutputIsWritten() throws Exception {
        List<String> rows = Files.readAllLines(run.resolve("metrics.csv"));
        assertEquals(4, rows.size(), "header and one row per epoch: " + rows);
        List<String> cols = List.of(rows.get(0).split(","));
        int train = cols.indexOf("train_loss"), test = cols.indexOf("test_loss");
        double train1 = Double.parseDouble(rows.get(1).split(",")[train]), train3 = Double.parseDouble(rows.get(3).split(",")[train]);
        double test1 = Double.parseDouble(rows.get(1).split(",")[test]), test3 = Double.parseDouble(rows.get(3).split(",")[test]);
        assertTrue(train3 < 0.8 * train1, "train loss should fall: " + train1 + " -> " + train3);
        assertTrue(test3 < test1, "test loss should fall: " + test1 + " -> " + test3);
        for (String f : List.of("reconstruction_1.png", "reconstruction_3.png", "sample_3.png", "loss.png",
                "best.safetensors", "last.safetensors"))
            assertTrue(Files.size(run.resolve(f)) > 100, f);
        var recon = ImageIO.read(run.resolve("reconstruction_3.png").toFile());
        var samples = ImageIO.read(run.resolve("sample_3.png").toFile());
        assertTrue(recon.getWidth() > 3 * recon.getHeight(), "8 columns, 2 rows");
        assertEquals(samples.getWidth(), samples.getHeight(), "8×8 sample grid");
        try (var files = Files.list(run)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".tmp")), "no temporary files left");
        }
    }

    @Test
    void everyEpochRecordsTheLossIndependentMetrics() throws Exception {
        var h = tornadovae.report.Metrics.readAll(run.resolve("metrics.csv"));
        for (var m : h) {
            assertTrue(m.testMse() > 0 && m.testMse() < 0.25, "pixel MSE of [0,1] images: " + m);
            assertEquals(10 * Math.log10(1 / m.testMse()), m.testPsnr(), 3, "mean per-image PSNR is near the pooled one: " + m);
            assertTrue(m.testBce() > 0, m.toString());
        }
        assertTrue(h.get(2).testPsnr() > h.get(0).testPsnr(), "reconstructions improve: " + h);
    }

    @Test
    void checkpointHoldsArchitectureAndSettings() throws Exception {
        Checkpoints.Loaded c = Checkpoints.load(run.resolve("last.safetensors"));
        assertEquals(4, c.spec().latent());
        assertArrayEquals(new int[]{128}, c.spec().hidden());
        assertEquals("3", c.metadata().get("train.epoch"));
        assertEquals(c.vae().paramCount(), c.params().length);
    }

    @Test
    void sampleAndReconstructFromTheCheckpoint() throws Exception {
        Path samples = tmp.resolve("s.png"), recon = tmp.resolve("r.png");
        assertEquals(0, VaeCommand.execute("sample", "--checkpoint", run.resolve("best.safetensors").toString(),
                "--count", "16", "--out", samples.toString()));
        assertEquals(4 * 28 * 3 + 5 * 2, ImageIO.read(samples.toFile()).getWidth(), "4 columns of 28·3 pixels plus padding");
        assertEquals(0, VaeCommand.execute("reconstruct", "--checkpoint", run.resolve("best.safetensors").toString(),
                "--data-dir", data.toString(), "--count", "5", "--out", recon.toString()));
        assertNotNull(ImageIO.read(recon.toFile()));
    }

    @Test
    void sameSeedGivesTheSameRun() throws Exception {
        Path again = tmp.resolve("again");
        PrintStream old = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream()));
        try {
            assertEquals(0, VaeCommand.execute("train", "--data-dir", data.toString(), "--epochs", "3", "--batch-size", "64",
                    "--hidden", "128", "--latent", "4", "--out", again.toString(), "--quiet", "--seed", "5", "--threads", "1"));
        } finally {
            System.setOut(old);
        }
        // losses only: the images/s and seconds columns differ run to run
        var a = Files.readAllLines(run.resolve("metrics.csv")).stream().map(l -> l.split(",")).map(r -> String.join(",", List.of(r).subList(0, 9))).toList();
        var b = Files.readAllLines(again.resolve("metrics.csv")).stream().map(l -> l.split(",")).map(r -> String.join(",", List.of(r).subList(0, 9))).toList();
        assertEquals(a, b, "1 and 2 threads, same seed: the same losses");
    }
}
