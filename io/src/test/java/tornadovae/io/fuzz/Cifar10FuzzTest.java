package tornadovae.io.fuzz;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tornadovae.io.data.Cifar10Reader;

/**
 * Random and mutated bytes as a CIFAR-10 test batch: the reader returns exactly the records the bytes hold, or
 * throws a DataFormatException naming the file; never another exception, a hang or a large allocation.
 */
class Cifar10FuzzTest {
    static Path dir;

    @BeforeContainer
    static void folder() throws IOException {
        dir = Files.createTempDirectory("cifar-fuzz");
        for (String f : Cifar10Reader.TRAIN_FILES) Files.write(dir.resolve(f), valid(1));
    }

    @AfterContainer
    static void clean() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) Files.delete(p);
        }
        Files.delete(dir);
    }

    static byte[] valid(int records) {
        byte[] b = new byte[records * Cifar10Reader.RECORD_BYTES];
        for (int i = 0; i < b.length; i++) b[i] = (byte) (i * 31);
        for (int r = 0; r < records; r++) b[r * Cifar10Reader.RECORD_BYTES] = (byte) (r % 10);
        return b;
    }

    static boolean check(byte[] file) throws IOException {
        Path p = Files.write(dir.resolve(Cifar10Reader.TEST_FILE), file);
        var outcome = Hostile.run(() -> Cifar10Reader.load(dir, false), 4L * file.length + (4 << 20));
        if (outcome.error() != null) {
            Hostile.assertNamesFile(outcome.error(), p);
            return false;
        }
        var d = outcome.result();
        int rec = Cifar10Reader.RECORD_BYTES;
        assertEquals(0, file.length % rec, "accepted a file that is not whole records");
        assertEquals(file.length / rec, d.count());
        for (int r = 0; r < d.count(); r++) {
            assertEquals(file[r * rec] & 0xff, d.labels()[r]);
            assertTrue(d.labels()[r] <= 9);
            for (int i = 0; i < Cifar10Reader.IMAGE_BYTES; i += 97)
                assertEquals((file[r * rec + 1 + i] & 0xff) / 255f, d.images()[r * Cifar10Reader.IMAGE_BYTES + i]);
        }
        return true;
    }

    @Property
    void randomBytes(@ForAll @Size(max = 7000) byte[] bytes) throws IOException { check(bytes); }

    @Property
    void mutatedBatches(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int mutations) throws IOException {
        Fuzz.collect(check(Hostile.mutate(valid(2), seed, mutations)));
    }
}
