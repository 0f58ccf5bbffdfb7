package tornadovae.io.data;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;
import tornadovae.io.DataFormatException;

/**
 * A split of an image folder, decoded once into 8-bit pixels and kept in a file that later runs memory-map instead of
 * decoding again, so that a folder larger than the Java heap trains with a fixed heap (the pages are the system's
 * file cache, not the heap's).
 *
 * <p><b>Format</b> (little-endian): the pixels, image after image, each {@code channels·height·width} CHW bytes; then
 * one int32 label per image (-1 without labels); one int32 CRC-32C per image's pixels; and a footer of
 * {@value #FOOTER_BYTES} bytes: the magic {@code TVAEPIX1}, the version, channels, height, width, count, a flags word
 * (1: labelled), the folder's {@link #manifest} (SHA-256), and the CRC-32C of the labels, the CRCs and the footer
 * before it. The footer is at the end because the count is known only once every image has been tried (with
 * {@code --skip-bad-images} some are left out), and the file is written as one stream through {@link
 * tornadovae.io.AtomicFiles}.
 *
 * <p><b>Trust.</b> A file whose size, footer or checksum is wrong is not used ({@link #open} says why, and the
 * reader builds it again); a file for another folder state (an image added, removed, replaced or touched; other
 * options) has another manifest and is rebuilt too. Each image's pixels are checked against their CRC every time
 * they are read (a few microseconds for 128×128 RGB), so a file damaged after it was opened stops the run with a
 * sentence naming it rather than training on garbage.
 */
public final class ImageCache {
    static final byte[] MAGIC = "TVAEPIX1".getBytes(StandardCharsets.US_ASCII);
    static final int VERSION = 1;
    /** magic 8, version, channels, height, width, count, flags (4 each), manifest 32, checksum 4. */
    static final int FOOTER_BYTES = 8 + 6 * 4 + 32 + 4;
    /** The folder beside the images that holds the cache files (hidden: the folder reader skips it). */
    public static final String FOLDER = ".tornadovae-cache";

    private ImageCache() {}

    /** Where the cache of one split with these options lives: {@code ROOT/.tornadovae-cache/train-3x128x128.pixels}. */
    public static Path file(Path root, String split, ImageFolderOptions o) {
        return root.resolve(FOLDER).resolve(split + "-" + o.channels() + "x" + o.imageSize() + "x" + o.imageSize() + ".pixels");
    }

    /**
     * The SHA-256 of everything that decides a split's pixels: the format version, the options, the class names, and
     * each image's path, label, size and modification time, in order. Any change to the folder that could change an
     * image changes it (a file rewritten within the file system's time resolution, with the same size, would not:
     * the price of not reading every image to check).
     */
    public static byte[] manifest(List<ImageFolderReader.Entry> entries, List<String> classes, ImageFolderOptions o)
            throws IOException {
        MessageDigest sha = sha256();
        StringBuilder head = new StringBuilder("tornadovae image cache v" + VERSION + "\n" + o.channels() + " " + o.imageSize()
                + " " + o.skipBadImages() + "\n");
        for (String c : classes) head.append(c.length()).append(':').append(c).append('\n');
        sha.update(head.toString().getBytes(StandardCharsets.UTF_8));
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        for (ImageFolderReader.Entry e : entries) {
            BasicFileAttributes a;
            try {
                a = Files.readAttributes(e.file(), BasicFileAttributes.class);
            } catch (IOException ex) {
                throw new DataFormatException(e.file(), "cannot be read (" + ex.getMessage() + ")", ex);
            }
            byte[] path = e.relativePath().getBytes(StandardCharsets.UTF_8);
            sha.update(b.clear().putInt(path.length).array(), 0, 4);
            sha.update(path);
            sha.update(b.clear().putInt(e.label()).putLong(a.size()).putLong(a.lastModifiedTime().toMillis()).array());
        }
        return sha.digest();
    }

    /** Writes what follows the pixels (already written): the labels, the CRCs and the footer with its checksum. */
    static void writeTrailer(DataOutputStream out, int[] labels, int[] crcs, int count, int channels, int size,
                             boolean labelled, byte[] manifest) throws IOException {
        ByteBuffer t = ByteBuffer.allocate(Math.multiplyExact(8, count) + FOOTER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < count; i++) t.putInt(labels[i]);
        for (int i = 0; i < count; i++) t.putInt(crcs[i]);
        t.put(MAGIC).putInt(VERSION).putInt(channels).putInt(size).putInt(size).putInt(count).putInt(labelled ? 1 : 0).put(manifest);
        CRC32C crc = new CRC32C();
        crc.update(t.array(), 0, t.position());
        t.putInt((int) crc.getValue());
        out.write(t.array(), 0, t.position());
    }

    /** CRC-32C of {@code n} bytes. */
    static int crc(byte[] b, int off, int n) {
        CRC32C c = new CRC32C();
        c.update(b, off, n);
        return (int) c.getValue();
    }

    /** An opened cache: its images (mapped) and labels (null without labels). */
    public record Opened(MappedImages images, int[] labels) {}

    /** Why a cache file cannot be used; the reader says it and builds the file again. */
    public static final class Unusable extends Exception {
        Unusable(String why) { super(why, null, false, false); }
    }

    /**
     * Maps {@code file}, checking its size, footer and checksum, and that it is for this manifest and shape.
     *
     * @throws Unusable saying why the file cannot be used (it is then rebuilt)
     */
    public static Opened open(Path file, byte[] manifest, int channels, int size) throws IOException, Unusable {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long length = ch.size();
            if (length < FOOTER_BYTES) throw new Unusable("it is truncated (" + length + " bytes)");
            ByteBuffer f = ByteBuffer.allocate(FOOTER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, f, length - FOOTER_BYTES);
            f.flip();
            byte[] magic = new byte[8];
            f.get(magic);
            if (!Arrays.equals(magic, MAGIC)) throw new Unusable("it is not an image cache of this program, or is damaged");
            int version = f.getInt(), c = f.getInt(), h = f.getInt(), w = f.getInt(), count = f.getInt(), flags = f.getInt();
            byte[] stored = new byte[32];
            f.get(stored);
            if (version != VERSION) throw new Unusable("it is of format version " + version + ", not " + VERSION);
            if (c < 1 || h < 1 || w < 1 || count < 0 || (flags & ~1) != 0) throw new Unusable("its footer is damaged");
            long dim = (long) c * h * w, expected = count * (dim + 8) + FOOTER_BYTES;
            if (dim > Integer.MAX_VALUE || expected != length)
                throw new Unusable("it is " + length + " bytes, but its footer describes " + expected + " (truncated or damaged)");
            ByteBuffer table = ByteBuffer.allocate(Math.toIntExact(8L * count + FOOTER_BYTES - 4)).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, table, count * dim);
            CRC32C crc = new CRC32C();
            crc.update(table.array(), 0, table.capacity());
            int storedCrc = f.getInt(FOOTER_BYTES - 4);
            if ((int) crc.getValue() != storedCrc) throw new Unusable("its checksum does not match (damaged)");
            if (!Arrays.equals(stored, manifest)) throw new Unusable("the folder or the options changed since it was built");
            if (c != channels || h != size || w != size)
                throw new Unusable("it holds images of " + c + "×" + h + "×" + w + ", not " + channels + "×" + size + "×" + size);
            table.flip();
            int[] labels = new int[count], crcs = new int[count];
            for (int i = 0; i < count; i++) labels[i] = table.getInt();
            for (int i = 0; i < count; i++) crcs[i] = table.getInt();
            MemorySegment pixels = ch.map(FileChannel.MapMode.READ_ONLY, 0, count * dim, Arena.ofAuto());
            return new Opened(new MappedImages(file, pixels, crcs, c, h, w), (flags & 1) != 0 ? labels : null);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long at) throws IOException {
        while (b.hasRemaining()) {
            int n = ch.read(b, at + b.position());
            if (n < 0) throw new IOException("unexpected end of file");
        }
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** The pixels of an opened cache file, read straight from the mapping. */
    public static final class MappedImages implements Images {
        private final Path file;
        private final MemorySegment pixels;
        private final int[] crcs;
        private final int channels, height, width;
        private final ThreadLocal<byte[]> buffer;
        private ExecutorService prefetcher;
        private Future<?> pending;

        MappedImages(Path file, MemorySegment pixels, int[] crcs, int channels, int height, int width) {
            this.file = file;
            this.pixels = pixels;
            this.crcs = crcs;
            this.channels = channels;
            this.height = height;
            this.width = width;
            this.buffer = ThreadLocal.withInitial(() -> new byte[channels * height * width]);
        }

        @Override public int count() { return crcs.length; }
        @Override public int channels() { return channels; }
        @Override public int height() { return height; }
        @Override public int width() { return width; }
        /** The CRC table; the pixels are the file system's cache, not the heap. */
        @Override public long heapBytes() { return 4L * crcs.length; }

        @Override
        public void copyTo(int index, int x0, int y0, int h, int w, boolean flip, float[] dst, int off) {
            Images.checkWindow(this, index, x0, y0, h, w);
            int dim = dim();
            byte[] b = buffer.get();
            MemorySegment.copy(pixels, ValueLayout.JAVA_BYTE, (long) index * dim, b, 0, dim);
            if (crc(b, 0, dim) != crcs[index]) {
                DataFormatException e = new DataFormatException(file, "image " + index + " of " + count() + " does not match "
                        + "its checksum, so the file was damaged after it was built; delete it (the next run builds it again)");
                throw new UncheckedIOException(e.getMessage(), e);
            }
            ByteImages.toFloats(b, 0, channels, height, width, x0, y0, h, w, flip, dst, off);
        }

        /**
         * Asks the system to read the next batch's pages while the current step computes (one background thread; a
         * request while the last is still running is dropped, as the step will fault the pages in itself).
         */
        @Override
        public synchronized void prefetch(int[] order, int from, int n) {
            if (pending != null && !pending.isDone()) return;
            if (prefetcher == null)
                prefetcher = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "image-cache-prefetch");
                    t.setDaemon(true);
                    return t;
                });
            int[] indices = Arrays.copyOfRange(order, from, Math.min(order.length, from + n));
            long dim = dim();
            pending = prefetcher.submit(() -> {
                for (int i : indices) if (i >= 0 && i < count()) pixels.asSlice(i * dim, dim).load();
            });
        }
    }
}
