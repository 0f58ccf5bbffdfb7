package tornadovae.io.data;

/**
 * Images held as 8-bit pixels in memory, a quarter of the floats' size: one {@code byte[]} of CHW samples per image
 * (so no one array limits the count). Pixel value {@code v} reads as the float {@code v / 255f}, which is exactly
 * what {@link ImageDecoder} gives for an 8-bit sample of an image already at the wanted size, so training on these
 * gives the float path's bits; a resized or colour-converted image is rounded to the nearest 8-bit value
 * ({@link #quantize}), at most 1/510 away.
 */
public final class ByteImages implements Images {
    /** {@code v / 255f} for every byte value: the division, done once. */
    private static final float[] TO_FLOAT = new float[256];

    static {
        for (int v = 0; v < 256; v++) TO_FLOAT[v] = v / 255f;
    }

    private final byte[][] images;
    private final int channels, height, width;

    /** @param images one array of {@code channels·height·width} samples per image (kept, not copied) */
    public ByteImages(byte[][] images, int channels, int height, int width) {
        if (channels < 1 || height < 1 || width < 1) throw new IllegalArgumentException("bad image shape " + channels + "×" + height + "×" + width);
        for (byte[] im : images)
            if (im.length != channels * height * width)
                throw new IllegalArgumentException("an image of " + im.length + " samples is not " + channels + "×" + height + "×" + width);
        this.images = images;
        this.channels = channels;
        this.height = height;
        this.width = width;
    }

    @Override public int count() { return images.length; }
    @Override public int channels() { return channels; }
    @Override public int height() { return height; }
    @Override public int width() { return width; }
    /** The samples, plus each array's header (16 bytes) and reference. */
    @Override public long heapBytes() { return (long) images.length * (dim() + 24); }

    @Override
    public void copyTo(int index, int x0, int y0, int h, int w, boolean flip, float[] dst, int off) {
        Images.checkWindow(this, index, x0, y0, h, w);
        toFloats(images[index], 0, channels, height, width, x0, y0, h, w, flip, dst, off);
    }

    /** The 8-bit value nearest to {@code f} (a float in [0, 1]); {@code quantize(v / 255f) == v} for every v. */
    public static byte quantize(float f) {
        return (byte) Math.round(Math.min(1f, Math.max(0f, f)) * 255f);
    }

    /** Floats in [0, 1] of one image, {@code src[from, from + n)}, as 8-bit values into {@code dst[at, at + n)}. */
    static void quantize(float[] src, int from, byte[] dst, int at, int n) {
        for (int i = 0; i < n; i++) dst[at + i] = quantize(src[from + i]);
    }

    /** The window of one CHW image of bytes at {@code src[base...]} as floats (shared with the mapped cache). */
    static void toFloats(byte[] src, int base, int channels, int height, int width, int x0, int y0, int h, int w,
                         boolean flip, float[] dst, int off) {
        for (int c = 0; c < channels; c++)
            for (int y = 0; y < h; y++) {
                int s = base + (c * height + y0 + y) * width + x0, o = off + (c * h + y) * w;
                if (!flip) for (int x = 0; x < w; x++) dst[o + x] = TO_FLOAT[src[s + x] & 0xff];
                else for (int x = 0; x < w; x++) dst[o + x] = TO_FLOAT[src[s + w - 1 - x] & 0xff];
            }
    }
}
