package tornadovae.io.data;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.io.DataFormatException;

class Cifar10ReaderTest {
    @TempDir Path tmp;

    /** {@code n} records; record r has label (first + r) % 10 and pixel byte i = (r + i) % 256 in plane order. */
    static void batch(Path file, int n, int first) throws Exception {
        byte[] b = new byte[n * Cifar10Reader.RECORD_BYTES];
        for (int r = 0; r < n; r++) {
            b[r * 3073] = (byte) ((first + r) % 10);
            for (int i = 0; i < 3072; i++) b[r * 3073 + 1 + i] = (byte) (r + i);
        }
        Files.createDirectories(file.getParent());
        Files.write(file, b);
    }

    static Path cifar(Path dir) throws Exception {
        Path batches = dir.resolve("cifar-10-batches-bin");
        for (int k = 0; k < 5; k++) batch(batches.resolve("data_batch_" + (k + 1) + ".bin"), 3, 3 * k);
        batch(batches.resolve("test_batch.bin"), 2, 7);
        return batches;
    }

    @Test
    void readsBatchesInOrderAsChannelMajorFloats() throws Exception {
        Path dir = tmp.resolve("cifar10");
        Path batches = cifar(dir);
        for (Path given : new Path[]{dir, batches}) {
            Dataset train = Cifar10Reader.load(given, true);
            assertEquals(15, train.count());
            assertEquals(3, train.channels());
            assertEquals(32, train.height());
            assertArrayEquals(new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4}, train.labels());
            // record 1 of batch 2 is image 4: red (0,0) is byte 1, green (0,0) byte 1 + 1024, blue (31,31) byte 1 + 3071
            assertEquals(1 / 255f, train.images()[4 * 3072]);
            assertEquals((1 + 1024) % 256 / 255f, train.images()[4 * 3072 + 1024]);
            assertEquals((1 + 3071) % 256 / 255f, train.images()[4 * 3072 + 3071]);
            Dataset test = Cifar10Reader.load(given, false);
            assertArrayEquals(new int[]{7, 8}, test.labels());
        }
        assertTrue(Cifar10Reader.hasFiles(dir));
    }

    @Test
    void classNamesComeFromBatchesMetaOrTheDocumentedList() throws Exception {
        Path dir = tmp.resolve("named");
        Path batches = cifar(dir);
        assertEquals(Cifar10Reader.CLASSES, Cifar10Reader.load(dir, false).classNames(), "no batches.meta.txt");
        assertEquals("truck", Cifar10Reader.CLASSES.get(9));
        List<String> own = List.of("a", "b", "c", "d", "e", "f", "g", "h", "i", "j");
        Files.writeString(batches.resolve("batches.meta.txt"), String.join("\n", own) + "\n\n");   // as the real one ends
        assertEquals(own, Cifar10Reader.load(dir, true).classNames());
        // a damaged label list only loses its names: the images still load, with the documented ones
        for (String bad : new String[]{"a\nb\n", String.join("\n", own) + "\nk\n", "a\n".repeat(10), "x".repeat(101) + "\nb\nc\nd\ne\nf\ng\nh\ni\nj"}) {
            Files.writeString(batches.resolve("batches.meta.txt"), bad);
            assertEquals(Cifar10Reader.CLASSES, Cifar10Reader.load(dir, false).classNames(), bad);
        }
        Files.write(batches.resolve("batches.meta.txt"), new byte[]{(byte) 0xff, (byte) 0xfe, 'a', '\n'});
        assertEquals(Cifar10Reader.CLASSES, Cifar10Reader.load(dir, false).classNames(), "not UTF-8");
    }

    @Test
    void aMissingFileSaysWhereToGetCifar() throws Exception {
        Path dir = tmp.resolve("c");
        Path batches = cifar(dir);
        Files.delete(batches.resolve("data_batch_3.bin"));
        DataFormatException e = assertThrows(DataFormatException.class, () -> Cifar10Reader.load(dir, true));
        assertEquals(batches.resolve("data_batch_3.bin"), e.file());
        assertTrue(e.getMessage().contains("file not found") && e.getMessage().contains("cifar-10-binary.tar.gz")
                && e.getMessage().contains(Cifar10Reader.DOWNLOAD_PAGE), e.getMessage());
        Path nothing = tmp.resolve("none");
        e = assertThrows(DataFormatException.class, () -> Cifar10Reader.checkPresent(nothing));
        assertEquals(nothing.resolve("cifar-10-batches-bin/test_batch.bin"), e.file());
    }

    @Test
    void theDownloadedArchiveIsUnpackedOnce() throws Exception {
        Path src = cifar(tmp.resolve("src"));
        TarBuilder tar = new TarBuilder().folder("cifar-10-batches-bin/").file("cifar-10-batches-bin/readme.html", new byte[10]);
        for (String f : new String[]{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                "data_batch_5.bin", "test_batch.bin", "batches.meta.txt"})
            tar.file("cifar-10-batches-bin/" + f, f.endsWith(".txt") ? "airplane\n".getBytes() : Files.readAllBytes(src.resolve(f)));
        Path dir = Files.createDirectories(tmp.resolve("cifar10"));
        Files.write(dir.resolve(Cifar10Reader.ARCHIVE), tar.tgz());
        List<String> log = new ArrayList<>();
        assertTrue(Cifar10Reader.unpackIfArchived(dir, log::add));
        assertEquals(15, Cifar10Reader.load(dir, true).count());
        assertFalse(Files.exists(dir.resolve("cifar-10-batches-bin/readme.html")), "only the data");
        assertFalse(Cifar10Reader.unpackIfArchived(dir, log::add), "already there");
        assertEquals(1, log.size(), log.toString());

        Path py = Files.createDirectories(tmp.resolve("py"));
        Files.write(py.resolve(Cifar10Reader.ARCHIVE), new TarBuilder().file("cifar-10-batches-py/data_batch_1", new byte[100]).tgz());
        DataFormatException e = assertThrows(DataFormatException.class, () -> Cifar10Reader.unpackIfArchived(py, log::add));
        assertTrue(e.getMessage().contains("holds only 0 of the 6 CIFAR-10 batch files"), e.getMessage());
        Path cut = Files.createDirectories(tmp.resolve("cut"));
        byte[] whole = tar.tgz();
        Files.write(cut.resolve(Cifar10Reader.ARCHIVE), Arrays.copyOf(whole, whole.length / 2));
        e = assertThrows(DataFormatException.class, () -> Cifar10Reader.unpackIfArchived(cut, log::add));
        assertEquals(cut.resolve(Cifar10Reader.ARCHIVE), e.file());
    }

    @Test
    void aWrongSizeOrLabelNamesTheFile() throws Exception {
        Path dir = tmp.resolve("c");
        Path batches = cifar(dir);
        Path test = batches.resolve("test_batch.bin");
        Files.write(test, new byte[3073 * 2 - 5]);
        DataFormatException e = assertThrows(DataFormatException.class, () -> Cifar10Reader.load(dir, false));
        assertEquals(test, e.file());
        assertTrue(e.getMessage().contains("6141 bytes, not a whole number of 3073-byte CIFAR-10 records"), e.getMessage());
        Files.write(test, new byte[0]);
        assertEquals(test, assertThrows(DataFormatException.class, () -> Cifar10Reader.load(dir, false)).file());
        byte[] b = new byte[3073 * 2];
        b[3073] = 10;
        Files.write(test, b);
        e = assertThrows(DataFormatException.class, () -> Cifar10Reader.load(dir, false));
        assertEquals(test, e.file());
        assertTrue(e.getMessage().contains("record 1 has label 10"), e.getMessage());
    }

    /** An oversized entry is refused before it is written, and the files unpacked before it are removed. */
    @Test
    void anOversizedBatchInTheArchiveIsRefusedAndNothingIsLeft() throws Exception {
        Path src = cifar(tmp.resolve("src"));
        byte[] huge = new byte[(int) ((Cifar10Reader.MAX_BATCH_RECORDS + 1) * Cifar10Reader.RECORD_BYTES)];
        TarBuilder tar = new TarBuilder().file("cifar-10-batches-bin/data_batch_1.bin", Files.readAllBytes(src.resolve("data_batch_1.bin")))
                .file("cifar-10-batches-bin/data_batch_2.bin", huge);
        Path dir = Files.createDirectories(tmp.resolve("big"));
        Files.write(dir.resolve(Cifar10Reader.ARCHIVE), tar.tgz());
        DataFormatException e = assertThrows(DataFormatException.class, () -> Cifar10Reader.unpackIfArchived(dir, s -> {}));
        assertTrue(e.getMessage().startsWith(dir.resolve(Cifar10Reader.ARCHIVE) + ": holds a data_batch_2.bin of " + huge.length
                + " bytes"), e.getMessage());
        try (var left = Files.list(dir.resolve("cifar-10-batches-bin"))) {
            assertEquals(List.of(), left.toList(), "no partial or earlier file left");
        }
    }
}
