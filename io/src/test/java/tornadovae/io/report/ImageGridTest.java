package tornadovae.io.report;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageGridTest {
    @TempDir Path dir;

    @Test
    void writesAnEightByEightGrayGridOfSamples() throws IOException {
        int n = 64, h = 3, w = 2, dim = h * w;
        float[] images = new float[5 + n * dim];   // 5 floats of something else before the samples
        for (int i = 0; i < n; i++)
            for (int p = 0; p < dim; p++) images[5 + i * dim + p] = ((i + p) % 11) / 10f;
        Path png = dir.resolve("samples.png");
        ImageGrid.writeGrid(png, images, 5, n, 1, h, w, 8, 2, 1);

        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(8 * w * 2 + 9, img.getWidth());
        assertEquals(8 * h * 2 + 9, img.getHeight());
        assertEquals(ImageGrid.PADDING_GRAY, gray(img, 0, 0));
        // image 10 sits at column 2, row 1; its pixel (y=2, x=1) is scaled to a 2×2 block
        int left = 1 + 2 * (w * 2 + 1), top = 1 + (h * 2 + 1);
        int expected = Math.round(((10 + 2 * w + 1) % 11) / 10f * 255);
        assertEquals(expected, gray(img, left + 2, top + 4));
        assertEquals(expected, gray(img, left + 3, top + 5));
    }

    @Test
    void clampsValuesAndShowsNaNBlack() {
        float[] v = {-0.5f, 2f, Float.NaN, 0.5f};
        BufferedImage img = ImageGrid.render(v, 0, 1, 1, 2, 2, 1, 1, 0);
        assertEquals(0, gray(img, 0, 0));
        assertEquals(255, gray(img, 1, 0));
        assertEquals(0, gray(img, 0, 1));
        assertEquals(128, gray(img, 1, 1));
    }

    @Test
    void rgbImagesAreChannelMajor() throws IOException {
        float[] chw = new float[3 * 2 * 2];
        chw[0] = 1f;        // red of pixel (0,0)
        chw[4 + 1] = 1f;    // green of pixel (0,1)
        chw[8 + 2] = 1f;    // blue of pixel (1,0)
        Path png = dir.resolve("rgb.png");
        ImageGrid.writeGrid(png, chw, 0, 1, 3, 2, 2, 8, 1, 0);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(2, img.getWidth(), "fewer images than columns: the grid shrinks to fit");
        assertEquals(0xff0000, img.getRGB(0, 0) & 0xffffff);
        assertEquals(0x00ff00, img.getRGB(1, 0) & 0xffffff);
        assertEquals(0x0000ff, img.getRGB(0, 1) & 0xffffff);
        assertEquals(0x000000, img.getRGB(1, 1) & 0xffffff);
    }

    @Test
    void reconstructionsGoBelowTheirOriginals() throws IOException {
        int n = 4, dim = 1;
        float[] originals = {0.1f, 0.2f, 0.3f, 0.4f, 0.5f}, recons = {0.9f, 0.8f, 0.7f, 0.6f};
        float[] rows = ImageGrid.stackRows(originals, 1, recons, 0, n, dim);
        assertArrayEquals(new float[] {0.2f, 0.3f, 0.4f, 0.5f, 0.9f, 0.8f, 0.7f, 0.6f}, rows);

        Path png = dir.resolve("recon.png");
        ImageGrid.writeReconstructions(png, originals, 1, recons, 0, n, 1, 1, 1, 1, 0);
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(4, img.getWidth());
        assertEquals(2, img.getHeight());
        assertEquals(Math.round(0.2f * 255), gray(img, 0, 0));
        assertEquals(Math.round(0.9f * 255), gray(img, 0, 1));
    }

    @Test
    void badArgumentsAreRefused() {
        float[] v = new float[16];
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.render(v, 0, 2, 2, 2, 2, 8, 1, 0));   // 2 channels
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.render(v, 1, 4, 1, 2, 2, 8, 1, 0));  // runs past the end
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.render(v, 0, 1, 1, 2, 2, 8, 0, 0));  // scale 0
        assertThrows(IllegalArgumentException.class, () -> ImageGrid.render(v, 0, 1, 1, 4, 4, 8, 100_000, 0));  // absurd size
    }

    @Test
    void aMissingOutputFolderIsOneClearSentenceAndNothingIsWritten() {
        Path png = dir.resolve("runs/exp1/samples.png");
        IOException e = assertThrows(IOException.class, () -> ImageGrid.writeGrid(png, new float[4], 0, 1, 1, 2, 2, 8, 1, 0));
        assertEquals("cannot write " + png + ": folder " + png.getParent() + " does not exist", e.getMessage());
        assertFalse(Files.exists(png.getParent()));
    }

    private static int gray(BufferedImage img, int x, int y) {
        return img.getRaster().getSample(x, y, 0);
    }
}
