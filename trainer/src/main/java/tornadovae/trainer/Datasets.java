package tornadovae.trainer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Consumer;
import tornadovae.io.data.Dataset;
import tornadovae.io.data.IdxReader;
import tornadovae.io.data.MnistFetcher;

/** Data sets by name; MNIST is fetched when its files are missing. */
public final class Datasets {
    private Datasets() {}

    public static Path defaultDir(String name) {
        return switch (name) {
            case "fashion-mnist" -> MnistFetcher.DEFAULT_FASHION_DIR;
            default -> Path.of("data", name);
        };
    }

    public static Dataset load(String name, Path dir, boolean train, Consumer<String> log) throws IOException {
        return switch (name) {
            case "mnist" -> {
                if (!IdxReader.hasMnistFiles(dir)) new MnistFetcher(log).fetch(dir);
                yield IdxReader.loadMnist(dir, train);
            }
            case "fashion-mnist" -> {
                MnistFetcher.checkFashionMnist(dir);
                yield IdxReader.loadFashionMnist(dir, train);
            }
            default -> throw new IllegalArgumentException("unknown dataset '" + name + "' (expected mnist or fashion-mnist)");
        };
    }
}
