package tornadovae.io.data;

import static org.junit.jupiter.api.Assertions.*;
import static tornadovae.io.data.IdxReader.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.io.DataFormatException;

class IdxReaderTest {
    @TempDir Path dir;

    @Test
    void loadsTrainAndTestSetsWithLabels() throws IOException {
        IdxFiles.writeMnist(dir, 10, 4, 3);
        Dataset train = loadMnist(dir, true), test = loadMnist(dir, false);
        assertEquals(10, train.count());
        assertEquals(5, test.count());
        assertEquals(1, train.channels());
        assertEquals(4, train.height());
        assertEquals(3, train.width());
        assertEquals(12, train.dim());
        assertEquals("mnist-train", train.name());
        assertEquals(7, train.labels()[7]);
        for (int i = 0; i < 10; i++)
            for (int y = 0; y < 4; y++)
                for (int x = 0; x < 3; x++)
                    assertEquals(pixel(i, y, x) / 255f, train.images()[i * 12 + y * 3 + x]);
    }

    @Test
    void readsTheGzipVariantWhenThePlainFileIsAbsent() throws IOException {
        IdxFiles.writeMnist(dir, 6, 2, 2);
        for (String name : new String[] {TRAIN_IMAGES, TRAIN_LABELS}) {
            Path plain = dir.resolve(name);
            Files.write(dir.resolve(name + ".gz"), IdxFiles.gzip(Files.readAllBytes(plain)));
            Files.delete(plain);
        }
        assertTrue(hasMnistFiles(dir));
        Dataset train = loadMnist(dir, true);
        assertEquals(6, train.count());
        assertEquals(pixel(5, 1, 1) / 255f, train.images()[5 * 4 + 3]);
    }

    @Test
    void recognisesGzipByContentWhateverTheName() throws IOException {
        Path file = Files.write(dir.resolve("images"), IdxFiles.gzip(IdxFiles.images(3, 2, 2)));
        assertEquals(3, readImages(file).count());
    }

    @Test
    void missingFileNamesTheFileAndTheGzAlternative() throws IOException {
        IdxFiles.writeMnist(dir, 4, 2, 2);
        Files.delete(dir.resolve(TRAIN_IMAGES));
        assertFalse(hasMnistFiles(dir));
        assertMessage(dir.resolve(TRAIN_IMAGES), "file not found (nor train-images-idx3-ubyte.gz beside it)", () -> loadMnist(dir, true));
    }

    @Test
    void badMagicNumberIsNamed() throws IOException {
        byte[] bytes = IdxFiles.images(2, 2, 2);
        Arrays.fill(bytes, 0, 4, (byte) 0);
        Path file = Files.write(dir.resolve(TRAIN_IMAGES), bytes);
        assertMessage(file, "bad magic number 0x00000000 (expected 0x00000803 for IDX images)", () -> readImages(file));
    }

    @Test
    void labelFileGivenAsImagesSaysSo() throws IOException {
        Path file = Files.write(dir.resolve("x"), IdxFiles.labels(3));
        assertMessage(file, "bad magic number 0x00000801 (expected 0x00000803 for IDX images; this is an IDX label file)", () -> readImages(file));
    }

    @Test
    void tooShortForAHeader() throws IOException {
        Path file = Files.write(dir.resolve("x"), Arrays.copyOf(IdxFiles.images(1, 2, 2), 10));
        assertMessage(file, "is too short for an IDX image file (10 bytes, the header alone is 16)", () -> readImages(file));
        Files.write(file, new byte[3]);
        assertMessage(file, "is too short for an IDX image file (3 bytes, the header alone is 16)", () -> readImages(file));
        Files.write(file, new byte[0]);
        assertMessage(file, "is too short for an IDX image file (0 bytes, the header alone is 16)", () -> readImages(file));
    }

    @Test
    void truncatedImagesAreRefused() throws IOException {
        byte[] bytes = IdxFiles.images(5, 3, 3);
        Path file = Files.write(dir.resolve("x"), Arrays.copyOf(bytes, bytes.length - 1));
        assertMessage(file, "is truncated: its header announces 5 images of 3×3 (61 bytes) but the file has only 60 bytes", () -> readImages(file));
    }

    @Test
    void trailingBytesAreRefused() throws IOException {
        Path file = Files.write(dir.resolve("x"), Arrays.copyOf(IdxFiles.labels(5), 15));
        assertMessage(file, "has 2 bytes after the 5 labels its header announces (13 bytes expected)", () -> readLabels(file));
    }

    @Test
    void hugeClaimedCountIsRefusedWithoutAllocating() throws IOException {
        byte[] bytes = IdxFiles.images(1, 28, 28);
        ByteBuffer.wrap(bytes).putInt(4, 2_000_000_000);
        Path file = Files.write(dir.resolve("x"), bytes);
        // 2e9 × 784 floats would need 6 TB: the length check must come first.
        assertMessage(file, "is truncated: its header announces 2000000000 images of 28×28 (1568000000016 bytes) but the file has only 800 bytes",
                () -> readImages(file));
    }

    @Test
    void absurdDimensionsAreRefused() throws IOException {
        byte[] bytes = IdxFiles.images(1, 2, 2);
        ByteBuffer.wrap(bytes).putInt(8, 1 << 20);
        Path file = Files.write(dir.resolve("x"), bytes);
        assertMessage(file, "has an impossible header: 1 images of 1048576×2 pixels", () -> readImages(file));
        ByteBuffer.wrap(bytes).putInt(4, -1).putInt(8, 2);
        Files.write(file, bytes);
        assertMessage(file, "has an impossible header: 4294967295 images of 2×2 pixels", () -> readImages(file));
        ByteBuffer.wrap(bytes).putInt(4, 1).putInt(12, 0);
        Files.write(file, bytes);
        assertMessage(file, "has an impossible header: 1 images of 2×0 pixels", () -> readImages(file));
    }

    @Test
    void imageAndLabelCountsMustAgree() throws IOException {
        IdxFiles.writeMnist(dir, 6, 2, 2);
        Files.write(dir.resolve(TRAIN_LABELS), IdxFiles.labels(5));
        assertMessage(dir.resolve(TRAIN_LABELS), "holds 5 labels but train-images-idx3-ubyte holds 6 images", () -> loadMnist(dir, true));
    }

    @Test
    void mnistLabelsMustBeDigits() throws IOException {
        IdxFiles.writeMnist(dir, 6, 2, 2);
        byte[] labels = IdxFiles.labels(6);
        labels[8 + 4] = 12;
        Files.write(dir.resolve(TRAIN_LABELS), labels);
        assertMessage(dir.resolve(TRAIN_LABELS), "label 12 of image 4 is outside 0..9", () -> loadMnist(dir, true));
    }

    @Test
    void gzipWithForgedSizeIsRefusedBeforeAllocating() throws IOException {
        byte[] header = Arrays.copyOf(IdxFiles.images(1000, 28, 28), 16);  // header only: the pixels are missing
        byte[] gz = IdxFiles.gzip(header);
        ByteBuffer.wrap(gz).order(ByteOrder.LITTLE_ENDIAN).putInt(gz.length - 4, 16 + 1000 * 784);  // trailer agrees with header
        Path file = Files.write(dir.resolve("x.gz"), gz);
        assertMessage(file, "its gzip trailer gives 784016 uncompressed bytes, but its header announces 1000 images of 28×28 (784016 bytes): "
                + "the file is truncated or not what its header says", () -> readImages(file));
    }

    @Test
    void truncatedOrCorruptGzipIsRefused() throws IOException {
        byte[] gz = IdxFiles.gzip(IdxFiles.images(50, 8, 8));
        Path cut = Files.write(dir.resolve("cut.gz"), Arrays.copyOf(gz, gz.length / 2));
        DataFormatException e = assertThrows(DataFormatException.class, () -> readImages(cut));
        assertTrue(e.getMessage().startsWith(cut + ": "), e.getMessage());

        byte[] corrupt = gz.clone();
        for (int i = 20; i < 40; i++) corrupt[i] ^= 0x5a;
        Path bad = Files.write(dir.resolve("bad.gz"), corrupt);
        e = assertThrows(DataFormatException.class, () -> readImages(bad));
        assertTrue(e.getMessage().startsWith(bad + ": "), e.getMessage());
    }

    @Test
    void aFolderIsNotAnIdxFile() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("x"));
        assertMessage(folder, "is a folder, not an IDX file", () -> readLabels(folder));
    }

    interface Load { Object run() throws IOException; }

    static void assertMessage(Path file, String problem, Load load) {
        DataFormatException e = assertThrows(DataFormatException.class, load::run);
        assertEquals(file + ": " + problem, e.getMessage());
        assertEquals(file, e.file());
    }

    private static int pixel(int i, int y, int x) { return IdxFiles.pixel(i, y, x); }
}
