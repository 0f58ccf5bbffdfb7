package tornadovae.io.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import tornadovae.io.DataFormatException;

/**
 * Reads MNIST-style IDX files: unsigned-byte images (magic 0x00000803) and labels (magic 0x00000801), big-endian
 * header, plain or gzip-compressed. Every header is checked against the real file length before anything is
 * allocated from it, so a corrupt or hostile file costs an error message, not the heap.
 */
public final class IdxReader {
    public static final int IMAGES_MAGIC = 0x00000803;
    public static final int LABELS_MAGIC = 0x00000801;
    public static final String TRAIN_IMAGES = "train-images-idx3-ubyte";
    public static final String TRAIN_LABELS = "train-labels-idx1-ubyte";
    public static final String TEST_IMAGES = "t10k-images-idx3-ubyte";
    public static final String TEST_LABELS = "t10k-labels-idx1-ubyte";

    /** No real IDX image is this wide; a bigger side means a corrupt header. */
    static final int MAX_SIDE = 1 << 14;
    /** Java arrays hold at most about 2^31 elements. */
    static final long MAX_VALUES = Integer.MAX_VALUE - 8;

    private static final float[] BYTE_TO_UNIT = new float[256];
    static {
        for (int i = 0; i < 256; i++) BYTE_TO_UNIT[i] = i / 255f;
    }

    private IdxReader() {}

    /** Images of one IDX file: {@code count} single-channel images of rows × cols, values in [0, 1]. */
    public record IdxImages(int count, int rows, int cols, float[] pixels) {}

    /** MNIST's training (60,000) or test (10,000) set from {@code dir}, under the standard file names. */
    public static Dataset loadMnist(Path dir, boolean train) throws IOException {
        return loadTenClasses(train ? "mnist-train" : "mnist-test", dir, train);
    }

    /** Fashion-MNIST's class names, label 0 to 9, as its authors document them (the files hold only numbers). */
    public static final List<String> FASHION_MNIST_CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    /** Fashion-MNIST: the same format and file names as MNIST, in its own folder. */
    public static Dataset loadFashionMnist(Path dir, boolean train) throws IOException {
        return loadTenClasses(train ? "fashion-mnist-train" : "fashion-mnist-test", dir, train)
                .withClassNames(FASHION_MNIST_CLASSES);
    }

    /** Whether {@code dir} holds all four MNIST-named files (plain or {@code .gz}). */
    public static boolean hasMnistFiles(Path dir) {
        for (String name : new String[] {TRAIN_IMAGES, TRAIN_LABELS, TEST_IMAGES, TEST_LABELS}) {
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file) && !Files.isRegularFile(gzSibling(file))) return false;
        }
        return true;
    }

    private static Dataset loadTenClasses(String name, Path dir, boolean train) throws IOException {
        Path labelsFile = dir.resolve(train ? TRAIN_LABELS : TEST_LABELS);
        Dataset data = load(name, dir.resolve(train ? TRAIN_IMAGES : TEST_IMAGES), labelsFile);
        int[] labels = data.labels();
        for (int i = 0; i < labels.length; i++)
            if (labels[i] > 9)
                throw new DataFormatException(resolve(labelsFile), "label " + labels[i] + " of image " + i + " is outside 0..9");
        return data;
    }

    /**
     * An image set with optional labels.
     * @param labelsFile {@code null} for a label-less data set
     */
    public static Dataset load(String name, Path imagesFile, Path labelsFile) throws IOException {
        int[] labels = labelsFile == null ? null : readLabels(labelsFile);  // small: a bad pair fails fast
        IdxImages images = readImages(imagesFile);
        if (images.count() == 0)   // a valid IDX file, but nothing to train or test on (batch sizes would divide by 0)
            throw new DataFormatException(resolve(imagesFile), "holds no images (its header says 0)");
        if (labels != null && labels.length != images.count())
            throw new DataFormatException(resolve(labelsFile), "holds " + labels.length + " labels but "
                    + resolve(imagesFile).getFileName() + " holds " + images.count() + " images");
        return new Dataset(name, images.pixels(), labels, images.count(), 1, images.rows(), images.cols());
    }

    public static IdxImages readImages(Path file) throws IOException {
        try (IdxContent c = IdxContent.open(resolve(file))) {
            checkMagicAndHeaderLength(c, IMAGES_MAGIC, 16);
            int count = readHeaderInt(c), rows = readHeaderInt(c), cols = readHeaderInt(c);
            if (count < 0 || rows < 1 || cols < 1 || rows > MAX_SIDE || cols > MAX_SIDE)
                throw new DataFormatException(c.file, "has an impossible header: " + Integer.toUnsignedString(count)
                        + " images of " + Integer.toUnsignedString(rows) + "×" + Integer.toUnsignedString(cols) + " pixels");
            long values = (long) count * rows * cols;  // at most 2^31 · 2^28: no overflow
            String what = count + " images of " + rows + "×" + cols;
            c.checkLength(16 + values, what);
            if (values > MAX_VALUES)
                throw new DataFormatException(c.file, "holds " + what + ", more than one Java array can hold");
            float[] pixels = new float[(int) values];
            byte[] buf = new byte[1 << 16];
            for (int done = 0; done < pixels.length; ) {
                int n = Math.min(buf.length, pixels.length - done);
                c.readFully(buf, n, "is truncated: its data ends before the " + (16 + values) + " bytes its header announces");
                for (int i = 0; i < n; i++) pixels[done + i] = BYTE_TO_UNIT[buf[i] & 0xff];
                done += n;
            }
            c.checkAtEnd(16 + values);
            return new IdxImages(count, rows, cols, pixels);
        }
    }

    public static int[] readLabels(Path file) throws IOException {
        try (IdxContent c = IdxContent.open(resolve(file))) {
            checkMagicAndHeaderLength(c, LABELS_MAGIC, 8);
            int count = readHeaderInt(c);
            if (count < 0)
                throw new DataFormatException(c.file, "has an impossible header: " + Integer.toUnsignedString(count) + " labels");
            c.checkLength(8L + count, count + " labels");
            int[] labels = new int[count];
            byte[] buf = new byte[count];
            c.readFully(buf, count, "is truncated: its data ends before the " + (8L + count) + " bytes its header announces");
            for (int i = 0; i < count; i++) labels[i] = buf[i] & 0xff;
            c.checkAtEnd(8L + count);
            return labels;
        }
    }

    /** {@code file} itself, or {@code file.gz} when only the compressed variant is there. */
    public static Path resolve(Path file) throws DataFormatException {
        if (Files.exists(file)) return file;
        Path gz = gzSibling(file);
        if (Files.exists(gz)) return gz;
        throw new DataFormatException(file, "file not found (nor " + gz.getFileName() + " beside it)");
    }

    private static Path gzSibling(Path file) {
        return file.resolveSibling(file.getFileName() + ".gz");
    }

    private static int readHeaderInt(IdxContent c) throws IOException {
        byte[] b = new byte[4];
        c.readFully(b, 4, "is too short for an IDX header");
        return (b[0] & 0xff) << 24 | (b[1] & 0xff) << 16 | (b[2] & 0xff) << 8 | (b[3] & 0xff);
    }

    /** The magic number first (it says best what a wrong file is), then whether the whole header is there. */
    private static void checkMagicAndHeaderLength(IdxContent c, int expected, int headerLength) throws IOException {
        String what = expected == IMAGES_MAGIC ? "IDX image" : "IDX label";
        if (!c.gzipped && c.length < headerLength) {
            if (c.length < 4 || peekInt(c.file) == expected)
                throw new DataFormatException(c.file, "is too short for an " + what + " file (" + c.length
                        + " bytes, the header alone is " + headerLength + ")");
        }
        int magic = readHeaderInt(c);
        if (magic == expected) return;
        String hint = magic == LABELS_MAGIC ? "; this is an IDX label file"
                : magic == IMAGES_MAGIC ? "; this is an IDX image file" : "";
        throw new DataFormatException(c.file, String.format("bad magic number 0x%08X (expected 0x%08X for %ss%s)", magic, expected, what, hint));
    }

    private static int peekInt(Path file) throws IOException {
        try (var in = new java.io.DataInputStream(Files.newInputStream(file))) {
            return in.readInt();
        }
    }
}
