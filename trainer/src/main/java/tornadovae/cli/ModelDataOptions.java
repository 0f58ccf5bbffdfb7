package tornadovae.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;
import tornadovae.engine.VaeSession;

/** The options of every command that runs a checkpoint over a data split. */
final class ModelDataOptions {
    @Option(names = "--checkpoint", required = true, description = "a .safetensors checkpoint written by `vae train`")
    Path checkpoint;
    @Option(names = "--dataset", defaultValue = "mnist", description = "the data set the images come from: mnist, fashion-mnist, cifar10 or folder (default: ${DEFAULT-VALUE})")
    String dataset;
    @Option(names = "--data-dir", description = "folder of the data set's files (default: data/<dataset>; required for folder)")
    Path dataDir;
    @Option(names = "--split", defaultValue = "test", description = "train or test (default: ${DEFAULT-VALUE})")
    String split;
    @Option(names = "--batch-size", defaultValue = "128", description = "images per encoder pass (default: ${DEFAULT-VALUE})")
    int batchSize;
    @Option(names = "--backend", defaultValue = "jvm", description = "jvm or tornado (default: ${DEFAULT-VALUE})")
    String backend;
    @Option(names = "--device", description = "TornadoVM device, e.g. 0:0")
    String device;
    @Option(names = "--threads", description = "JVM backend threads (default: all cores)")
    Integer threads;

    CheckpointData load() throws IOException {
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
        return CheckpointData.load(checkpoint, dataset, dataDir, split);
    }

    int threads() { return threads != null ? threads : Runtime.getRuntime().availableProcessors(); }

    /** Batch sizes to encode {@code count} images: the full batch and the remainder. */
    int[] evalBatches(int count) {
        int b = batch(count);
        return count % b == 0 ? new int[]{b} : new int[]{b, count % b};
    }

    int batch(int count) { return Math.max(1, Math.min(batchSize, count)); }

    VaeSession open(CheckpointData cd, int count, int... decodeBatches) {
        return cd.open(backend, device, threads(), count == 0 ? new int[0] : evalBatches(count), decodeBatches);
    }
}
