package tornadovae.report;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.engine.Backends;
import tornadovae.engine.Noise;
import tornadovae.engine.VaeSession;
import tornadovae.io.data.Dataset;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.Loss;
import tornadovae.model.Optimizer;
import tornadovae.model.Shape;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/** The latent pictures follow the redraw rule (first epoch, then every LATENT_REDRAW_SECONDS, and the last) while index.html follows every epoch. */
class RunReportRedrawTest {
    @TempDir Path dir;

    @Test
    void latentPicturesAreRedrawnAfterTheIntervalAndAtTheEndWhileThePageFollowsEveryEpoch() throws Exception {
        Vae vae = new VaeSpec("mlp", Shape.of(1, 28, 28), new int[]{16}, 3, ActivationKind.RELU, 0.2f, Loss.BCE).build();
        int count = 20;
        float[] images = new float[count * vae.inputDim()];
        Random r = new Random(5);
        for (int i = 0; i < images.length; i++) images[i] = r.nextFloat();
        int[] labels = new int[count];
        for (int i = 0; i < count; i++) labels[i] = i % 10;
        Dataset test = new Dataset("test", images, labels, count, 1, 28, 28);
        long[] now = {0};
        RunReport report = new RunReport(dir, Map.of("model", "test"), vae.latent(), () -> now[0]);
        List<EpochMetrics> history = new ArrayList<>();
        try (VaeSession s = new VaeSession(vae, Backends.create("jvm", null, 1), Optimizer.adam(), new int[]{count},
                new int[]{count}, new int[]{Pictures.SAMPLE_COUNT})) {
            vae.initParams(s.workspace().params(), 1);
            s.prepare();
            float[] codes = new float[count * 2 * vae.latent()];
            s.evaluate(images, count, count, new Noise(1), codes);
            RunReport.Latents lat = RunReport.latents(codes, count, vae.latent());
            Path pca = dir.resolve("latent_pca.png");

            long[] at = {0, 1, RunReport.LATENT_REDRAW_SECONDS - 1, RunReport.LATENT_REDRAW_SECONDS + 1, RunReport.LATENT_REDRAW_SECONDS + 2};
            int[] expectedLatentEpoch = {1, 1, 1, 4, 5};
            for (int e = 1; e <= at.length; e++) {
                now[0] = at[e - 1] * 1_000_000_000L;
                history.add(new EpochMetrics(e, e * 10L, 1, 1, 0, 1, 1, 0, 1, 1, 1));
                if (e > 1) Files.delete(pca);   // a redraw brings it back
                boolean last = e == at.length;
                report.writeEpoch(s, test, lat, history, last);
                int want = expectedLatentEpoch[e - 1];
                assertEquals(want, report.latentEpoch(), "epoch " + e);
                assertEquals(want == e, Files.exists(pca), "latent_pca.png redrawn after epoch " + e);
                if (want != e) Files.copy(dir.resolve("interpolation.png"), pca);   // stand-in, for the next delete
                String html = Files.readString(dir.resolve("index.html"));
                assertTrue(html.contains("tornado-vae run: epoch " + e), "the page follows every epoch: " + e);
                assertTrue(html.contains("Latent space, epoch " + want), "the page says which epoch the pictures show");
                assertEquals(!last, html.contains("http-equiv=\"refresh\""), "reloads itself only while training runs");
            }
        }
    }
}
