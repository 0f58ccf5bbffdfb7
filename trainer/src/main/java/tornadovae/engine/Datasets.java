package tornadovae.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import tornadovae.io.data.Cifar10Reader;
import tornadovae.io.data.Dataset;
import tornadovae.io.data.IdxReader;
import tornadovae.io.data.ImageFolderOptions;
import tornadovae.io.data.ImageFolderReader;
import tornadovae.io.data.MnistFetcher;
import tornadovae.model.Shape;

/**
 * Data sets by name: mnist (fetched when its files are missing), fashion-mnist, cifar10 (binary batches placed by
 * the user) and folder (a folder of images, {@link ImageFolderReader}).
 */
public final class Datasets {
    public static final String NAMES = "mnist, fashion-mnist, cifar10, folder or csv";
    /** A CSV file of numeric columns ({@link Tables}); read by its own path, not {@link #load}. */
    public static final String CSV = "csv";

    private Datasets() {}

    public static Path defaultDir(String name) {
        return switch (name) {
            case "fashion-mnist" -> MnistFetcher.DEFAULT_FASHION_DIR;
            case "cifar10" -> Cifar10Reader.DEFAULT_DIR;
            case "folder" -> throw new IllegalArgumentException("--dataset folder needs --data-dir, the folder of images");
            case CSV -> throw new IllegalArgumentException("--dataset csv needs --data-file, the CSV file");
            default -> Path.of("data", name);
        };
    }

    /** The shape of one image of the data set, known before any file is read (so a model can be checked first). */
    public static Shape inputShape(String name, ImageFolderOptions folder) {
        return switch (name) {
            case "mnist", "fashion-mnist" -> Shape.of(1, 28, 28);
            case "cifar10" -> Shape.of(Cifar10Reader.CHANNELS, Cifar10Reader.SIDE, Cifar10Reader.SIDE);
            case "folder" -> Shape.of(folder.channels(), folder.imageSize(), folder.imageSize());
            case CSV -> Shape.of(1, 1, 1);   // a row's width is known once the header is read; the trainer sets it then
            default -> throw unknown(name);
        };
    }

    public static Dataset load(String name, Path dir, boolean train, Consumer<String> log) throws IOException {
        return load(name, dir, train, ImageFolderOptions.defaults(), log);
    }

    /** @param folder how images are read for {@code folder}; ignored by the other data sets */
    public static Dataset load(String name, Path dir, boolean train, ImageFolderOptions folder, Consumer<String> log) throws IOException {
        return switch (name) {
            case "mnist" -> {
                if (!IdxReader.hasMnistFiles(dir)) new MnistFetcher(log).fetch(dir);
                yield IdxReader.loadMnist(dir, train);
            }
            case "fashion-mnist" -> {
                MnistFetcher.checkFashionMnist(dir);
                yield IdxReader.loadFashionMnist(dir, train);
            }
            case "cifar10" -> {
                Cifar10Reader.unpackIfArchived(dir, log);
                yield Cifar10Reader.load(dir, train);
            }
            case "folder" -> ImageFolderReader.load(dir, train, folder, log);
            // Tables reads and scales a CSV file; only train and score take one (--data-file)
            case CSV -> throw new IllegalArgumentException("--dataset csv works with vae train and vae score (--data-file) only");
            default -> throw unknown(name);
        };
    }

    private static IllegalArgumentException unknown(String name) {
        return new IllegalArgumentException("unknown dataset '" + name + "' (expected " + NAMES + ")");
    }
}
