package tornadovae.report;

import java.io.IOException;
import java.nio.file.Path;
import tornadovae.io.report.ImageGrid;

/** The pictures of pytorch/examples' VAE: reconstruction strips and 8×8 sample sheets. */
public final class Pictures {
    private Pictures() {}

    public static final int RECON_COUNT = 8, SAMPLE_COUNT = 64;
    private static final int PADDING = 2;

    /** Small images are scaled up so that a 28×28 digit is readable in a browser. */
    static int scale(int h) { return h >= 64 ? 1 : h >= 32 ? 2 : 3; }

    public static void reconstructions(Path png, float[] originals, float[] recon, int n, int c, int h, int w) throws IOException {
        ImageGrid.writeReconstructions(png, originals, 0, recon, 0, n, c, h, w, scale(h), PADDING);
    }

    /** {@code n} images in rows of {@code cols}, in order, scaled up as the other pictures are. */
    public static void grid(Path png, float[] images, int n, int cols, int c, int h, int w) throws IOException {
        ImageGrid.writeGrid(png, images, 0, n, c, h, w, cols, scale(h), PADDING);
    }

    public static void samples(Path png, float[] images, int n, int c, int h, int w) throws IOException {
        ImageGrid.writeGrid(png, images, 0, n, c, h, w, (int) Math.ceil(Math.sqrt(n)), scale(h), PADDING);
    }
}
