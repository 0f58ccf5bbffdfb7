package tornadovae.io.data;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import tornadovae.io.DataFormatException;

/**
 * Decodes one image file (PNG, JPEG, BMP; any size, bit depth, palette or alpha) into {@code channels × size × size}
 * floats in [0, 1], channel-major (CHW), the layout of {@link Dataset}.
 *
 * <p>What it does to the pixels, in order:
 * <ol>
 *   <li>Samples are read as stored (no colour management), divided by the largest value of their bit depth, so
 *       8-bit and 16-bit files give the same floats for the same picture. Palette images go through their palette.</li>
 *   <li>Alpha is composited on black (each colour value is multiplied by its alpha): a transparent pixel is 0.</li>
 *   <li>Colour to grayscale ({@code channels = 1}) uses the ITU-R 601 luma, 0.299 R + 0.587 G + 0.114 B (what PIL's
 *       {@code convert("L")} does); grayscale to colour copies the gray into R, G and B.</li>
 *   <li>The centred square of side min(width, height) is cut out (the shorter side is kept whole, the longer one
 *       loses equal margins), then resampled to size × size: by area averaging when it shrinks (each output pixel is
 *       the exact mean of the source area it covers, so no aliasing), bilinearly when it grows (pixel centres at
 *       half-integers, as PyTorch's {@code align_corners=False}). An image that already is size × size is copied
 *       unchanged.</li>
 * </ol>
 * An EXIF orientation tag is not applied (as with PIL's {@code Image.open}): pixels are taken as stored.
 *
 * <p>A file that is not an image, is empty, or is truncated or corrupt (including a JPEG whose decoder only warns
 * that its data ended early or is corrupt; warnings about ignored ICC profiles and markers are not errors) gives a {@link DataFormatException} naming the file. Readers are TwelveMonkeys' JPEG
 * and BMP plugins where present (registered on first use, also from a shaded jar whose service files were merged),
 * and the JDK's own readers otherwise. Thread-safe: every call uses its own reader.
 */
public final class ImageDecoder {
    /** File name extensions taken as images (lower case). */
    public static final List<String> EXTENSIONS = List.of("png", "jpg", "jpeg", "bmp");
    /** Larger images are refused before decoding, rather than exhausting the heap: 2^28 pixels (16384²). */
    static final long MAX_PIXELS = 1L << 28;
    /**
     * A file cannot hold more pixels than this per byte: deflate (PNG) expands at most 1032:1 and a 1-bit image
     * packs 8 pixels a byte. Checking the header's claim against it refuses a small file that says it is huge
     * before the reader allocates a raster for it (found by the fuzz tests: 300 bytes claiming 10⁸ pixels).
     */
    static final long MAX_PIXELS_PER_BYTE = 1032L * 8;
    /** Below this any claim is allowed: a raster this size costs at most 16 MB. */
    static final long ALWAYS_ALLOWED_PIXELS = 1L << 22;
    /**
     * Reader warnings that mean pixels are missing or wrong (libjpeg's and TwelveMonkeys' wording), unless the
     * reader says it is ignoring the damaged part (a truncated ICC profile: the pixels are fine).
     */
    static final Pattern DAMAGE_WARNING = Pattern.compile(
            "premature end|corrupt|truncat|too few scanlines|inconsistent progression|bad huffman", Pattern.CASE_INSENSITIVE);

    static {
        ImageIO.setUseCache(false);   // decode in memory, never through temporary files
        ImageIO.scanForPlugins();     // the TwelveMonkeys readers, wherever the class path put them
    }

    private ImageDecoder() {}

    /** Whether the file's name ends in one of {@link #EXTENSIONS} (case-insensitive). */
    public static boolean hasImageExtension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot > 0 && EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
    }

    /** The class name of the reader that would decode {@code formatName} images (for tests and diagnostics). */
    public static String readerFor(String formatName) {
        Iterator<ImageReader> it = ImageIO.getImageReadersByFormatName(formatName);
        return it.hasNext() ? it.next().getClass().getName() : null;
    }

    /** The file as {@code channels × size × size} floats in [0, 1]. */
    public static float[] read(Path file, int size, int channels) throws DataFormatException {
        float[] out = new float[channels * size * size];
        read(file, size, channels, out, 0);
        return out;
    }

    /** Decodes {@code file} into {@code out[offset .. offset + channels·size·size)}. */
    public static void read(Path file, int size, int channels, float[] out, int offset) throws DataFormatException {
        if (size < 1) throw new IllegalArgumentException("image size must be at least 1, got " + size);
        if (channels != 1 && channels != 3) throw new IllegalArgumentException("channels must be 1 or 3, got " + channels);
        BufferedImage image = decode(file);
        try {
            resample(image, size, channels, out, offset);
        } catch (RuntimeException e) {  // an exotic colour model a reader produced from a damaged file
            throw new DataFormatException(file, "cannot be converted to " + (channels == 3 ? "RGB" : "grayscale") + " (" + e + ")", e);
        }
    }

    /** The whole image as the reader gives it; every failure is a {@link DataFormatException} naming the file. */
    static BufferedImage decode(Path file) throws DataFormatException {
        long length;
        try {
            length = Files.size(file);
        } catch (IOException e) {
            throw new DataFormatException(file, "cannot be read (" + e.getMessage() + ")", e);
        }
        if (length == 0) throw new DataFormatException(file, "is empty (0 bytes), not an image");
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) throw new DataFormatException(file, "cannot be opened as an image stream");
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext())
                throw new DataFormatException(file, "is not a PNG, JPEG or BMP image (no image reader recognises its content)");
            ImageReader reader = readers.next();
            List<String> warnings = new ArrayList<>();
            reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS)
                    throw new DataFormatException(file, "is " + reader.getWidth(0) + "×" + reader.getHeight(0)
                            + " pixels, more than the " + (MAX_PIXELS >> 20) + " megapixels this reader accepts");
                if (pixels > ALWAYS_ALLOWED_PIXELS && pixels > length * MAX_PIXELS_PER_BYTE)
                    throw new DataFormatException(file, "claims " + reader.getWidth(0) + "×" + reader.getHeight(0)
                            + " pixels, more than a file of " + length + " bytes can hold (corrupt header)");
                BufferedImage image = reader.read(0);
                // JPEG decoders report missing data as a warning and fill the rest with gray: treat it as the error it
                // is; other warnings (an unusable ICC profile or Adobe marker that the reader ignores) are harmless
                for (String w : warnings)
                    if (DAMAGE_WARNING.matcher(w).find() && !w.toLowerCase(Locale.ROOT).contains("ignoring"))
                        throw new DataFormatException(file, "is corrupt or truncated (" + formatName(reader) + " decoder: "
                                + w.strip() + ")");
                return image;
            } finally {
                reader.dispose();
            }
        } catch (DataFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {  // readers throw IIOException, EOFException, IndexOutOfBounds...
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
            throw new DataFormatException(file, "is corrupt or truncated (" + why + ")", e);
        }
    }

    private static String formatName(ImageReader reader) {
        try {
            return reader.getFormatName().toUpperCase(Locale.ROOT);
        } catch (IOException e) {
            return "image";
        }
    }

    // ---- pixels ---------------------------------------------------------------------------------------------

    /** Centre-crops the square, converts colour, resamples separably: rows first, then columns. */
    static void resample(BufferedImage image, int size, int channels, float[] out, int offset) {
        int w = image.getWidth(), h = image.getHeight(), side = Math.min(w, h);
        int x0 = (w - side) / 2, y0 = (h - side) / 2;
        Taps taps = Taps.of(side, size);
        PixelRow source = new PixelRow(image, x0, side, channels);
        float[][] rows = new float[channels][side * size];  // [c][source row][output column]
        for (int y = 0; y < side; y++) {
            float[][] px = source.read(y0 + y);
            for (int c = 0; c < channels; c++)
                for (int i = 0; i < size; i++) rows[c][y * size + i] = taps.apply(i, px[c], 0, 1);
        }
        for (int c = 0; c < channels; c++)
            for (int i = 0; i < size; i++)
                for (int x = 0; x < size; x++)
                    out[offset + (c * size + i) * size + x] = taps.apply(i, rows[c], x, size);
    }

    /**
     * For each output index the source indices and weights (summing to 1) that make it: area coverage when
     * shrinking, the two nearest source pixels when growing.
     */
    record Taps(int[] first, float[][] weights) {
        static Taps of(int from, int to) {
            int[] first = new int[to];
            float[][] weights = new float[to][];
            double scale = (double) from / to;
            for (int i = 0; i < to; i++) {
                if (from >= to) {
                    double a = i * scale, b = (i + 1) * scale;
                    int j0 = (int) Math.floor(a), j1 = Math.min(from, (int) Math.ceil(b));
                    first[i] = j0;
                    weights[i] = new float[j1 - j0];
                    for (int j = j0; j < j1; j++)
                        weights[i][j - j0] = (float) ((Math.min(b, j + 1) - Math.max(a, j)) / scale);
                } else {
                    double centre = Math.max(0, (i + 0.5) * scale - 0.5);
                    int j0 = Math.min((int) Math.floor(centre), from - 1);
                    float f = (float) (centre - j0);
                    first[i] = j0;
                    weights[i] = j0 + 1 < from && f > 0 ? new float[]{1 - f, f} : new float[]{1};
                }
            }
            return new Taps(first, weights);
        }

        /** Σ_k weights[i][k] · v[base + (first[i] + k) · stride], clamped to [0, 1] against rounding. */
        float apply(int i, float[] v, int base, int stride) {
            float[] wt = weights[i];
            float s = 0;
            for (int k = 0, j = base + first[i] * stride; k < wt.length; k++, j += stride) s += wt[k] * v[j];
            return Math.min(1f, Math.max(0f, s));
        }
    }

    /** One row of the cropped square as per-channel floats in [0, 1], alpha composited on black. */
    static final class PixelRow {
        private final BufferedImage image;
        private final Raster raster;
        private final ColorModel cm;
        private final int x0, width, channels, bands;
        private final Kind kind;
        private final float[] max;     // the largest value of each raster band (255 for 8 bits)
        private final int[] samples;
        private final float[][] out;

        private enum Kind { PALETTE, GRAY, RGB, OTHER }

        PixelRow(BufferedImage image, int x0, int width, int channels) {
            this.image = image;
            this.raster = image.getRaster();
            this.cm = image.getColorModel();
            this.x0 = x0;
            this.width = width;
            this.channels = channels;
            this.bands = raster.getNumBands();
            int colourType = cm.getColorSpace().getType();
            if (cm instanceof IndexColorModel) kind = Kind.PALETTE;
            else if (colourType == ColorSpace.TYPE_GRAY && cm.getNumColorComponents() == 1 && bands == cm.getNumComponents()) kind = Kind.GRAY;
            else if (colourType == ColorSpace.TYPE_RGB && cm.getNumColorComponents() == 3 && bands == cm.getNumComponents()) kind = Kind.RGB;
            else kind = Kind.OTHER;   // CMYK, YCCK...: the colour model converts to sRGB
            this.max = new float[bands];
            if (kind == Kind.GRAY || kind == Kind.RGB)
                for (int b = 0; b < bands; b++) max[b] = (1L << cm.getComponentSize(b)) - 1;
            this.samples = new int[width * Math.max(bands, 1)];
            this.out = new float[channels][width];
        }

        float[][] read(int y) {
            switch (kind) {
                case PALETTE -> {
                    IndexColorModel icm = (IndexColorModel) cm;
                    raster.getSamples(x0, y, width, 1, 0, samples);
                    for (int x = 0; x < width; x++) putArgb(x, icm.getRGB(samples[x]));
                }
                case OTHER -> {
                    int[] argb = image.getRGB(x0, y, width, 1, null, 0, width);
                    for (int x = 0; x < width; x++) putArgb(x, argb[x]);
                }
                case GRAY, RGB -> {
                    raster.getPixels(x0, y, width, 1, samples);
                    int colours = kind == Kind.GRAY ? 1 : 3;
                    boolean alpha = cm.hasAlpha(), premultiplied = cm.isAlphaPremultiplied();
                    for (int x = 0; x < width; x++) {
                        int p = x * bands;
                        float a = alpha && !premultiplied ? samples[p + colours] / max[colours] : 1f;
                        if (colours == 1) put(x, samples[p] / max[0] * a);
                        else put(x, samples[p] / max[0] * a, samples[p + 1] / max[1] * a, samples[p + 2] / max[2] * a);
                    }
                }
            }
            return out;
        }

        private void putArgb(int x, int argb) {
            float a = (argb >>> 24) / 255f;
            put(x, (argb >> 16 & 0xff) / 255f * a, (argb >> 8 & 0xff) / 255f * a, (argb & 0xff) / 255f * a);
        }

        private void put(int x, float gray) {
            for (int c = 0; c < channels; c++) out[c][x] = gray;
        }

        private void put(int x, float r, float g, float b) {
            if (channels == 1) out[0][x] = 0.299f * r + 0.587f * g + 0.114f * b;
            else {
                out[0][x] = r;
                out[1][x] = g;
                out[2][x] = b;
            }
        }
    }
}
