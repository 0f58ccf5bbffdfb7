package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;
import static tornadovae.trainer.CliRun.vae;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.cli.CheckpointData;
import tornadovae.engine.Checkpoints;
import tornadovae.engine.Evaluation;
import tornadovae.engine.VaeSession;
import tornadovae.io.data.Dataset;
import tornadovae.io.data.IdxReader;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.Loss;
import tornadovae.model.Shape;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;
import tornadovae.report.LatentPictures;
import tornadovae.report.LatentPlane;
import tornadovae.trainer.CliRun.Result;

/** eval, latent-pca, manifold, interpolate, encode and the run report, on a small generated data set. */
class EvalAndLatentTest {
    @TempDir static Path tmp;
    static Path data, run, ckpt;


    @BeforeAll
    static void trainOnce() throws Exception {
        data = TinyMnist.write(tmp.resolve("data"), 400, 100);
        run = tmp.resolve("run");
        Result r = vae("train", "--data-dir", data.toString(), "--epochs", "3", "--batch-size", "50", "--hidden", "64",
                "--latent", "2", "--kl-warmup", "1", "--out", run.toString(), "--quiet", "--seed", "3", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("/2 dims active"), "the epoch line counts active dimensions: " + r.out());
        ckpt = run.resolve("last.safetensors");
    }

    static double number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertTrue(m.find(), regex + " in:\n" + text);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void evalReproducesTheTrainingTestLossAndIwaeIsLower() throws Exception {
        Result r = vae("eval", "--checkpoint", ckpt.toString(), "--data-dir", data.toString(), "--k", "64", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        double elbo = number(r.out(), "negative ELBO\\s+([0-9.]+)");
        double iwae = number(r.out(), "IWAE, k=64\\s+([0-9.]+)");
        double bits = number(r.out(), "([0-9.]+) bits/dim");
        List<String> rows = Files.readAllLines(run.resolve("metrics.csv"));
        int col = List.of(rows.get(0).split(",")).indexOf("test_loss");
        double trained = Double.parseDouble(rows.get(rows.size() - 1).split(",")[col]);
        assertEquals(trained, elbo, 0.01, "the same noise seed as training's test pass: the same number");
        assertTrue(iwae < elbo - 0.1, "the importance-weighted bound is tighter: " + iwae + " vs " + elbo);
        assertEquals(elbo / (784 * Math.log(2)), bits, 1e-3, "bits per dimension");
    }

    @Test
    void iwaeWithOneSampleIsAnElboAndMoreSamplesTighten() throws Exception {
        Checkpoints.Loaded c = Checkpoints.load(ckpt);
        Dataset test = IdxReader.loadMnist(data, false);
        double[] nll = new double[3];
        int[] ks = {1, 8, 64};
        for (int i = 0; i < 3; i++) {
            int rows = Evaluation.rowsPerRun(40, 16, ks[i]);
            CheckpointData cd = new CheckpointData(ckpt, c, test, "test");
            try (VaeSession s = cd.openWithDecodeLoss("jvm", null, 1, new int[]{16, 8}, rows)) {
                Evaluation.Result r = Evaluation.run(s, test.images(), 40, 16, ks[i], 9);
                nll[i] = r.nll();
                if (ks[i] == 1) assertEquals(r.negElbo(), r.nll(), 3 * (r.negElboSe() + r.nllSe()), "k=1 is a one-sample ELBO");
                assertTrue(r.nllSe() > 0 && r.nllSe() < 10, "a standard error: " + r.nllSe());
            }
        }
        assertTrue(nll[2] < nll[1] && nll[1] < nll[0], "more samples, a tighter bound: " + java.util.Arrays.toString(nll));
    }

    @Test
    void badEvalInputGetsOneSentence() throws Exception {
        Result r = vae("eval", "--checkpoint", ckpt.toString(), "--data-dir", data.toString(), "--k", "0");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--k must be at least 1, got 0"), r.err());
        Path small = tmp.resolve("small.safetensors");
        VaeSpec spec = new VaeSpec("mlp", Shape.of(1, 14, 14), new int[]{8}, 3, ActivationKind.RELU, 0.2f, Loss.BCE);
        Vae v = spec.build();
        float[] p = new float[v.paramCount()];
        v.initParams(p, 1);
        Checkpoints.save(small, v, p, Map.of());
        for (String cmd : List.of("eval", "latent-pca", "encode", "interpolate")) {
            r = cmd.equals("eval") ? vae(cmd, "--checkpoint", small.toString(), "--data-dir", data.toString())
                    : vae(cmd, "--checkpoint", small.toString(), "--data-dir", data.toString(), "--out", tmp.resolve("x-" + cmd).toString());
            assertEquals(1, r.code(), cmd);
            assertTrue(r.err().contains("1x14x14 inputs but mnist images are 1x28x28"), cmd + ": " + r.err());
            assertEquals(1, r.err().strip().lines().count(), "one sentence: " + r.err());
            assertFalse(Files.exists(tmp.resolve("x-" + cmd)));
        }
        r = vae("interpolate", "--checkpoint", ckpt.toString(), "--data-dir", data.toString(), "--to", "100",
                "--out", tmp.resolve("i.png").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--to 100 is outside the 100 images of the test split"), r.err());
        r = vae("manifold", "--checkpoint", small.toString(), "--out", tmp.resolve("m.png").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("has a 3-dimensional latent space; the manifold grid needs a model trained with --latent 2"), r.err());
        assertFalse(Files.exists(tmp.resolve("m.png")));
    }

    @Test
    void labelLessDataCannotBeColouredByLabel() {
        Dataset unlabelled = new Dataset("folder of images", new float[2 * 4], null, 2, 1, 2, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> LatentPictures.requireLabels(unlabelled, 2));
        assertEquals("folder of images has no labels to colour the PCA by; use --colour none", e.getMessage());
    }

    @Test
    void latentPcaManifoldInterpolationAndEncodingAreWritten() throws Exception {
        Path pca = tmp.resolve("pca.png"), grid = tmp.resolve("manifold.png"), strip = tmp.resolve("walk.png"), csv = tmp.resolve("z.csv");
        Result r = vae("latent-pca", "--checkpoint", ckpt.toString(), "--data-dir", data.toString(), "--out", pca.toString());
        assertEquals(0, r.code(), r.err());
        // a 2-D latent space: its means on the manifold's axes, a plot of 20 cells of 28 pixels inside the margins
        assertEquals(LatentPlane.LEFT + 20 * 28 + LatentPlane.RIGHT, ImageIO.read(pca.toFile()).getWidth());
        assertTrue(r.out().contains("on the manifold's axes"), r.out());

        r = vae("manifold", "--checkpoint", ckpt.toString(), "--side", "5", "--out", grid.toString());
        assertEquals(0, r.code(), r.err());
        var manifold = ImageIO.read(grid.toFile());
        assertEquals(LatentPlane.LEFT + 5 * 28 * 3 + LatentPlane.RIGHT, manifold.getWidth(), "5 cells of 28·3 pixels, no gaps, in axes");
        assertEquals(LatentPlane.TOP + 5 * 28 * 3 + LatentPlane.BOTTOM, manifold.getHeight());

        r = vae("interpolate", "--checkpoint", ckpt.toString(), "--data-dir", data.toString(), "--from", "3", "--to", "7",
                "--steps", "6", "--slerp", "--out", strip.toString());
        assertEquals(0, r.code(), r.err());
        var img = ImageIO.read(strip.toFile());
        assertEquals(8 * 28 * 3 + 9 * 2, img.getWidth(), "the two images and 6 steps");
        Dataset test = IdxReader.loadMnist(data, false);
        for (int y = 0; y < 28; y += 5)
            for (int x = 0; x < 28; x += 5) {
                int first = img.getRaster().getSample(2 + 3 * x, 2 + 3 * y, 0);
                int last = img.getRaster().getSample(2 + 7 * (84 + 2) + 3 * x, 2 + 3 * y, 0);
                assertEquals(Math.round(test.images()[3 * 784 + y * 28 + x] * 255), first, 1, "first cell is image 3");
                assertEquals(Math.round(test.images()[7 * 784 + y * 28 + x] * 255), last, 1, "last cell is image 7");
            }

        r = vae("encode", "--checkpoint", ckpt.toString(), "--data-dir", data.toString(), "--limit", "30", "--out", csv.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("index,label,mu_0,mu_1,logvar_0,logvar_1", lines.get(0));
        assertEquals(31, lines.size());
        assertTrue(lines.get(13).startsWith("12,2,"), lines.get(13));
    }

    @Test
    void interpolationEndsAtBothCodes() {
        float[] a = {1, 0, 2}, b = {0, 1, -1};
        for (boolean slerp : new boolean[]{false, true}) {
            float[] z = LatentPictures.interpolate(a, b, 5, slerp);
            for (int j = 0; j < 3; j++) {
                assertEquals(a[j], z[j], 1e-6);
                assertEquals(b[j], z[4 * 3 + j], 1e-6);
            }
        }
        float[] u = {1, 0}, v = {0, 1};
        float[] mid = LatentPictures.interpolate(u, v, 3, true);
        assertEquals(1.0, Math.hypot(mid[2], mid[3]), 1e-6, "slerp keeps the norm between unit vectors");
        float[] lin = LatentPictures.interpolate(u, v, 3, false);
        assertEquals(Math.sqrt(0.5), Math.hypot(lin[2], lin[3]), 1e-6, "a straight line cuts the corner");
    }

    @Test
    void runReportLinksOnlyFilesThatExist() throws Exception {
        String html = Files.readString(run.resolve("index.html"));
        Matcher m = Pattern.compile("<img src=\"([^\"]+)\"").matcher(html);
        int images = 0;
        while (m.find()) {
            images++;
            assertTrue(Files.size(run.resolve(m.group(1))) > 100, m.group(1));
            assertFalse(m.group(1).contains("/"), "relative to the run folder: " + m.group(1));
        }
        assertEquals(6, images, "loss curves, samples, reconstructions, latent PCA, interpolation, and for a 2-D latent the manifold");
        assertTrue(html.contains("sample_3.png") && html.contains("Finished"), "the last epoch, finished");
        List<String> kl = Files.readAllLines(run.resolve("kl_per_dim.csv"));
        assertEquals("epoch,active_dims,kl_0,kl_1", kl.get(0));
        assertEquals(4, kl.size(), "one row per epoch");
        assertTrue(Double.parseDouble(kl.get(3).split(",")[2]) > 0);
        Checkpoints.Loaded c = Checkpoints.load(ckpt);
        assertEquals("1", c.metadata().get("train.kl_warmup"));
    }

    /** Optional: needs the Debian chromium package; skipped with the reason printed where it is absent (CI). */
    @Test
    void runReportOpensInHeadlessChromiumWithEveryImageLoaded() throws Exception {
        Path browser = HeadlessChromium.find();
        if (browser == null) System.out.println("EvalAndLatentTest: skipping the browser check: no chromium on PATH (apt-get install chromium)");
        org.junit.jupiter.api.Assumptions.assumeTrue(browser != null, "no chromium on PATH");
        String dom = HeadlessChromium.dumpDom(browser, run.resolve("index.html"));
        assertTrue(dom.contains("data-images-loaded=\"6/6\""), "every image loaded: " + dom.substring(0, Math.min(300, dom.length())));
    }
}
