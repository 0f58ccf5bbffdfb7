package tornadovae.io.fuzz;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.Example;
import tornadovae.io.DataFormatException;
import tornadovae.io.data.ImageDecoder;

/**
 * Random and mutated PNG, JPEG and BMP bytes against the image decoder: a decoded image (pixels in [0, 1]) or a
 * DataFormatException naming the file; never another exception, a hang or an allocation the file cannot justify
 * (a header claiming a gigapixel image must be refused before any pixel buffer exists).
 */
class ImageFuzzTest {
    static Path dir;
    static final int SIZE = 8;
    /** ImageIO's readers keep some fixed-size tables; a decoded 16×16 image needs far less than this. */
    static final long BUDGET = 64L << 20;

    @BeforeContainer
    static void folder() throws IOException { dir = Files.createTempDirectory("image-fuzz"); }

    @AfterContainer
    static void clean() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) Files.delete(p);
        }
        Files.delete(dir);
    }

    static byte[] encode(String format) {
        BufferedImage img = new BufferedImage(16, 12, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 12; y++) for (int x = 0; x < 16; x++) img.setRGB(x, y, (x * 16) << 16 | (y * 20) << 8 | 77);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            assertTrue(ImageIO.write(img, format, out), "no writer for " + format);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    static final byte[] PNG = encode("png"), JPEG = encode("jpg"), BMP = encode("bmp");

    static boolean check(byte[] file, String ext) throws IOException {
        Path p = Files.write(dir.resolve("fuzz." + ext), file);
        var outcome = Hostile.run(() -> ImageDecoder.read(p, SIZE, 3), BUDGET);
        if (outcome.error() != null) {
            assertInstanceOf(DataFormatException.class, outcome.error());
            Hostile.assertNamesFile(outcome.error(), p);
            return false;
        }
        float[] pixels = outcome.result();
        assertEquals(3 * SIZE * SIZE, pixels.length);
        for (float v : pixels) assertTrue(v >= 0f && v <= 1f, "pixel " + v + " outside [0, 1]");
        return true;
    }

    @Property
    void randomBytes(@ForAll @Size(max = 300) byte[] bytes) throws IOException { check(bytes, "png"); }

    @Property
    void mutatedPng(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int mutations) throws IOException {
        Fuzz.collect(check(Hostile.mutate(PNG, seed, mutations), "png"));
    }

    @Property
    void mutatedJpeg(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int mutations) throws IOException {
        Fuzz.collect(check(Hostile.mutate(JPEG, seed, mutations), "jpg"));
    }

    @Property
    void mutatedBmp(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int mutations) throws IOException {
        Fuzz.collect(check(Hostile.mutate(BMP, seed, mutations), "bmp"));
    }

    /** A valid PNG whose header claims 60000×60000 pixels (14 GB as RGBA) with a correct CRC. */
    @Example
    void gigapixelHeaderIsRefusedWithoutAllocating() throws IOException {
        byte[] png = PNG.clone();
        ByteBuffer b = ByteBuffer.wrap(png);
        b.putInt(16, 60000).putInt(20, 60000); // IHDR width and height follow the 8-byte signature and chunk header
        CRC32 crc = new CRC32();
        crc.update(png, 12, 17);               // chunk type + 13 bytes of data
        b.putInt(29, (int) crc.getValue());
        assertFalse(check(png, "png"), "a 3.6-gigapixel claim must be refused");
    }
}
