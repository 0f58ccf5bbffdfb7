package tornadovae.io.data;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Small image files made on the spot for the reader tests. */
final class TestImages {
    private TestImages() {}

    /** A w×h RGB image whose pixel (x, y) is {@code rgb(x, y)} (0xRRGGBB). */
    static BufferedImage rgb(int w, int h, java.util.function.IntBinaryOperator rgb) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) img.setRGB(x, y, rgb.applyAsInt(x, y));
        return img;
    }

    /** A flat-coloured image. */
    static BufferedImage flat(int w, int h, int rgb) {
        return rgb(w, h, (x, y) -> rgb);
    }

    /** Writes {@code img} as {@code format} ("png", "jpeg", "bmp") to {@code file}, creating folders. */
    static Path write(Path file, BufferedImage img, String format) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!ImageIO.write(img, format, file.toFile())) throw new IOException("no " + format + " writer");
        return file;
    }

    static Path png(Path file, BufferedImage img) throws IOException { return write(file, img, "png"); }

    /** A JPEG cut in half: its header is fine, its scan data stops early. */
    static Path truncatedJpeg(Path file) throws IOException {
        write(file, rgb(64, 64, (x, y) -> (x * 4) << 16 | (y * 4) << 8 | 128), "jpeg");
        byte[] all = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(all, all.length / 2));
        return file;
    }
}
