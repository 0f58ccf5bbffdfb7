package tornadovae.trainer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/** Writes small, learnable MNIST-format IDX files: 10 classes of 28×28 bars and boxes with noise. */
final class TinyMnist {
    private TinyMnist() {}

    static byte[] images(int count, long seed) {
        Random r = new Random(seed);
        ByteBuffer b = ByteBuffer.allocate(16 + count * 784);
        b.putInt(0x803).putInt(count).putInt(28).putInt(28);
        for (int i = 0; i < count; i++) {
            int cls = i % 10, shift = r.nextInt(3);
            for (int y = 0; y < 28; y++)
                for (int x = 0; x < 28; x++) {
                    boolean on = cls < 5 ? Math.abs(y - (4 + cls * 4 + shift)) <= 1 : Math.abs(x - (4 + (cls - 5) * 4 + shift)) <= 1;
                    int v = on ? 230 + r.nextInt(26) : r.nextInt(20);
                    b.put((byte) v);
                }
        }
        return b.array();
    }

    static byte[] labels(int count) {
        ByteBuffer b = ByteBuffer.allocate(8 + count);
        b.putInt(0x801).putInt(count);
        for (int i = 0; i < count; i++) b.put((byte) (i % 10));
        return b.array();
    }

    static Path write(Path dir, int train, int test) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("train-images-idx3-ubyte"), images(train, 1));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), labels(train));
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), images(test, 2));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), labels(test));
        return dir;
    }
}
