package tornadovae.io.data;

import java.util.Objects;

/**
 * A data set's pixels, as the trainer reads them: {@link #count()} images of channels × height × width, each turned
 * into floats in [0, 1], channel-major (CHW), only when a batch is made. They are held as floats ({@link #ofFloats}),
 * or as 8-bit pixels in memory ({@link ByteImages}) or in a memory-mapped cache file ({@link ImageCache}), which
 * take a quarter of the memory, or none of the heap.
 *
 * <p>Reading is thread-safe, and never changes what a later read gives.
 */
public interface Images {
    int count();
    int channels();
    int height();
    int width();

    /** Floats per image: channels × height × width. */
    default int dim() { return channels() * height() * width(); }

    /** Bytes of Java heap these images hold (a mapped cache file holds none), for the memory check before training. */
    long heapBytes();

    /**
     * Writes the {@code h × w} window of image {@code index} whose top left pixel is ({@code x0}, {@code y0}),
     * mirrored left to right when {@code flip}, into {@code dst[off, off + channels·h·w)} as CHW floats.
     */
    void copyTo(int index, int x0, int y0, int h, int w, boolean flip, float[] dst, int off);

    /** Writes image {@code index} whole into {@code dst[off, off + dim)}. */
    default void copyTo(int index, float[] dst, int off) { copyTo(index, 0, 0, height(), width(), false, dst, off); }

    /** Images {@code [from, from + n)} as one new float array, [n][dim] (for pictures: a few images, not a split). */
    default float[] floats(int from, int n) {
        Objects.checkFromIndexSize(from, n, count());
        float[] out = new float[Math.multiplyExact(n, dim())];
        for (int i = 0; i < n; i++) copyTo(from + i, out, i * dim());
        return out;
    }

    /**
     * A hint that images {@code order[from, from + n)} will be read soon: a mapped file starts bringing them in from
     * disk in the background; in memory it does nothing. It never changes what a read gives.
     */
    default void prefetch(int[] order, int from, int n) {}

    /** The first {@code n} images, shared, not copied. */
    default Images head(int n) {
        if (n < 0 || n > count()) throw new IllegalArgumentException("head(" + n + ") of " + count() + " images");
        return n == count() ? this : new ImageViews.Head(this, n);
    }

    /** The centred {@code size × size} square of every image, shared, not copied (a centre crop). */
    default Images centerCrop(int size) {
        if (size < 1 || size > height() || size > width())
            throw new IllegalArgumentException("a crop of " + size + "×" + size + " does not fit in images of "
                    + height() + "×" + width());
        return size == height() && size == width() ? this : new ImageViews.Crop(this, size);
    }

    /** {@code count} images of {@code channels × height × width} floats, laid out one after the other in {@code floats}. */
    static Images ofFloats(float[] floats, int count, int channels, int height, int width) {
        return new ImageViews.Floats(floats, count, channels, height, width);
    }

    /** Checks a window against an image's bounds (the views and stores call it once per image). */
    static void checkWindow(Images im, int index, int x0, int y0, int h, int w) {
        Objects.checkIndex(index, im.count());
        if (x0 < 0 || y0 < 0 || h < 1 || w < 1 || x0 + w > im.width() || y0 + h > im.height())
            throw new IndexOutOfBoundsException("window " + w + "×" + h + " at (" + x0 + ", " + y0 + ") of an image of "
                    + im.width() + "×" + im.height());
    }
}
