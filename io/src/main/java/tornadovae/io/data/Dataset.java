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
 * <p>A labelled data set may know its class names, one per label value (an image folder's subfolders, CIFAR-10's
 * classes), so that legends and CSV files can say "cats" rather than 0; {@link #classNames()} is empty when it does
 * not (MNIST's digits need none).
 */
public final class Dataset {
    private final String name;
    private final float[] images;
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
        this.name = Objects.requireNonNull(name, "name");
        this.images = Objects.requireNonNull(images, "images");
        if (count < 0 || channels < 1 || height < 1 || width < 1)
            throw new IllegalArgumentException("bad data set shape " + count + "×" + channels + "×" + height + "×" + width);
        if ((long) count * channels * height * width != images.length)
            throw new IllegalArgumentException("data set " + name + ": " + images.length + " floats do not make "
                    + count + " images of " + channels + "×" + height + "×" + width);
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
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    public String name() { return name; }
    public float[] images() { return images; }
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
        return new Dataset(name, images, labels, names, count, channels, height, width);
    }

    /** The first {@code n} images (copied), for quick runs and tests. */
    public Dataset head(int n) {
        if (n < 0 || n > count) throw new IllegalArgumentException("head(" + n + ") of " + count + " images");
        return new Dataset(name, Arrays.copyOf(images, n * dim()), labels == null ? null : Arrays.copyOf(labels, n),
                classNames, n, channels, height, width);
    }

    @Override
    public String toString() {
        return name + " (" + count + " images of " + channels + "×" + height + "×" + width + (labels != null ? ", labelled)" : ")");
    }
}
