package tornadovae.io.data;

/** The plain {@link Images}: floats in an array, and the views that {@link Images#head} and {@link Images#centerCrop} make. */
final class ImageViews {
    private ImageViews() {}

    /** Floats, image after image: the layout the readers have always produced (and {@link Dataset#images()} shares). */
    record Floats(float[] floats, int count, int channels, int height, int width) implements Images {
        Floats {
            if ((long) count * channels * height * width != floats.length)
                throw new IllegalArgumentException(floats.length + " floats do not make " + count + " images of "
                        + channels + "×" + height + "×" + width);
        }

        @Override public long heapBytes() { return 4L * floats.length; }

        @Override
        public void copyTo(int index, int x0, int y0, int h, int w, boolean flip, float[] dst, int off) {
            Images.checkWindow(this, index, x0, y0, h, w);
            int base = index * dim();
            if (!flip && x0 == 0 && y0 == 0 && h == height && w == width) {
                System.arraycopy(floats, base, dst, off, dim());
                return;
            }
            for (int c = 0; c < channels; c++)
                for (int y = 0; y < h; y++) {
                    int src = base + (c * height + y0 + y) * width + x0, o = off + (c * h + y) * w;
                    if (!flip) System.arraycopy(floats, src, dst, o, w);
                    else for (int x = 0; x < w; x++) dst[o + x] = floats[src + w - 1 - x];
                }
        }
    }

    /** The first {@code count} images of another. */
    record Head(Images base, int count) implements Images {
        @Override public int channels() { return base.channels(); }
        @Override public int height() { return base.height(); }
        @Override public int width() { return base.width(); }
        /** The whole base's: it all stays reachable through this view. */
        @Override public long heapBytes() { return base.heapBytes(); }

        @Override
        public void copyTo(int index, int x0, int y0, int h, int w, boolean flip, float[] dst, int off) {
            Images.checkWindow(this, index, x0, y0, h, w);
            base.copyTo(index, x0, y0, h, w, flip, dst, off);
        }

        @Override public void prefetch(int[] order, int from, int n) { base.prefetch(order, from, n); }
    }

    /** The centred {@code size × size} square of each image of another. */
    record Crop(Images base, int size) implements Images {
        @Override public int count() { return base.count(); }
        @Override public int channels() { return base.channels(); }
        @Override public int height() { return size; }
        @Override public int width() { return size; }
        @Override public long heapBytes() { return base.heapBytes(); }

        @Override
        public void copyTo(int index, int x0, int y0, int h, int w, boolean flip, float[] dst, int off) {
            Images.checkWindow(this, index, x0, y0, h, w);
            base.copyTo(index, x0 + (base.width() - size) / 2, y0 + (base.height() - size) / 2, h, w, flip, dst, off);
        }

        @Override public void prefetch(int[] order, int from, int n) { base.prefetch(order, from, n); }
    }
}
