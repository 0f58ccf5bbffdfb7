package tornadovae.io.fuzz;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tornadovae.io.data.IdxReader;

/**
 * Random and mutated bytes against the IDX reader (plain and gzip): it returns exactly what the bytes say, or
 * throws a DataFormatException naming the file; never another exception, a hang or a large allocation.
 */
class IdxFuzzTest {
    static Path dir;

    @BeforeContainer
    static void folder() throws IOException { dir = Files.createTempDirectory("idx-fuzz"); }

    @AfterContainer
    static void clean() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) Files.delete(p);
        }
        Files.delete(dir);
    }

    static byte[] validImages(int count, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(16 + count * rows * cols);
        b.putInt(IdxReader.IMAGES_MAGIC).putInt(count).putInt(rows).putInt(cols);
        for (int i = 0; i < count * rows * cols; i++) b.put((byte) (i * 37));
        return b.array();
    }

    static byte[] validLabels(int count) {
        ByteBuffer b = ByteBuffer.allocate(8 + count);
        b.putInt(IdxReader.LABELS_MAGIC).putInt(count);
        for (int i = 0; i < count; i++) b.put((byte) (i % 10));
        return b.array();
    }

    static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) { gz.write(plain); }
        return out.toByteArray();
    }

    /** What the reader must have seen: the bytes themselves, or their gunzipped content (null: not valid gzip). */
    static byte[] content(byte[] file) {
        if (file.length < 2 || (file[0] & 0xff) != 0x1f || (file[1] & 0xff) != 0x8b) return file;
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(file))) {
            return in.readAllBytes();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The allocation budget: the file's content as floats, plus buffers. */
    static long budget(byte[] file) {
        byte[] c = content(file);
        return 4L * Math.max(file.length, c == null ? 0 : c.length) + (4 << 20);
    }

    static boolean checkImages(byte[] file) throws IOException {
        Path p = Files.write(dir.resolve("images-idx3-ubyte"), file);
        var outcome = Hostile.run(() -> IdxReader.readImages(p), budget(file));
        if (outcome.error() != null) {
            Hostile.assertNamesFile(outcome.error(), p);
            return false;
        }
        var images = outcome.result();
        byte[] c = content(file);
        assertNotNull(c, "accepted a file that is not valid gzip");
        ByteBuffer h = ByteBuffer.wrap(c);
        assertEquals(IdxReader.IMAGES_MAGIC, h.getInt(0));
        assertEquals(h.getInt(4), images.count());
        assertEquals(h.getInt(8), images.rows());
        assertEquals(h.getInt(12), images.cols());
        assertEquals(c.length, 16L + (long) images.count() * images.rows() * images.cols(), "the header accounts for every byte");
        for (int i = 0; i < images.pixels().length; i++) assertEquals((c[16 + i] & 0xff) / 255f, images.pixels()[i]);
        return true;
    }

    static boolean checkLabels(byte[] file) throws IOException {
        Path p = Files.write(dir.resolve("labels-idx1-ubyte"), file);
        var outcome = Hostile.run(() -> IdxReader.readLabels(p), budget(file));
        if (outcome.error() != null) {
            Hostile.assertNamesFile(outcome.error(), p);
            return false;
        }
        int[] labels = outcome.result();
        byte[] c = content(file);
        assertNotNull(c, "accepted a file that is not valid gzip");
        assertEquals(IdxReader.LABELS_MAGIC, ByteBuffer.wrap(c).getInt(0));
        assertEquals(c.length, 8 + labels.length);
        for (int i = 0; i < labels.length; i++) assertEquals(c[8 + i] & 0xff, labels[i]);
        return true;
    }

    @Property
    void randomBytesAsImages(@ForAll @Size(max = 200) byte[] bytes) throws IOException { checkImages(bytes); }

    @Property
    void randomBytesAsLabels(@ForAll @Size(max = 64) byte[] bytes) throws IOException { checkLabels(bytes); }

    @Property
    void mutatedImages(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int mutations) throws IOException {
        Fuzz.collectBoth(checkImages(Hostile.mutate(validImages(3, 4, 5), seed, mutations)));
    }

    @Property
    void mutatedLabels(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int mutations) throws IOException {
        Fuzz.collectBoth(checkLabels(Hostile.mutate(validLabels(12), seed, mutations)));
    }

    @Property
    void mutatedGzipImages(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int mutations) throws IOException {
        Fuzz.collect(checkImages(Hostile.mutate(gzip(validImages(3, 4, 5)), seed, mutations)));
    }

    @Property
    void gzipOfMutatedImages(@ForAll long seed, @ForAll @IntRange(min = 1, max = 3) int mutations) throws IOException {
        Fuzz.collect(checkImages(gzip(Hostile.mutate(validImages(3, 4, 5), seed, mutations))));
    }

    @net.jqwik.api.Example
    void headersClaimingTrillionsOfPixelsAreRefusedBeforeAllocating() throws IOException {
        for (int[] h : new int[][]{{Integer.MAX_VALUE, 16384, 16384}, {1_000_000, 1000, 1000}, {-1, 28, 28}, {5, 0, 28}}) {
            byte[] file = ByteBuffer.allocate(16 + 100).putInt(IdxReader.IMAGES_MAGIC).putInt(h[0]).putInt(h[1]).putInt(h[2]).array();
            checkImages(file);
            checkImages(gzip(file));
            Path p = dir.resolve("images-idx3-ubyte");
            assertThrows(tornadovae.io.DataFormatException.class, () -> IdxReader.readImages(p));
        }
    }
}
