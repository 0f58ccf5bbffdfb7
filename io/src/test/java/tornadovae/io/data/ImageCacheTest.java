package tornadovae.io.data;

import static org.junit.jupiter.api.Assertions.*;
import static tornadovae.io.data.TestImages.*;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.io.DataFormatException;

/**
 * 8-bit pixels ({@code --image-cache memory} and {@code file}): the same floats as the float reader for images at
 * their size, a cache file reused while the folder is unchanged and rebuilt when it changes or is damaged.
 */
class ImageCacheTest {
    @TempDir Path tmp;

    static ImageFolderOptions opts(int size, ImageFolderOptions.Storage storage) {
        return new ImageFolderOptions(size, 3, 0.25, false, storage);
    }

    /** {@code n} noisy 8×8 RGB PNGs in two class folders, so every byte value and the labels are exercised. */
    static Path folder(Path root, int n) throws Exception {
        Random r = new Random(5);
        for (int i = 0; i < n; i++) {
            int seed = r.nextInt();
            png(root.resolve((i % 2 == 0 ? "cats" : "dogs") + "/im" + i + ".png"),
                    rgb(8, 8, (x, y) -> new Random(seed + 31L * x + y).nextInt(1 << 24)));
        }
        return root;
    }

    static float[] all(Images im) {
        return im.floats(0, im.count());
    }

    static Dataset load(Path root, boolean train, ImageFolderOptions o, List<String> log) throws Exception {
        return ImageFolderReader.load(root, train, o, log::add);
    }

    @Test
    void bytesGiveTheFloatReadersBitsForImagesAtTheirSize() throws Exception {
        Path root = folder(tmp.resolve("f"), 24);
        for (boolean train : new boolean[]{true, false}) {
            Dataset floats = load(root, train, opts(8, ImageFolderOptions.Storage.OFF), new ArrayList<>());
            for (var s : new ImageFolderOptions.Storage[]{ImageFolderOptions.Storage.MEMORY, ImageFolderOptions.Storage.FILE}) {
                Dataset bytes = load(root, train, opts(8, s), new ArrayList<>());
                assertFalse(bytes.holdsFloats());
                assertArrayEquals(floats.images(), all(bytes.pixels()), s + ": the same floats, bit for bit");
                assertArrayEquals(floats.labels(), bytes.labels(), s + ": the same labels");
                assertEquals(floats.classNames(), bytes.classNames());
                assertTrue(2 * bytes.pixels().heapBytes() < 4L * floats.images().length, s + " holds less than half the floats' bytes");
            }
        }
    }

    @Test
    void resizedImagesAreRoundedToTheNearest8BitValue() throws Exception {
        Path root = folder(tmp.resolve("f"), 12);
        float[] floats = load(root, true, opts(5, ImageFolderOptions.Storage.OFF), new ArrayList<>()).images();
        float[] bytes = all(load(root, true, opts(5, ImageFolderOptions.Storage.FILE), new ArrayList<>()).pixels());
        boolean differs = false;
        for (int i = 0; i < floats.length; i++) {
            assertEquals(floats[i], bytes[i], 0.5 / 255 + 1e-6, "sample " + i);
            differs |= floats[i] != bytes[i];
        }
        assertTrue(differs, "area averaging makes values between the 8-bit steps, which are rounded");
    }

    @Test
    void quantizeIsExactOnEvery8BitValue() {
        for (int v = 0; v < 256; v++) assertEquals(v, ByteImages.quantize(v / 255f) & 0xff);
        assertEquals(0, ByteImages.quantize(-0.1f));
        assertEquals(255, ByteImages.quantize(1.1f) & 0xff);
    }

    @Test
    void theCacheIsReusedUntilTheFolderChanges() throws Exception {
        Path root = folder(tmp.resolve("f"), 16);
        ImageFolderOptions o = opts(8, ImageFolderOptions.Storage.FILE);
        List<String> log = new ArrayList<>();
        int before = load(root, true, o, log).count();
        assertTrue(log.stream().anyMatch(l -> l.startsWith("building the image cache")), log.toString());
        Path file = ImageCache.file(root, "train", o);
        assertTrue(Files.isRegularFile(file));

        log.clear();
        load(root, true, o, log);
        assertTrue(log.stream().anyMatch(l -> l.startsWith("using the image cache")), log.toString());
        assertTrue(log.stream().noneMatch(l -> l.startsWith("building")), log.toString());

        // the listing's split is by path hash: add images until one lands in the training split
        for (int i = 100; load(root, true, o, log).count() == before; i++) {
            png(root.resolve("cats/new" + i + ".png"), flat(8, 8, 0x123456));
            log.clear();
        }
        assertTrue(log.stream().anyMatch(l -> l.contains("the folder or the options changed")), log.toString());

        // a rewritten image with a new modification time is a change too, even at the same size
        Dataset d = load(root, true, o, new ArrayList<>());
        Path first = ImageFolderReader.list(root, 0.25).train().getFirst().file();
        png(first, flat(8, 8, 0xFFFFFF));
        Files.setLastModifiedTime(first, FileTime.fromMillis(Files.getLastModifiedTime(first).toMillis() + 5000));
        log.clear();
        Dataset after = load(root, true, o, log);
        assertTrue(log.stream().anyMatch(l -> l.startsWith("rebuilding")), log.toString());
        float[] img = after.pixels().floats(0, 1);
        for (float v : img) assertEquals(1f, v, "the new white image, not the cached one");
        assertNotEquals(d.pixels().floats(0, 1)[0], img[0]);
    }

    @Test
    void aDamagedTrailerOrATruncatedFileIsRebuilt() throws Exception {
        Path root = folder(tmp.resolve("f"), 16);
        ImageFolderOptions o = opts(8, ImageFolderOptions.Storage.FILE);
        float[] want = all(load(root, true, o, new ArrayList<>()).pixels());
        Path file = ImageCache.file(root, "train", o);
        byte[] good = Files.readAllBytes(file);
        int count = want.length / (3 * 64), trailer = 8 * count + ImageCache.FOOTER_BYTES;
        Random r = new Random(9);
        List<byte[]> damaged = new ArrayList<>();
        for (int k = 0; k < 40; k++) {   // a byte changed anywhere in the labels, the CRCs or the footer
            byte[] b = good.clone();
            b[good.length - 1 - r.nextInt(trailer)] ^= (byte) (1 + r.nextInt(255));
            damaged.add(b);
        }
        damaged.add(java.util.Arrays.copyOf(good, good.length - 1));
        damaged.add(java.util.Arrays.copyOf(good, 10));
        damaged.add(new byte[0]);
        damaged.add("not a cache at all, but long enough to hold a footer of sixty-eight bytes....!".repeat(2).getBytes());
        for (byte[] b : damaged) {
            Files.write(file, b);
            List<String> log = new ArrayList<>();
            float[] got = all(load(root, true, o, log).pixels());
            assertTrue(log.stream().anyMatch(l -> l.startsWith("rebuilding the image cache " + file)), log.toString());
            assertArrayEquals(want, got, "rebuilt from the images");
            assertArrayEquals(good, Files.readAllBytes(file), "the same file as before the damage");
        }
    }

    @Test
    void damagedPixelsAreRefusedWhenReadNamingTheFile() throws Exception {
        Path root = folder(tmp.resolve("f"), 16);
        ImageFolderOptions o = opts(8, ImageFolderOptions.Storage.FILE);
        load(root, true, o, new ArrayList<>());
        Path file = ImageCache.file(root, "train", o);
        byte[] b = Files.readAllBytes(file);
        b[3 * 64 + 5] ^= 1;   // image 1's pixels: only the per-image CRC can see it
        Files.write(file, b);
        Images im = load(root, true, o, new ArrayList<>()).pixels();
        float[] dst = new float[im.dim()];
        im.copyTo(0, dst, 0);   // image 0 is intact
        var e = assertThrows(UncheckedIOException.class, () -> im.copyTo(1, dst, 0));
        assertInstanceOf(DataFormatException.class, e.getCause());
        assertTrue(e.getMessage().startsWith(file + ": image 1 of "), e.getMessage());
    }

    @Test
    void skippedBadImagesAreLeftOutOfTheCacheAndABadImageOtherwiseLeavesNoFile() throws Exception {
        Path root = folder(tmp.resolve("f"), 16);
        truncatedJpeg(root.resolve("cats/zz-bad.jpg"));
        ImageFolderOptions strict = opts(8, ImageFolderOptions.Storage.FILE);
        var e = assertThrows(DataFormatException.class, () -> {
            load(root, true, strict, new ArrayList<>());
            load(root, false, strict, new ArrayList<>());
        });
        assertTrue(e.getMessage().contains("zz-bad.jpg") && e.getMessage().contains("--skip-bad-images"), e.getMessage());
        try (var s = Files.list(root.resolve(ImageCache.FOLDER))) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temporary file left");
        }
        ImageFolderOptions skip = new ImageFolderOptions(8, 3, 0.25, true, ImageFolderOptions.Storage.FILE);
        int total = 0;
        for (boolean train : new boolean[]{true, false}) total += load(root, train, skip, new ArrayList<>()).count();
        assertEquals(16, total, "the 16 good images, without the bad one");
    }

    @Test
    void windowsFlipsAndCropsAgreeBetweenFloatsAndBytes() throws Exception {
        Path root = folder(tmp.resolve("f"), 8);
        Images f = load(root, true, opts(8, ImageFolderOptions.Storage.OFF), new ArrayList<>()).pixels();
        Images b = load(root, true, opts(8, ImageFolderOptions.Storage.MEMORY), new ArrayList<>()).pixels();
        float[] whole = f.floats(0, 1);
        for (boolean flip : new boolean[]{false, true}) {
            float[] wf = new float[3 * 3 * 5], wb = new float[wf.length];
            f.copyTo(0, 2, 1, 3, 5, flip, wf, 0);
            b.copyTo(0, 2, 1, 3, 5, flip, wb, 0);
            assertArrayEquals(wf, wb);
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 3; y++)
                    for (int x = 0; x < 5; x++)
                        assertEquals(whole[(c * 8 + 1 + y) * 8 + 2 + (flip ? 4 - x : x)], wf[(c * 3 + y) * 5 + x]);
        }
        assertArrayEquals(f.centerCrop(4).floats(0, 2), b.centerCrop(4).floats(0, 2));
        float[] crop = f.centerCrop(4).floats(0, 1);
        assertEquals(whole[(2 * 8 + 2) * 8 + 2], crop[(2 * 4) * 4], "the crop starts at (2, 2)");
        assertThrows(IndexOutOfBoundsException.class, () -> f.copyTo(0, 4, 0, 8, 8, false, new float[192], 0));
        assertThrows(IllegalArgumentException.class, () -> b.centerCrop(9));
        assertEquals(1, b.head(1).count());
    }
}
