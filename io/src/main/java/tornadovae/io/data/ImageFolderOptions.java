package tornadovae.io.data;

import java.util.Locale;

/**
 * How a folder of images becomes a {@link Dataset}.
 *
 * @param imageSize    every image is made {@code imageSize × imageSize} (see {@link ImageDecoder})
 * @param channels     3 for RGB, 1 for grayscale
 * @param testFraction share of the images put in the test split when the folder has no {@code train/} and
 *                     {@code test/} subfolders, chosen by a hash of each image's relative path
 * @param skipBadImages skip unreadable files with a warning instead of stopping at the first one
 * @param storage      how the decoded pixels are held ({@code --image-cache})
 */
public record ImageFolderOptions(int imageSize, int channels, double testFraction, boolean skipBadImages, Storage storage) {
    public static final int DEFAULT_IMAGE_SIZE = 64;
    public static final double DEFAULT_TEST_FRACTION = 0.1;
    public static final int MAX_IMAGE_SIZE = 4096;

    /** Where decoded pixels live: the values of {@code --image-cache}. */
    public enum Storage {
        /** Floats in the heap, decoded at every start (4 bytes a sample). */
        OFF,
        /** 8-bit pixels in the heap, decoded at every start (1 byte a sample; {@link ByteImages}). */
        MEMORY,
        /** 8-bit pixels in a cache file beside the images, built once and memory-mapped ({@link ImageCache}). */
        FILE;

        public String cliName() { return name().toLowerCase(Locale.ROOT); }

        public static Storage parse(String s) {
            for (Storage v : values()) if (v.cliName().equals(s)) return v;
            throw new IllegalArgumentException("--image-cache must be off, memory or file, got '" + s + "'");
        }
    }

    public ImageFolderOptions {
        if (imageSize < 1 || imageSize > MAX_IMAGE_SIZE)
            throw new IllegalArgumentException("--image-size must be between 1 and " + MAX_IMAGE_SIZE + ", got " + imageSize);
        if (channels != 1 && channels != 3)
            throw new IllegalArgumentException("--image-channels must be 1 (grayscale) or 3 (RGB), got " + channels);
        if (!(testFraction > 0 && testFraction < 1))
            throw new IllegalArgumentException("--test-fraction must be between 0 and 1 (both excluded), got " + testFraction);
        if (storage == null) storage = Storage.OFF;
    }

    /** Images held as floats (no cache). */
    public ImageFolderOptions(int imageSize, int channels, double testFraction, boolean skipBadImages) {
        this(imageSize, channels, testFraction, skipBadImages, Storage.OFF);
    }

    public ImageFolderOptions withStorage(Storage s) {
        return new ImageFolderOptions(imageSize, channels, testFraction, skipBadImages, s);
    }

    /** 64×64 RGB, 10 % test images, stop at the first bad file, floats in memory. */
    public static ImageFolderOptions defaults() {
        return new ImageFolderOptions(DEFAULT_IMAGE_SIZE, 3, DEFAULT_TEST_FRACTION, false);
    }
}
