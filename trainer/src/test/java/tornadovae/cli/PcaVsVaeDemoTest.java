package tornadovae.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.engine.Backends;

class PcaVsVaeDemoTest {
    @TempDir Path tmp;

    @Test
    void bothMethodsKeepTheMainDirectionAndTheVaeLearnsALine() throws Exception {
        var r = PcaVsVaeDemo.run(400, 80, 0.001f, 1, Backends.create("jvm", null, 1));
        double total = 0; // the data's total variance: what predicting the mean would cost
        double mx = 0, my = 0;
        for (double[] p : r.data()) { mx += p[0] / 400; my += p[1] / 400; }
        for (double[] p : r.data()) total += ((p[0] - mx) * (p[0] - mx) + (p[1] - my) * (p[1] - my)) / 400;
        assertTrue(r.pcaMse() < 0.15 * total, "PCA keeps 90% of the variance of ρ = 0.8 data: " + r.pcaMse() + " of " + total);
        assertTrue(r.vaeMse() < 0.4 * total, "the 1-D latent is used, not collapsed: " + r.vaeMse() + " of " + total);
        assertTrue(r.pcaMse() <= r.vaeMse() * 1.05, "PCA is the best linear 1-D code: " + r.pcaMse() + " vs " + r.vaeMse());
    }

    @Test
    void commandWritesOnePicture() throws Exception {
        Path png = tmp.resolve("demo.png");
        assertEquals(0, VaeCommand.execute("demo", "pca-vs-vae", "--points", "200", "--epochs", "5", "--out", png.toString()));
        var img = ImageIO.read(png.toFile());
        assertEquals(1200, img.getWidth(), "two panels side by side");
    }
}
