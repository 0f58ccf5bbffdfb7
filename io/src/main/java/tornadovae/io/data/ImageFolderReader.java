package tornadovae.io.data;

import java.io.IOException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import tornadovae.io.DataFormatException;

/**
 * A folder of images as a {@link Dataset}: PNG, JPEG and BMP files of any size, each decoded and resized by
 * {@link ImageDecoder}.
 *
 * <p><b>Layout.</b> Images directly in the folder make a data set without labels. Images in subfolders are
 * labelled by subfolder: the subfolder names, sorted, are labels 0, 1, 2... ({@code cats/x.png} is 0 and
 * {@code dogs/y.jpg} is 1; the data set keeps the names as its class names), deeper folders belong to their top subfolder. A folder holds either loose images or
 * class subfolders, not both. Only files ending in .png, .jpg, .jpeg or .bmp (any case) are read; hidden files and
 * folders (names starting with a dot) are ignored. Images are taken in sorted path order, so a folder always gives
 * the same data set.
 *
 * <p><b>Splits.</b> When the folder has both a {@code train/} and a {@code test/} subfolder, those are the two
 * splits (each laid out as above; a class name gets the same label in both). Otherwise every image goes to the test
 * split when a hash (SHA-256) of its path relative to the folder falls below {@code testFraction}: the split
 * depends on nothing but the file names, stays put when images are added, and is the same for every seed. Each split
 * gets at least one image (a folder needs two).
 *
 * <p><b>Memory.</b> Images are held as floats, {@code 4 · channels · size²} bytes each: 196 KB for 128×128 RGB, so
 * 20,000 such images need about 4 GB of heap (Java's default is a quarter of the machine's memory; raise it with
 * {@code JAVA_TOOL_OPTIONS=-Xmx…}). One split can hold at most 2^31 floats (about 43,000 images of 128×128 RGB).
 * Both limits are checked before decoding, with a message saying what to change. With {@code --image-cache memory}
 * or {@code file} ({@link ImageFolderOptions.Storage}) the pixels are held as 8-bit values instead, a quarter of that,
 * or in a memory-mapped file beside the images ({@link ImageCache}), which needs no heap at all.
 */
public final class ImageFolderReader {
    /** One image file and its label (-1 without labels). */
    public record Entry(Path file, String relativePath, int label) {}

    /** The images of both splits, before decoding. */
    public record Listing(Path root, List<String> classes, List<Entry> train, List<Entry> test) {
        public boolean labelled() { return !classes.isEmpty(); }
    }

    private ImageFolderReader() {}

    /** The training or test split of the images in {@code root}. */
    public static Dataset load(Path root, boolean train, ImageFolderOptions o, Consumer<String> log) throws IOException {
        Listing listing = list(root, o.testFraction(), o.skipBadImages(), log);
        List<Entry> entries = train ? listing.train() : listing.test();
        String split = train ? "train" : "test";
        if (train && listing.labelled())
            log.accept(root + ": " + listing.classes().size() + " classes (" + String.join(", ", listing.classes()) + ")");
        log.accept("reading " + entries.size() + " " + split + " images from " + root + " as " + o.channels() + "×"
                + o.imageSize() + "×" + o.imageSize() + "...");
        long t0 = System.nanoTime();
        String name = root.getFileName() + "-" + split;
        Dataset d = o.storage() == ImageFolderOptions.Storage.OFF ? decode(name, entries, listing.classes(), o, log)
                : ImageFolderPixels.load(name, listing, split, entries, o, log);
        log.accept(String.format("read %d %s images in %.1f s", d.count(), split, (System.nanoTime() - t0) / 1e9));
        return d;
    }

    /** Finds the images and splits them, without decoding any; what it skips is said on stderr. */
    public static Listing list(Path root, double testFraction) throws IOException {
        return list(root, testFraction, false, System.err::println);
    }

    /**
     * Finds the images and splits them, without decoding any.
     *
     * @param skipBadNames skip a file or folder whose name Java cannot represent (see {@link Walk}) with a warning,
     *                     instead of stopping ({@code --skip-bad-images})
     * @param log where a skipped symbolic link or name is said, each once per process (a run lists the folder once per
     *            split)
     */
    public static Listing list(Path root, double testFraction, boolean skipBadNames, Consumer<String> log) throws IOException {
        if (!Files.isDirectory(root))
            throw new DataFormatException(root, Files.exists(root) ? "is not a folder of images" : "folder not found");
        Path trainDir = root.resolve("train"), testDir = root.resolve("test");
        boolean hasTrain = Files.isDirectory(trainDir), hasTest = Files.isDirectory(testDir);
        if (hasTrain != hasTest)
            throw new DataFormatException(root, "has a " + (hasTrain ? "train/" : "test/") + " folder but no "
                    + (hasTrain ? "test/" : "train/") + " beside it; use both, or neither and --test-fraction");
        Walk walk = new Walk(hasTrain ? List.of(trainDir, testDir) : List.of(root), skipBadNames, log);
        if (hasTrain) {
            Scan trainScan = walk.scan(trainDir, root), testScan = walk.scan(testDir, root);
            if (trainScan.labelled() != testScan.labelled())
                throw new DataFormatException(root, "has class subfolders in only one of train/ and test/");
            TreeSet<String> classes = new TreeSet<>(trainScan.classes());
            classes.addAll(testScan.classes());
            List<String> names = List.copyOf(classes);
            return new Listing(root, names, trainScan.entries(names), testScan.entries(names));
        }
        Scan scan = walk.scan(root, root);
        List<Entry> all = scan.entries(scan.classes());
        if (all.size() < 2)
            throw new DataFormatException(root, "holds only one image; a training and a test split need at least two");
        return splitByHash(root, scan.classes(), all, testFraction);
    }

    // ---- finding files ----------------------------------------------------------------------------------

    /** Image files of one split folder: loose ones, or grouped by class subfolder. */
    private record Scan(Path root, List<Path> loose, List<String> classes, List<List<Path>> byClass) {
        boolean labelled() { return !classes.isEmpty(); }

        /** @param allClasses the sorted class names of both splits, whose indices are the labels */
        List<Entry> entries(List<String> allClasses) {
            List<Entry> entries = new ArrayList<>();
            for (Path f : loose) entries.add(new Entry(f, relative(root, f), -1));
            for (int c = 0; c < classes.size(); c++) {
                int label = allClasses.indexOf(classes.get(c));
                for (Path f : byClass.get(c)) entries.add(new Entry(f, relative(root, f), label));
            }
            return entries;
        }
    }

    /**
     * One listing's walk through the split folders. <b>Links:</b> a folder is never visited twice (by its file key, or
     * real path where the system has none), and a symbolic link to a folder inside a split folder (whose images are
     * read there already, or would be read again in the other split) or to an ancestor of one (a loop) is not
     * followed, with a warning; a link to a folder elsewhere is followed once. <b>Names:</b> Java sees a file name
     * through the system's file name encoding ({@code sun.jnu.encoding}, from the locale); a name that is not valid
     * in it (bytes that are not UTF-8, or any non-ASCII name under {@code LANG=C}) becomes a different string, under
     * which the file can be neither opened nor put in a stable split, so such a file or folder stops the listing with
     * a sentence naming its folder, or is skipped with a warning.
     */
    private static final class Walk {
        private final List<Path> splitDirs = new ArrayList<>();
        private final Set<Object> visited = new HashSet<>();
        private final boolean skipBadNames;
        private final Consumer<String> log;

        Walk(List<Path> splitDirs, boolean skipBadNames, Consumer<String> log) throws IOException {
            for (Path d : splitDirs) this.splitDirs.add(realPath(d));
            this.skipBadNames = skipBadNames;
            this.log = log;
        }

        Scan scan(Path dir, Path root) throws IOException {
            visit(dir);
            List<Path> loose = new ArrayList<>();
            List<String> classes = new ArrayList<>();
            List<List<Path>> byClass = new ArrayList<>();
            for (Path p : sortedChildren(dir)) {
                if (hidden(p)) continue;
                if (Files.isDirectory(p)) {
                    if (!nameOk(dir, p, true) || !follow(dir, p)) continue;
                    List<Path> images = imagesUnder(p);
                    if (images.isEmpty()) continue;
                    classes.add(p.getFileName().toString());
                    byClass.add(images);
                } else if (Files.isRegularFile(p) && ImageDecoder.hasImageExtension(p) && nameOk(dir, p, false)) {
                    loose.add(p);
                }
            }
            if (loose.isEmpty() && classes.isEmpty())
                throw new DataFormatException(dir, "holds no images (.png, .jpg, .jpeg or .bmp files, directly or in subfolders)");
            if (!loose.isEmpty() && !classes.isEmpty())
                throw new DataFormatException(dir, "holds images both directly (" + loose.getFirst().getFileName()
                        + ") and in class subfolders (" + classes.getFirst() + "/); put every image in a class subfolder, or none");
            return new Scan(root, loose, classes, byClass);
        }

        /** Image files anywhere under {@code dir} (already visited), skipping hidden files and folders, in sorted path order. */
        private List<Path> imagesUnder(Path dir) throws IOException {
            List<Path> images = new ArrayList<>();
            for (Path p : sortedChildren(dir)) {
                if (hidden(p)) continue;
                if (Files.isDirectory(p)) {
                    if (nameOk(dir, p, true) && follow(dir, p)) images.addAll(imagesUnder(p));
                } else if (Files.isRegularFile(p) && ImageDecoder.hasImageExtension(p) && nameOk(dir, p, false)) {
                    images.add(p);
                }
            }
            return images;
        }

        /** Whether to enter the folder {@code p} of {@code dir}; marks it visited if so. */
        private boolean follow(Path dir, Path p) throws IOException {
            if (Files.isSymbolicLink(p)) {
                Path target = realPath(p);
                for (Path split : splitDirs) {
                    if (target.startsWith(split)) return skipLink(p, target, "which is inside " + split + ", read there already");
                    if (split.startsWith(target)) return skipLink(p, target, "which holds " + split + " (a loop)");
                }
                if (realPath(dir).startsWith(target)) return skipLink(p, target, "which holds this folder (a loop)");
            }
            if (visit(p)) return true;
            return skipLink(p, realPath(p), "which was read already through another link");
        }

        /** Marks {@code dir} visited; false if it was already. */
        private boolean visit(Path dir) throws IOException {
            Object key;
            try {
                key = Files.readAttributes(dir, BasicFileAttributes.class).fileKey();
            } catch (IOException e) {
                throw new DataFormatException(dir, "cannot be read (" + e.getMessage() + ")", e);
            }
            return visited.add(key != null ? key : realPath(dir));
        }

        private boolean skipLink(Path link, Path target, String why) {
            sayOnce(log, "warning: " + link + ": not following this symbolic link to " + target + ", " + why);
            return false;
        }

        /**
         * Whether the name of {@code p} (a child of {@code dir}) is the name on disk, as Java can only open a file
         * under a name that its file name encoding gives back unchanged.
         */
        private boolean nameOk(Path dir, Path p, boolean folder) throws DataFormatException {
            Path name = p.getFileName();
            boolean ok;
            try {
                ok = name.getFileSystem().getPath(name.toString()).equals(name);
            } catch (InvalidPathException e) {
                ok = false;
            }
            if (ok) return true;
            String encoding = System.getProperty("sun.jnu.encoding", Charset.defaultCharset().name());
            boolean utf8 = Charset.forName(encoding, null) == StandardCharsets.UTF_8;
            String problem = "holds a " + (folder ? "folder" : "file") + " whose name is not valid in the system's file "
                    + "name encoding (" + encoding + "), so Java cannot open it (it shows as \"" + name + "\")";
            if (!skipBadNames)
                throw new DataFormatException(dir, problem + "; rename it" + (utf8 ? "" : ", run with a UTF-8 locale "
                        + "(LANG=C.UTF-8)") + " or pass --skip-bad-images");
            sayOnce(log, "warning: skipping " + dir + ": " + problem);
            return false;
        }

        private static Path realPath(Path p) throws DataFormatException {
            try {
                return p.toRealPath();
            } catch (IOException e) {
                throw new DataFormatException(p, "cannot be resolved (" + e.getMessage() + ")", e);
            }
        }
    }

    /** Warnings already said by a listing: a run lists the folder once for each split. */
    private static final Set<String> SAID = ConcurrentHashMap.newKeySet();

    private static void sayOnce(Consumer<String> log, String warning) {
        if (SAID.add(warning)) log.accept(warning);
    }

    private static List<Path> sortedChildren(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        } catch (IOException e) {
            throw new DataFormatException(dir, "cannot be listed (" + e.getMessage() + ")", e);
        }
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    private static String relative(Path root, Path file) {
        return root.relativize(file).toString().replace('\\', '/');
    }

    // ---- splitting -------------------------------------------------------------------------------------

    private static Listing splitByHash(Path root, List<String> classes, List<Entry> all, double testFraction) {
        int n = all.size();
        double[] u = new double[n];
        boolean[] inTest = new boolean[n];
        int tests = 0;
        for (int i = 0; i < n; i++) {
            u[i] = unitHash(all.get(i).relativePath());
            inTest[i] = u[i] < testFraction;
            if (inTest[i]) tests++;
        }
        // a small folder may hash every image to one side: move the one closest to the boundary
        if (tests == 0 || tests == n) {
            int best = 0;
            for (int i = 1; i < n; i++)
                if (tests == 0 ? u[i] < u[best] : u[i] > u[best]) best = i;
            inTest[best] = tests == 0;
        }
        List<Entry> train = new ArrayList<>(), test = new ArrayList<>();
        for (int i = 0; i < n; i++) (inTest[i] ? test : train).add(all.get(i));
        return new Listing(root, classes, train, test);
    }

    /** The first 53 bits of SHA-256 of the path, as a number in [0, 1). */
    static double unitHash(String relativePath) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(relativePath.getBytes(StandardCharsets.UTF_8));
            long bits = 0;
            for (int i = 0; i < 8; i++) bits = bits << 8 | (h[i] & 0xff);
            return (bits >>> 11) * 0x1.0p-53;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    // ---- decoding --------------------------------------------------------------------------------------

    /** @param classes the class names of both splits, whose indices are the labels (empty: no labels) */
    private static Dataset decode(String name, List<Entry> entries, List<String> classes, ImageFolderOptions o,
                                  Consumer<String> log) throws IOException {
        int n = entries.size(), size = o.imageSize(), channels = o.channels();
        long dim = (long) channels * size * size;
        Path where = entries.getFirst().file().getParent();
        if (n * dim > IdxReader.MAX_VALUES)
            throw new DataFormatException(where, "holds " + n + " images, and " + n + " × " + channels + "×" + size + "×"
                    + size + " floats are more than one Java array holds; use --image-cache memory or file, a smaller --image-size or fewer images");
        long bytes = n * dim * Float.BYTES, heap = Runtime.getRuntime().maxMemory();
        if (bytes > heap * 0.9)
            throw new DataFormatException(where, String.format("needs %.1f GB for %d images of %d×%d×%d floats but Java "
                    + "may use only %.1f GB; use --image-cache file (8-bit pixels in a memory-mapped file), raise the heap "
                    + "(JAVA_TOOL_OPTIONS=-Xmx…) or use a smaller --image-size",
                    bytes / 1e9, n, channels, size, size, heap / 1e9));
        float[] images = new float[(int) (n * dim)];
        DataFormatException[] errors = new DataFormatException[n];
        AtomicInteger firstBad = new AtomicInteger(Integer.MAX_VALUE);
        IntStream.range(0, n).parallel().forEach(i -> {
            // without --skip-bad-images we stop at the first bad file in path order, whichever thread finds it
            if (i > firstBad.get()) return;
            try {
                ImageDecoder.read(entries.get(i).file(), size, channels, images, (int) (i * dim));
            } catch (DataFormatException e) {
                errors[i] = e;
                if (!o.skipBadImages()) firstBad.accumulateAndGet(i, Math::min);
            }
        });
        List<Integer> keep = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (errors[i] == null) {
                keep.add(i);
                continue;
            }
            if (!o.skipBadImages()) {
                String problem = errors[i].getMessage().substring(errors[i].file().toString().length() + 2);
                throw new DataFormatException(errors[i].file(), problem + "; fix or remove it, or pass --skip-bad-images",
                        errors[i].getCause());
            }
            log.accept("warning: skipping " + errors[i].getMessage());
        }
        int kept = keep.size();
        if (kept == 0) throw new DataFormatException(where, "holds no image that could be read");
        if (kept < n) log.accept("skipped " + (n - kept) + " of " + n + " images that could not be read");
        float[] packed = images;
        int[] labels = classes.isEmpty() ? null : new int[kept];
        if (kept < n) packed = new float[(int) (kept * dim)];
        for (int k = 0; k < kept; k++) {
            int i = keep.get(k);
            if (packed != images) System.arraycopy(images, (int) (i * dim), packed, (int) (k * dim), (int) dim);
            if (labels != null) labels[k] = entries.get(i).label();
        }
        return new Dataset(name, packed, labels, classes, kept, channels, size, size);
    }
}
