package tornadovae.io.data;

import static org.junit.jupiter.api.Assertions.*;
import static tornadovae.io.data.TestImages.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Assumptions;
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
        // both splits name all three labels, the test split's birds included, in label order
        assertEquals(List.of("birds", "cats", "dogs"), train.classNames());
        assertEquals(List.of("birds", "cats", "dogs"), test.classNames());
        assertEquals(List.of("birds", "cats", "dogs"), train.head(2).classNames(), "head keeps the names");
    }

    @Test
    void looseImagesHaveNoLabelsAndSplitByPathHash() throws Exception {
        Path root = tmp.resolve("photos");
        for (int i = 0; i < 40; i++) png(root.resolve("img" + i + ".png"), flat(6, 6, i * 0x010101));
        ImageFolderReader.Listing a = ImageFolderReader.list(root, 0.25), b = ImageFolderReader.list(root, 0.25);
        assertEquals(a, b, "the same split every time");
        assertFalse(a.labelled());
        assertEquals(List.of(), load(root, true, opts(4, 1, false)).classNames(), "no subfolders, no names");
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

    // ---- symbolic links (issue 21) ------------------------------------------------------------------------

    /** Makes {@code link} point to {@code target}, or skips the test where this file system cannot. */
    static void link(Path link, Path target) {
        try {
            Files.createDirectories(link.getParent());
            Files.createSymbolicLink(link, target);
        } catch (UnsupportedOperationException | java.io.IOException | SecurityException e) {
            Assumptions.abort("cannot make symbolic links here: " + e);
        }
    }

    static List<String> allRelativePaths(ImageFolderReader.Listing l) {
        List<String> all = new ArrayList<>();
        l.train().forEach(e -> all.add(e.relativePath()));
        l.test().forEach(e -> all.add(e.relativePath()));
        return all;
    }

    @Test
    void aLinkBackUpTheTreeIsNotFollowedAndSaidOnce() throws Exception {
        Path root = tmp.resolve("loop");
        for (int i = 0; i < 3; i++) {
            png(root.resolve("cats/c" + i + ".png"), flat(4, 4, 0xFF0000));
            png(root.resolve("dogs/d" + i + ".png"), flat(4, 4, 0x0000FF));
        }
        link(root.resolve("cats/up"), Path.of(".."));          // the data folder itself
        link(root.resolve("dogs/more/again"), Path.of("../.."));  // its own class folder
        // a training run lists the folder once per split: each link is named once
        Dataset train = load(root, true, opts(4, 3, false)), test = load(root, false, opts(4, 3, false));
        assertEquals(6, train.count() + test.count(), "each image once, however deep the links go");
        List<String> said = log.stream().filter(w -> w.contains("symbolic link")).toList();
        assertEquals(2, said.size(), log.toString());
        assertTrue(said.get(0).startsWith("warning: " + root.resolve("cats/up") + ": "), said.get(0));
        assertTrue(said.get(1).startsWith("warning: " + root.resolve("dogs/more/again") + ": "), said.get(1));

        ImageFolderReader.Listing l = ImageFolderReader.list(root, 0.3, false, log::add);
        List<String> all = allRelativePaths(l);
        assertEquals(6, all.size(), all.toString());
        assertEquals(6, new HashSet<>(all).size(), all.toString());
        assertEquals(List.of("cats", "dogs"), l.classes());
    }

    @Test
    void aLinkFromOneSplitIntoTheOtherIsNotFollowed() throws Exception {
        Path root = tmp.resolve("split");
        for (int i = 0; i < 4; i++) png(root.resolve("train/cats/c" + i + ".png"), flat(4, 4, 0xFF0000));
        png(root.resolve("test/cats/t.png"), flat(4, 4, 0xFF0000));
        link(root.resolve("train/cats/leak"), Path.of("../../test/cats"));
        link(root.resolve("test/cats/top"), Path.of("../.."));
        ImageFolderReader.Listing l = ImageFolderReader.list(root, 0.3, false, log::add);
        assertEquals(4, l.train().size(), "no test image in the training split: " + l.train());
        assertEquals(List.of("test/cats/t.png"), l.test().stream().map(ImageFolderReader.Entry::relativePath).toList());
        assertEquals(2, log.stream().filter(w -> w.contains("symbolic link")).count(), log.toString());
    }

    @Test
    void aLinkOutOfTheTreeIsFollowedOnce() throws Exception {
        Path root = tmp.resolve("linked"), outside = tmp.resolve("elsewhere");
        png(root.resolve("cats/c.png"), flat(4, 4, 0xFF0000));
        png(root.resolve("dogs/d.png"), flat(4, 4, 0x0000FF));
        png(outside.resolve("x.png"), flat(4, 4, 0x00FF00));
        png(outside.resolve("deeper/y.png"), flat(4, 4, 0x00FF00));
        link(outside.resolve("deeper/back"), outside);          // a loop outside the tree
        link(root.resolve("cats/extra"), outside);
        link(root.resolve("dogs/extra"), outside);              // the same folder a second time
        ImageFolderReader.Listing l = ImageFolderReader.list(root, 0.3, false, log::add);
        List<String> all = allRelativePaths(l);
        assertEquals(4, all.size(), all.toString());
        assertTrue(all.containsAll(List.of("cats/extra/x.png", "cats/extra/deeper/y.png")), all.toString());
        List<String> said = log.stream().filter(w -> w.contains("symbolic link")).toList();
        assertEquals(2, said.size(), log.toString());
        assertTrue(said.stream().anyMatch(w -> w.startsWith("warning: " + root.resolve("dogs/extra") + ": ")), said.toString());
        assertTrue(said.stream().anyMatch(w -> w.startsWith("warning: " + root.resolve("cats/extra/deeper/back") + ": ")), said.toString());
    }

    // ---- file names the system's encoding cannot represent (issue 21) -----------------------------------

    /** Renames {@code file} to {@code prefix} + the raw byte 0xFF + {@code suffix}, or skips where the system cannot. */
    static void giveANonUtf8Name(Path file, String prefix, String suffix) throws Exception {
        Assumptions.assumeTrue(System.getProperty("os.name").startsWith("Linux"), "raw byte file names: Linux only");
        Process p = new ProcessBuilder("sh", "-c", "mv \"$1\" \"$2$(printf '\\377')$3\"", "sh",
                file.getFileName().toString(), prefix, suffix).directory(file.getParent().toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        Assumptions.assumeTrue(p.waitFor() == 0, "this file system refuses a file name that is not UTF-8: " + out);
    }

    static final String ENCODING_WORDS = "name is not valid in the system's file name encoding";

    @Test
    void aFileNameThatIsNotValidInTheSystemEncodingIsNamedOrSkipped() throws Exception {
        Path root = tmp.resolve("names");
        for (int i = 0; i < 4; i++) png(root.resolve("cats/c" + i + ".png"), flat(4, 4, 0xFF0000));
        giveANonUtf8Name(png(root.resolve("cats/bad.png"), flat(4, 4, 0xFF0000)), "img_", ".png");
        Path cats = root.resolve("cats");
        DataFormatException e = assertThrows(DataFormatException.class, () -> load(root, true, opts(4, 3, false)));
        assertEquals(cats, e.file(), "names the folder: the file's name cannot be printed");
        assertTrue(e.getMessage().startsWith(cats + ": ") && e.getMessage().contains(ENCODING_WORDS), e.getMessage());
        assertTrue(e.getMessage().endsWith("--skip-bad-images"), e.getMessage());
        assertNull(e.getCause(), "a plain sentence, no stack trace");

        Dataset train = load(root, true, opts(4, 3, true)), test = load(root, false, opts(4, 3, true));
        assertEquals(4, train.count() + test.count());
        List<String> warnings = log.stream().filter(w -> w.contains(ENCODING_WORDS)).toList();
        assertEquals(1, warnings.size(), "said once for both splits: " + log);
        assertTrue(warnings.getFirst().startsWith("warning: skipping " + cats + ": "), warnings.getFirst());
    }

    @Test
    void aFolderNameThatIsNotValidInTheSystemEncodingIsNamedOrSkipped() throws Exception {
        Path root = tmp.resolve("folders");
        for (int i = 0; i < 4; i++) png(root.resolve("cats/c" + i + ".png"), flat(4, 4, 0xFF0000));
        png(root.resolve("dogs/bad/d.png"), flat(4, 4, 0x0000FF));
        giveANonUtf8Name(root.resolve("dogs/bad"), "more_", "");
        Path dogs = root.resolve("dogs");
        DataFormatException e = assertThrows(DataFormatException.class, () -> ImageFolderReader.list(root, 0.3, false, log::add));
        assertEquals(dogs, e.file());
        assertTrue(e.getMessage().contains("a folder whose " + ENCODING_WORDS), e.getMessage());
        ImageFolderReader.Listing l = ImageFolderReader.list(root, 0.3, true, log::add);
        assertEquals(List.of("cats"), l.classes(), "dogs/ has no image left");
        assertEquals(4, allRelativePaths(l).size());
    }

    @Test
    void aNonAsciiNameIsReadWhereTheSystemEncodingHoldsIt() throws Exception {
        Path root = tmp.resolve("accents");
        png(root.resolve("a.png"), flat(4, 4, 0));
        png(root.resolve("b.png"), flat(4, 4, 0));
        Path cafe;
        try {
            cafe = root.resolve("café.png");
        } catch (java.nio.file.InvalidPathException notHere) {
            Assumptions.abort("the system's file name encoding has no é: " + notHere.getMessage());
            return;
        }
        png(cafe, flat(4, 4, 0xFFFFFF));
        Dataset train = load(root, true, opts(4, 1, false)), test = load(root, false, opts(4, 1, false));
        assertEquals(3, train.count() + test.count(), log.toString());
    }

    static void assertMessage(Path file, String words, org.junit.jupiter.api.function.Executable x) {
        DataFormatException e = assertThrows(DataFormatException.class, x);
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file + ": ") && e.getMessage().contains(words), e.getMessage());
    }
}
