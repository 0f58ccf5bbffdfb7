package tornadovae.io.data;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An in-memory image data set: {@code count} images of {@code channels × height × width} floats in [0, 1],
 * stored image after image, each channel-major (CHW, as PyTorch lays them out), so that a minibatch of
 * consecutive images is one contiguous slice of {@link #images()}.
 *
 * <p>The arrays are shared, not copied: the trainer reads them in place, and nobody should write them.
 *
 * <p>A data set may hold its pixels another way ({@link #pixels()}: 8-bit, in memory or in a mapped cache file); it
 * then has no float array, and {@link #images()} refuses. The trainer reads {@link #pixels()}, which every data set has.
 *
 * <p>A labelled data set may know its class names, one per label value (an image folder's subfolders, CIFAR-10's
 * classes), so that legends and CSV files can say "cats" rather than 0; {@link #classNames()} is empty when it does
 * not (MNIST's digits need none).
 */
public final class Dataset {
    private final String name;
    private final float[] images;
    private final Images pixels;
    private final int[] labels;
    private final List<String> classNames;
    private final int count, channels, height, width;

    /** @param labels one label per image, or {@code null} for a label-less data set */
    public Dataset(String name, float[] images, int[] labels, int count, int channels, int height, int width) {
        this(name, images, labels, List.of(), count, channels, height, width);
    }

    /**
     * @param classNames the name of each label value (index = label), or empty when unknown; every label must have
     *                   one
     */
    public Dataset(String name, float[] images, int[] labels, List<String> classNames, int count, int channels, int height,
                   int width) {
        this(name, checkFloats(name, images, count, channels, height, width), images, labels, classNames);
    }

    /** A data set whose pixels are held as {@code pixels} says (8-bit, mapped...): it has no float array. */
    public Dataset(String name, Images pixels, int[] labels, List<String> classNames) {
        this(name, pixels, null, labels, classNames);
    }

    private Dataset(String name, Images pixels, float[] images, int[] labels, List<String> classNames) {
        this.name = Objects.requireNonNull(name, "name");
        this.pixels = Objects.requireNonNull(pixels, "pixels");
        this.images = images;
        int count = pixels.count();
        if (labels != null && labels.length != count)
            throw new IllegalArgumentException("data set " + name + ": " + labels.length + " labels for " + count + " images");
        this.classNames = List.copyOf(classNames);   // also refuses null names
        if (!this.classNames.isEmpty()) {
            if (labels == null) throw new IllegalArgumentException("data set " + name + ": class names without labels");
            for (int l : labels)
                if (l < 0 || l >= this.classNames.size())
                    throw new IllegalArgumentException("data set " + name + ": label " + l + " has no class name (there are "
                            + this.classNames.size() + ")");
        }
        this.labels = labels;
        this.count = count;
        this.channels = pixels.channels();
        this.height = pixels.height();
        this.width = pixels.width();
    }

    private static Images checkFloats(String name, float[] images, int count, int channels, int height, int width) {
        Objects.requireNonNull(images, "images");
        if (count < 0 || channels < 1 || height < 1 || width < 1)
            throw new IllegalArgumentException("bad data set shape " + count + "×" + channels + "×" + height + "×" + width);
        if ((long) count * channels * height * width != images.length)
            throw new IllegalArgumentException("data set " + name + ": " + images.length + " floats do not make "
                    + count + " images of " + channels + "×" + height + "×" + width);
        return Images.ofFloats(images, count, channels, height, width);
    }

    public String name() { return name; }
    /** The images as floats, [count][dim]; only for a data set held as floats (see {@link #pixels()}). */
    public float[] images() {
        if (images == null)
            throw new IllegalStateException("data set " + name + " is held as 8-bit pixels, not floats; read it through pixels()");
        return images;
    }
    /** The images, however they are held: what the trainer reads batches from. */
    public Images pixels() { return pixels; }
    /** Whether {@link #images()} has a float array to give. */
    public boolean holdsFloats() { return images != null; }
    /** One label per image, or {@code null} when the data set has none. */
    public int[] labels() { return labels; }
    public boolean hasLabels() { return labels != null; }
    /** The name of each label value (index = label), or an empty list when the names are unknown. */
    public List<String> classNames() { return classNames; }
    public int count() { return count; }
    public int channels() { return channels; }
    public int height() { return height; }
    public int width() { return width; }
    /** Floats per image: channels × height × width. */
    public int dim() { return channels * height * width; }

    /** The same images and labels (shared, not copied) with these class names. */
    public Dataset withClassNames(List<String> names) {
        return new Dataset(name, pixels, images, labels, names);
    }

    /** The first {@code n} images, for quick runs and tests: floats are copied (so the rest can go), other pixels shared. */
    public Dataset head(int n) {
        if (n < 0 || n > count) throw new IllegalArgumentException("head(" + n + ") of " + count + " images");
        int[] l = labels == null ? null : Arrays.copyOf(labels, n);
        if (images != null) return new Dataset(name, Arrays.copyOf(images, n * dim()), l, classNames, n, channels, height, width);
        return new Dataset(name, pixels.head(n), l, classNames);
    }

    /**
     * The centred {@code size × size} square of every image (a centre crop): floats are copied into a new array,
     * other pixels shared through a view.
     */
    public Dataset centerCrop(int size) {
        Images cropped = pixels.centerCrop(size);
        if (cropped == pixels) return this;
        if (images != null) return new Dataset(name, cropped.floats(0, count), labels, classNames, count, channels, size, size);
        return new Dataset(name, cropped, labels, classNames);
    }

    @Override
    public String toString() {
        return name + " (" + count + " images of " + channels + "×" + height + "×" + width + (labels != null ? ", labelled)" : ")");
    }
}
