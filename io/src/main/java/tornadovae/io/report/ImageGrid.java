package tornadovae.io.report;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.awt.image.DataBufferInt;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import tornadovae.io.AtomicFiles;

/**
 * PNG grids of images stored as CHW floats in [0, 1]: sample sheets (8 × 8 samples) and reconstruction strips
 * (a row of originals above the row of their reconstructions). Values outside [0, 1] are clamped, NaN shows black.
 */
public final class ImageGrid {
    /** Mid-gray between cells, so that dark-background images (MNIST) stay visibly apart. */
    public static final int PADDING_GRAY = 128;
    /** Larger grids than this are surely a mistake in the arguments. */
    private static final long MAX_PIXELS = 1L << 28;

    private ImageGrid() {}

    /**
     * Writes {@code count} images as a grid of {@code cols} columns, each image scaled up {@code scale} times
     * (nearest neighbour) and framed by {@code padding} gray pixels. Atomic.
     *
     * @param offset index in {@code images} of the first image's first value (images are {@code channels·h·w} apart)
     * @param channels 1 (grayscale) or 3 (RGB)
     */
    public static void writeGrid(Path png, float[] images, int offset, int count, int channels, int h, int w,
                                 int cols, int scale, int padding) throws IOException {
        BufferedImage grid = render(images, offset, count, channels, h, w, cols, scale, padding);
        AtomicFiles.write(png, out -> {
            if (!ImageIO.write(grid, "png", out)) throw new IOException("no PNG writer in this Java runtime");
        });
    }

    /**
     * Writes originals (first row) above their reconstructions (second row), {@code n} of each. Atomic.
     * Offsets are float indices, as in {@link #writeGrid}.
     */
    public static void writeReconstructions(Path png, float[] originals, int originalsOffset, float[] reconstructions,
                                            int reconstructionsOffset, int n, int channels, int h, int w,
                                            int scale, int padding) throws IOException {
        float[] rows = stackRows(originals, originalsOffset, reconstructions, reconstructionsOffset, n, channels * h * w);
        writeGrid(png, rows, 0, 2 * n, channels, h, w, n, scale, padding);
    }

    /** {@code top[0..n)} followed by {@code bottom[0..n)}: two rows of a grid of {@code n} columns. */
    public static float[] stackRows(float[] top, int topOffset, float[] bottom, int bottomOffset, int n, int dim) {
        checkRange(top, topOffset, n, dim, "top row");
        checkRange(bottom, bottomOffset, n, dim, "bottom row");
        float[] rows = new float[2 * n * dim];
        System.arraycopy(top, topOffset, rows, 0, n * dim);
        System.arraycopy(bottom, bottomOffset, rows, n * dim, n * dim);
        return rows;
    }

    /** The grid as an image (8-bit gray, or RGB), for callers that compose it further. */
    public static BufferedImage render(float[] images, int offset, int count, int channels, int h, int w,
                                       int cols, int scale, int padding) {
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("channels must be 1 or 3, not " + channels);
        if (count < 1 || h < 1 || w < 1 || cols < 1 || scale < 1 || padding < 0)
            throw new IllegalArgumentException("bad grid: count " + count + ", " + h + "×" + w + ", cols " + cols
                    + ", scale " + scale + ", padding " + padding);
        int dim = channels * h * w;
        checkRange(images, offset, count, dim, "images");
        int columns = Math.min(cols, count), rows = (count + columns - 1) / columns;
        long cellW = (long) w * scale, cellH = (long) h * scale;
        long width = columns * cellW + (columns + 1L) * padding, height = rows * cellH + (rows + 1L) * padding;
        if (width * height > MAX_PIXELS)
            throw new IllegalArgumentException("a grid of " + width + "×" + height + " pixels is too large");
        BufferedImage img = new BufferedImage((int) width, (int) height,
                channels == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        if (channels == 1) {
            byte[] px = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
            Arrays.fill(px, (byte) PADDING_GRAY);
            forEachPixel(count, columns, h, w, scale, padding, (int) width, (i, y, x, at) ->
                    px[at] = (byte) toByte(images[offset + i * dim + y * w + x]));
        } else {
            int[] px = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
            Arrays.fill(px, PADDING_GRAY * 0x010101);
            int plane = h * w;
            forEachPixel(count, columns, h, w, scale, padding, (int) width, (i, y, x, at) -> {
                int base = offset + i * dim + y * w + x;
                px[at] = toByte(images[base]) << 16 | toByte(images[base + plane]) << 8 | toByte(images[base + 2 * plane]);
            });
        }
        return img;
    }

    private interface PixelSink {
        /** Image {@code i}'s source pixel (y, x) goes to output index {@code at}. */
        void put(int i, int y, int x, int at);
    }

    private static void forEachPixel(int count, int columns, int h, int w, int scale, int padding, int width, PixelSink sink) {
        for (int i = 0; i < count; i++) {
            int left = padding + (i % columns) * (w * scale + padding);
            int top = padding + (i / columns) * (h * scale + padding);
            for (int oy = 0; oy < h * scale; oy++) {
                int row = (top + oy) * width + left;
                for (int ox = 0; ox < w * scale; ox++) sink.put(i, oy / scale, ox / scale, row + ox);
            }
        }
    }

    private static int toByte(float v) {
        if (!(v > 0)) return 0;   // also NaN
        if (v >= 1) return 255;
        return Math.round(v * 255);
    }

    private static void checkRange(float[] a, int offset, int count, int dim, String what) {
        if (offset < 0 || count < 0 || (long) offset + (long) count * dim > a.length)
            throw new IllegalArgumentException(what + ": " + count + " images of " + dim + " values from offset " + offset
                    + " do not fit in an array of " + a.length);
    }
}
