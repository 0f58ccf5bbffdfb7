package tornadovae.io.report;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LossCurvePlotTest {
    @TempDir Path dir;

    @Test
    void drawsTrainAndTestLossAsAPng() throws IOException {
        Path png = dir.resolve("loss.png");
        LossCurvePlot.write(png, "MLP VAE on MNIST", new double[] {1, 2, 3, 4},
                new double[] {164.2, 121.5, 114.7, 111.9}, new double[] {Double.NaN, 118.0, 112.3, 110.1});
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(LossCurvePlot.WIDTH, img.getWidth());
        assertEquals(LossCurvePlot.HEIGHT, img.getHeight());
        assertEquals("true", System.getProperty("java.awt.headless"));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary file may be left");
        }
    }

    @Test
    void drawsExtraSeriesAndSkipsNonFiniteValues() throws IOException {
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("reconstruction", new double[] {140, 95, Double.POSITIVE_INFINITY});
        series.put("KL", new double[] {20, 24, 25});
        series.put("not yet", new double[] {Double.NaN, Double.NaN, Double.NaN});
        Path png = dir.resolve("terms.png");
        LossCurvePlot.write(png, "loss terms", "nats per image", new double[] {1, 2, 3}, series);
        assertNotNull(ImageIO.read(png.toFile()));
    }

    @Test
    void mismatchedOrEmptySeriesAreRefused() {
        Path png = dir.resolve("x.png");
        assertThrows(IllegalArgumentException.class, () -> LossCurvePlot.write(png, "t", new double[] {1, 2}, new double[] {1}, null));
        assertThrows(IllegalArgumentException.class, () -> LossCurvePlot.write(png, "t", new double[] {1}, new double[] {Double.NaN}, null));
        assertFalse(Files.exists(png));
    }
}
