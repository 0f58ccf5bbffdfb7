package tornadovae.io.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import tornadovae.io.AtomicFiles;
import tornadovae.io.DataFormatException;

/**
 * Reads CIFAR-10's binary version ({@code cifar-10-binary.tar.gz}, unpacked: a folder {@code cifar-10-batches-bin}
 * with {@code data_batch_1.bin} … {@code data_batch_5.bin} for training and {@code test_batch.bin} for testing).
 * Each record is one label byte (0..9) and 3,072 pixel bytes: the red plane, then green, then blue, 32 rows of 32,
 * which already is the CHW layout of {@link Dataset}. Files may hold any whole number of records (the real ones
 * hold 10,000 each), so tests can use small ones.
 *
 * <p>CIFAR-10 cannot be downloaded by this tool; a user who put the archive {@value #ARCHIVE} in the data folder
 * gets it unpacked by {@link #unpackIfArchived}.
 */
public final class Cifar10Reader {
    public static final Path DEFAULT_DIR = Path.of("data", "cifar10");
    public static final String BATCHES_DIR = "cifar-10-batches-bin";
    public static final List<String> TRAIN_FILES = List.of(
            "data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin");
    public static final String TEST_FILE = "test_batch.bin";
    public static final int SIDE = 32, CHANNELS = 3, IMAGE_BYTES = CHANNELS * SIDE * SIDE, RECORD_BYTES = 1 + IMAGE_BYTES;
    public static final String DOWNLOAD_PAGE = "https://www.cs.toronto.edu/~kriz/cifar.html";
    public static final String ARCHIVE = "cifar-10-binary.tar.gz";

    private static final float[] BYTE_TO_UNIT = new float[256];
    static {
        for (int i = 0; i < 256; i++) BYTE_TO_UNIT[i] = i / 255f;
    }

    private Cifar10Reader() {}

    /**
     * The folder holding the batch files: {@code dir} itself when it holds them, else {@code dir/cifar-10-batches-bin}
     * (so both {@code data/cifar10} and {@code data/cifar10/cifar-10-batches-bin} work).
     */
    public static Path batchesDir(Path dir) {
        if (Files.isRegularFile(dir.resolve(TEST_FILE)) || Files.isRegularFile(dir.resolve(TRAIN_FILES.getFirst()))) return dir;
        return dir.resolve(BATCHES_DIR);
    }

    /** Whether every batch file is there (their content is checked when they are read). */
    public static boolean hasFiles(Path dir) {
        Path batches = batchesDir(dir);
        return Files.isRegularFile(batches.resolve(TEST_FILE)) && TRAIN_FILES.stream().allMatch(f -> Files.isRegularFile(batches.resolve(f)));
    }

    /**
     * CIFAR-10 cannot be fetched by this tool (no source it can reach everywhere): when files are missing this
     * says where to download them and where to put them.
     */
    public static void checkPresent(Path dir) throws IOException {
        if (hasFiles(dir)) return;
        Path batches = batchesDir(dir);
        String missing = Files.isRegularFile(batches.resolve(TEST_FILE)) ? TRAIN_FILES.stream()
                .filter(f -> !Files.isRegularFile(batches.resolve(f))).findFirst().orElseThrow() : TEST_FILE;
        throw new DataFormatException(batches.resolve(missing), "file not found; CIFAR-10 is not fetched automatically: "
                + "download the binary version (" + ARCHIVE + ") from " + DOWNLOAD_PAGE + " into " + dir
                + " (it is unpacked on first use) or unpack it there yourself (tar xzf " + ARCHIVE + " -C " + dir + ")");
    }

    /**
     * When the batch files are missing but {@code dir} holds {@value #ARCHIVE}, unpacks the batch files (and
     * batches.meta.txt) from it into {@code dir/cifar-10-batches-bin}, each written atomically.
     * @return whether anything was unpacked
     */
    public static boolean unpackIfArchived(Path dir, Consumer<String> log) throws IOException {
        Path archive = dir.resolve(ARCHIVE);
        if (hasFiles(dir) || !Files.isRegularFile(archive)) return false;
        Path batches = dir.resolve(BATCHES_DIR);
        log.accept("unpacking " + archive + " into " + batches);
        List<Path> written = new java.util.ArrayList<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(archive), 1 << 16)) {
            TarReader tar = new TarReader(in, archive);
            for (TarReader.Entry e; (e = tar.next()) != null; ) {
                String name = e.name().substring(e.name().lastIndexOf('/') + 1);
                if (!e.isFile() || !(name.equals(TEST_FILE) || TRAIN_FILES.contains(name) || name.equals("batches.meta.txt")))
                    continue;
                // checked before a byte is written: a hostile or wrong archive must not fill the disk first
                long max = name.endsWith(".txt") ? MAX_META_BYTES : MAX_BATCH_RECORDS * RECORD_BYTES;
                if (e.size() > max)
                    throw new DataFormatException(archive, "holds a " + name + " of " + e.size() + " bytes; a CIFAR-10 "
                            + (name.endsWith(".txt") ? "label list" : "batch file") + " is at most " + max + " bytes");
                Files.createDirectories(batches);
                InputStream content = tar.content();
                AtomicFiles.write(batches.resolve(name), content::transferTo);
                written.add(batches.resolve(name));
            }
            if (written.stream().filter(p -> !p.toString().endsWith(".txt")).count() < TRAIN_FILES.size() + 1)
                throw new DataFormatException(archive, "holds only " + written.stream().filter(p -> !p.toString().endsWith(".txt"))
                        .count() + " of the 6 CIFAR-10 batch files; is it the binary version (not the Python or MATLAB one)?");
        } catch (ZipException | java.io.EOFException e) {
            deleteAll(written, e);
            throw new DataFormatException(archive, "is not a complete gzip-compressed tar archive (" + e.getMessage()
                    + "); download it again", e);
        } catch (IOException | RuntimeException e) {
            deleteAll(written, e);   // an archive refused half-way leaves none of its files behind
            throw e;
        }
        return true;
    }

    /** A real batch file holds 10,000 records (30,730,000 bytes); batches.meta.txt is 61 bytes. */
    static final long MAX_BATCH_RECORDS = 10_000, MAX_META_BYTES = 1 << 16;

    private static void deleteAll(List<Path> files, Exception failure) {
        for (Path p : files) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** The 50,000 training images (five batches, in order) or the 10,000 test images, labelled 0..9. */
    public static Dataset load(Path dir, boolean train) throws IOException {
        checkPresent(dir);
        Path batches = batchesDir(dir);
        List<Path> files = (train ? TRAIN_FILES : List.of(TEST_FILE)).stream().map(batches::resolve).toList();
        long total = 0;
        for (Path f : files) total += records(f);
        if (total * IMAGE_BYTES > IdxReader.MAX_VALUES)
            throw new DataFormatException(batches, "holds " + total + " images, more than one Java array can hold");
        float[] images = new float[(int) (total * IMAGE_BYTES)];
        int[] labels = new int[(int) total];
        int next = 0;
        for (Path f : files) next = read(f, images, labels, next);
        return new Dataset(train ? "cifar10-train" : "cifar10-test", images, labels, classNames(batches), (int) total,
                CHANNELS, SIDE, SIDE);
    }

    /** CIFAR-10's class names, label 0 to 9, as documented on {@value #DOWNLOAD_PAGE} (and in batches.meta.txt). */
    public static final List<String> CLASSES = List.of("airplane", "automobile", "bird", "cat", "deer", "dog", "frog",
            "horse", "ship", "truck");
    static final String META_FILE = "batches.meta.txt";
    /** Longer lines are not a class name (the real ones are at most 10 characters). */
    static final int MAX_NAME_CHARS = 100;

    /**
     * The names in {@code batches/batches.meta.txt} (one a line, label 0 first), or the documented {@link #CLASSES}
     * when it is missing or is not ten distinct short names of UTF-8 text. The names only label pictures and CSV rows, so a
     * damaged label list must not stop a run that could read every image: it falls back instead of refusing.
     */
    static List<String> classNames(Path batches) {
        Path meta = batches.resolve(META_FILE);
        try {
            if (!Files.isRegularFile(meta) || Files.size(meta) > MAX_META_BYTES) return CLASSES;
            String text = java.nio.charset.StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(meta))).toString();
            List<String> names = text.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
            boolean ok = names.size() == CLASSES.size() && names.stream().distinct().count() == names.size()
                    && names.stream().allMatch(n -> n.length() <= MAX_NAME_CHARS && n.codePoints().noneMatch(Character::isISOControl));
            return ok ? names : CLASSES;
        } catch (IOException e) {   // unreadable, or not UTF-8 (CharacterCodingException)
            return CLASSES;
        }
    }

    /** The number of records in {@code file}, after checking that its size is a whole, non-zero number of them. */
    static long records(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new DataFormatException(file, "file not found");
        long size = Files.size(file);
        if (size == 0 || size % RECORD_BYTES != 0)
            throw new DataFormatException(file, "is " + size + " bytes, not a whole number of " + RECORD_BYTES
                    + "-byte CIFAR-10 records (1 label byte and 3,072 pixel bytes each); is it truncated or another file?");
        return size / RECORD_BYTES;
    }

    /** Reads every record of {@code file} into image {@code first} onwards; returns the next free image index. */
    private static int read(Path file, float[] images, int[] labels, int first) throws IOException {
        byte[] bytes = Files.readAllBytes(file);  // 30 MB for a real batch
        if (bytes.length % RECORD_BYTES != 0)
            throw new DataFormatException(file, "changed while it was read");
        int n = bytes.length / RECORD_BYTES;
        for (int r = 0; r < n; r++) {
            int at = r * RECORD_BYTES, label = bytes[at] & 0xff;
            if (label > 9)
                throw new DataFormatException(file, "record " + r + " has label " + label + ", outside CIFAR-10's 0..9; "
                        + "is it a CIFAR-100 file or not a CIFAR file at all?");
            labels[first + r] = label;
            int out = (first + r) * IMAGE_BYTES;
            for (int i = 0; i < IMAGE_BYTES; i++) images[out + i] = BYTE_TO_UNIT[bytes[at + 1 + i] & 0xff];
        }
        return first + n;
    }
}
