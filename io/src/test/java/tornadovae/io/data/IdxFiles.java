package tornadovae.io.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;

/** Builds small IDX files for tests. */
final class IdxFiles {
    private IdxFiles() {}

    /** Pixel value of image i at (y, x): a pattern that makes every image different. */
    static int pixel(int i, int y, int x) { return (i * 31 + y * 7 + x * 3) & 0xff; }

    static byte[] images(int count, int rows, int cols) {
        ByteBuffer b = ByteBuffer.allocate(16 + count * rows * cols);
        b.putInt(IdxReader.IMAGES_MAGIC).putInt(count).putInt(rows).putInt(cols);
        for (int i = 0; i < count; i++)
            for (int y = 0; y < rows; y++)
                for (int x = 0; x < cols; x++) b.put((byte) pixel(i, y, x));
        return b.array();
    }

    static byte[] labels(int count) {
        ByteBuffer b = ByteBuffer.allocate(8 + count);
        b.putInt(IdxReader.LABELS_MAGIC).putInt(count);
        for (int i = 0; i < count; i++) b.put((byte) (i % 10));
        return b.array();
    }

    static byte[] gzip(byte[] plain) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(plain);
        }
        return bytes.toByteArray();
    }

    /** Writes the four MNIST-named files with small sets: train n, test n/2. */
    static void writeMnist(Path dir, int n, int rows, int cols) throws IOException {
        Files.write(dir.resolve(IdxReader.TRAIN_IMAGES), images(n, rows, cols));
        Files.write(dir.resolve(IdxReader.TRAIN_LABELS), labels(n));
        Files.write(dir.resolve(IdxReader.TEST_IMAGES), images(n / 2, rows, cols));
        Files.write(dir.resolve(IdxReader.TEST_LABELS), labels(n / 2));
    }
}
