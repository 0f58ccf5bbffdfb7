package tornadovae.io.data;

import static org.junit.jupiter.api.Assertions.*;
import static tornadovae.io.data.TestImages.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.io.DataFormatException;

class ImageFolderReaderTest {
    @TempDir Path tmp;
    final List<String> log = new ArrayList<>();

    static ImageFolderOptions opts(int size, int channels, boolean skip) {
        return new ImageFolderOptions(size, channels, 0.5, skip);
    }

    Dataset load(Path root, boolean train, ImageFolderOptions o) throws Exception {
        return ImageFolderReader.load(root, train, o, log::add);
    }

    @Test
    void subfolderNamesAreSortedIntoLabels() throws Exception {
        Path root = tmp.resolve("pets");
        for (int i = 0; i < 6; i++) {
            png(root.resolve("train/dogs/d" + i + ".png"), flat(10, 12, 0x0000FF));
            write(root.resolve("train/cats/c" + i + ".jpg"), flat(20, 16, 0xFF0000), "jpeg");
        }
        png(root.resolve("test/dogs/t.png"), flat(8, 8, 0x0000FF));
        png(root.resolve("test/birds/b.png"), flat(8, 8, 0x00FF00));
        Files.writeString(root.resolve("train/cats/readme.txt"), "not an image, not read");
        png(root.resolve("train/cats/.hidden.png"), flat(8, 8, 0));
        Dataset train = load(root, true, opts(4, 3, false));
        assertEquals(12, train.count());
        assertEquals(3, train.channels());
        assertEquals(4, train.height());
        // classes over both splits: birds 0, cats 1, dogs 2; cats come first in path order
        assertArrayEquals(new int[]{1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2}, train.labels());
        assertEquals(1f, train.images()[0], 0.03f, "a cat is red");
        assertEquals(1f, train.images()[6 * 48 + 32], 0.0f, "a dog is blue");
        Dataset test = load(root, false, opts(4, 3, false));
        assertArrayEquals(new int[]{0, 2}, test.labels());
        assertTrue(log.stream().anyMatch(l -> l.contains("3 classes (birds, cats, dogs)")), log.toString());
    }

    @Test
    void looseImagesHaveNoLabelsAndSplitByPathHash() throws Exception {
        Path root = tmp.resolve("photos");
        for (int i = 0; i < 40; i++) png(root.resolve("img" + i + ".png"), flat(6, 6, i * 0x010101));
        ImageFolderReader.Listing a = ImageFolderReader.list(root, 0.25), b = ImageFolderReader.list(root, 0.25);
        assertEquals(a, b, "the same split every time");
        assertFalse(a.labelled());
        assertEquals(40, a.train().size() + a.test().size());
        assertTrue(a.test().size() >= 4 && a.test().size() <= 17, "about a quarter: " + a.test().size());
        Set<Path> all = new HashSet<>();
        a.train().forEach(e -> all.add(e.file()));
        a.test().forEach(e -> all.add(e.file()));
        assertEquals(40, all.size(), "disjoint and complete");
        List<Path> trainFiles = a.train().stream().map(ImageFolderReader.Entry::file).toList();
        assertEquals(trainFiles.stream().sorted().toList(), trainFiles, "path order");
        // adding images leaves the others where they were
        png(root.resolve("zzz.png"), flat(6, 6, 0));
        ImageFolderReader.Listing c = ImageFolderReader.list(root, 0.25);
        assertTrue(c.test().containsAll(a.test()));
        Dataset d = load(root, true, new ImageFolderOptions(6, 1, 0.25, false));
        assertNull(d.labels());
        assertEquals(c.train().size(), d.count());
        assertEquals(1, d.channels());
    }

    @Test
    void twoImagesMakeTwoNonEmptySplits() throws Exception {
        Path root = tmp.resolve("two");
        png(root.resolve("a.png"), flat(4, 4, 0));
        png(root.resolve("b.png"), flat(4, 4, 0xFFFFFF));
        for (double f : new double[]{0.001, 0.999}) {
            ImageFolderReader.Listing l = ImageFolderReader.list(root, f);
            assertEquals(1, l.train().size(), "fraction " + f);
            assertEquals(1, l.test().size(), "fraction " + f);
        }
        Files.delete(root.resolve("b.png"));
        assertMessage(root, "only one image", () -> ImageFolderReader.list(root, 0.1));
    }

    @Test
    void badLayoutsAreRejectedNamingTheFolder() throws Exception {
        Path missing = tmp.resolve("nope");
        assertMessage(missing, "folder not found", () -> ImageFolderReader.list(missing, 0.1));
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(empty.resolve("notes.txt"), "hi");
        Files.createDirectories(empty.resolve("sub"));
        assertMessage(empty, "holds no images", () -> ImageFolderReader.list(empty, 0.1));
        Path mixed = tmp.resolve("mixed");
        png(mixed.resolve("loose.png"), flat(4, 4, 0));
        png(mixed.resolve("cats/c.png"), flat(4, 4, 0));
        assertMessage(mixed, "both directly (loose.png) and in class subfolders (cats/)", () -> ImageFolderReader.list(mixed, 0.1));
        Path onlyTrain = tmp.resolve("onlytrain");
        png(onlyTrain.resolve("train/a.png"), flat(4, 4, 0));
        assertMessage(onlyTrain, "has a train/ folder but no test/", () -> ImageFolderReader.list(onlyTrain, 0.1));
        Path emptyTest = tmp.resolve("emptytest");
        png(emptyTest.resolve("train/a.png"), flat(4, 4, 0));
        Files.createDirectories(emptyTest.resolve("test"));
        assertMessage(emptyTest.resolve("test"), "holds no images", () -> ImageFolderReader.list(emptyTest, 0.1));
    }

    @Test
    void aBadFileStopsTheLoadNamingItUnlessSkipped() throws Exception {
        Path root = tmp.resolve("bad");
        for (int i = 0; i < 5; i++) {
            png(root.resolve("train/a/" + i + ".png"), flat(4, 4, 0x808080));
            png(root.resolve("train/b/" + i + ".png"), flat(4, 4, 0xFFFFFF));
        }
        png(root.resolve("test/a/t.png"), flat(4, 4, 0));
        Path text = Files.writeString(root.resolve("train/a/2x.png"), "hello");
        Path cut = truncatedJpeg(root.resolve("train/b/0cut.jpg"));
        Path zero = Files.write(root.resolve("train/b/3zero.bmp"), new byte[0]);
        DataFormatException e = assertThrows(DataFormatException.class, () -> load(root, true, opts(4, 3, false)));
        assertEquals(text, e.file(), "the first bad file in path order");
        assertTrue(e.getMessage().startsWith(text + ": is not a PNG, JPEG or BMP image"), e.getMessage());
        assertTrue(e.getMessage().endsWith("--skip-bad-images"), e.getMessage());

        Dataset d = load(root, true, opts(4, 3, true));
        assertEquals(10, d.count());
        assertArrayEquals(new int[]{0, 0, 0, 0, 0, 1, 1, 1, 1, 1}, d.labels());
        assertEquals(0x80 / 255f, d.images()[4 * 48], "labels stay with their images after skipping");
        assertEquals(1f, d.images()[5 * 48]);
        List<String> warnings = log.stream().filter(l -> l.startsWith("warning: skipping ")).toList();
        assertEquals(3, warnings.size(), log.toString());
        assertTrue(warnings.get(0).contains(text.toString()));
        assertTrue(warnings.get(1).contains(cut.toString()) && warnings.get(1).contains("truncated"), warnings.get(1));
        assertTrue(warnings.get(2).contains(zero.toString()) && warnings.get(2).contains("empty"), warnings.get(2));
        assertTrue(log.contains("skipped 3 of 13 images that could not be read"), log.toString());
    }

    @Test
    void nothingReadableIsAnErrorEvenWhenSkipping() throws Exception {
        Path root = tmp.resolve("junk");
        Files.createDirectories(root);
        Files.writeString(root.resolve("a.png"), "x");
        Files.writeString(root.resolve("b.jpg"), "y");
        Files.writeString(root.resolve("c.jpeg"), "z");
        DataFormatException e = assertThrows(DataFormatException.class, () -> load(root, true, opts(4, 3, true)));
        assertTrue(e.getMessage().contains("holds no image that could be read"), e.getMessage());
    }

    @Test
    void optionsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new ImageFolderOptions(0, 3, 0.1, false));
        assertThrows(IllegalArgumentException.class, () -> new ImageFolderOptions(8, 2, 0.1, false));
        assertThrows(IllegalArgumentException.class, () -> new ImageFolderOptions(8, 3, 0, false));
        assertThrows(IllegalArgumentException.class, () -> new ImageFolderOptions(8, 3, 1, false));
    }

    static void assertMessage(Path file, String words, org.junit.jupiter.api.function.Executable x) {
        DataFormatException e = assertThrows(DataFormatException.class, x);
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file + ": ") && e.getMessage().contains(words), e.getMessage());
    }
}
