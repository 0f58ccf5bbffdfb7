package tornadovae.trainer;

import java.nio.file.Path;
import tornadovae.engine.Augmentation;
import tornadovae.engine.Scaler;
import tornadovae.io.data.CsvTable;
import tornadovae.io.data.ImageFolderOptions;
import tornadovae.model.Optimizer;
import tornadovae.model.VaeSpec;

/** Everything `vae train` was asked to do, validated before any data is read. */
public record TrainOptions(String dataset, Path dataDir, VaeSpec spec, int epochs, int batchSize, float lr,
                           float beta, Optimizer optimizer, long seed, String backend, String device, int threads,
                           Path out, boolean quiet, ImageFolderOptions imageFolder, KlSchedule kl, int mcSamples,
                           int checkpointEvery, int limit, int testLimit, CsvTable.Options table, Scaler.Kind scale,
                           Scaler scaler, Augmentation augment) {
    /**
     * @param table   which columns of a CSV file (--dataset csv) are features and which is the label
     * @param scale   how those columns are scaled: a {@link Scaler} is fitted on the training rows
     * @param scaler  the fitted scaler, set by the {@link Trainer} once it has read the rows (null before, and for images)
     * @param augment random flips and crops of the training images (--augment, --crop)
     */
    public TrainOptions {
        if (augment == null) augment = Augmentation.NONE;
        if (table == null) table = CsvTable.Options.defaults();
        if (scale == null) scale = Scaler.Kind.MINMAX;
        if (limit < 0) throw new IllegalArgumentException("--limit must be ≥ 0 (0 = all training images), got " + limit);
        if (testLimit < 0) throw new IllegalArgumentException("--test-limit must be ≥ 0 (0 = all test images), got " + testLimit);
        if (checkpointEvery < 0)
            throw new IllegalArgumentException("--checkpoint-every must be ≥ 0 (0: at epoch ends only), got " + checkpointEvery);
        if (mcSamples < 1) throw new IllegalArgumentException("--mc-samples must be at least 1, got " + mcSamples);
        if (epochs < 1) throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize);
        if (!(lr > 0) || Float.isInfinite(lr)) throw new IllegalArgumentException("--lr must be a positive number, got " + lr);
        if (!(beta >= 0) || Float.isInfinite(beta)) throw new IllegalArgumentException("--beta must be ≥ 0, got " + beta);
        if (optimizer.clipGradNorm() < 0) throw new IllegalArgumentException("--clip-grad-norm must be ≥ 0 (0 disables it), got " + optimizer.clipGradNorm());
        if (imageFolder == null) throw new IllegalArgumentException("image folder options must be given");
        if (threads < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        if (kl == null) kl = KlSchedule.NONE;
    }

    /** No CSV settings (they matter only for {@code --dataset csv}). */
    public TrainOptions(String dataset, Path dataDir, VaeSpec spec, int epochs, int batchSize, float lr, float beta,
                        Optimizer optimizer, long seed, String backend, String device, int threads, Path out, boolean quiet,
                        ImageFolderOptions imageFolder, KlSchedule kl, int mcSamples, int checkpointEvery, int limit, int testLimit) {
        this(dataset, dataDir, spec, epochs, batchSize, lr, beta, optimizer, seed, backend, device, threads, out, quiet,
                imageFolder, kl, mcSamples, checkpointEvery, limit, testLimit, null, null, null, null);
    }

    /** These options, reading a CSV file's columns as {@code table} says and scaling them by {@code scale}. */
    public TrainOptions withTable(CsvTable.Options table, Scaler.Kind scale) {
        return new TrainOptions(dataset, dataDir, spec, epochs, batchSize, lr, beta, optimizer, seed, backend, device, threads,
                out, quiet, imageFolder, kl, mcSamples, checkpointEvery, limit, testLimit, table, scale, scaler, augment);
    }

    /** These options with the scaler fitted on the training rows (kept in every checkpoint). */
    TrainOptions withScaler(Scaler fitted) {
        return new TrainOptions(dataset, dataDir, spec, epochs, batchSize, lr, beta, optimizer, seed, backend, device, threads,
                out, quiet, imageFolder, kl, mcSamples, checkpointEvery, limit, testLimit, table, scale, fitted, augment);
    }

    /** Resume checkpoints at epoch ends only. */
    public TrainOptions(String dataset, Path dataDir, VaeSpec spec, int epochs, int batchSize, float lr, float beta,
                        Optimizer optimizer, long seed, String backend, String device, int threads, Path out, boolean quiet,
                        ImageFolderOptions imageFolder, KlSchedule kl, int mcSamples) {
        this(dataset, dataDir, spec, epochs, batchSize, lr, beta, optimizer, seed, backend, device, threads, out, quiet,
                imageFolder, kl, mcSamples, 0, 0, 0);
    }

    /** These options, writing resume.safetensors every {@code steps} training steps too (0: at epoch ends only). */
    public TrainOptions withCheckpointEvery(int steps) {
        return new TrainOptions(dataset, dataDir, spec, epochs, batchSize, lr, beta, optimizer, seed, backend, device, threads,
                out, quiet, imageFolder, kl, mcSamples, steps, limit, testLimit, table, scale, scaler, augment);
    }

    /** These options, training on the first {@code limit} training and testing on the first {@code testLimit} test images (0: all). */
    public TrainOptions withLimits(int limit, int testLimit) {
        return new TrainOptions(dataset, dataDir, spec, epochs, batchSize, lr, beta, optimizer, seed, backend, device, threads,
                out, quiet, imageFolder, kl, mcSamples, checkpointEvery, limit, testLimit, table, scale, scaler, augment);
    }

    /** These options, with random flips and crops of the training images as {@code a} says. */
    public TrainOptions withAugmentation(Augmentation a) {
        return new TrainOptions(dataset, dataDir, spec, epochs, batchSize, lr, beta, optimizer, seed, backend, device, threads,
                out, quiet, imageFolder, kl, mcSamples, checkpointEvery, limit, testLimit, table, scale, scaler, a);
    }

    /** Default image-folder options (they matter only for {@code --dataset folder}), no KL schedule. */
    public TrainOptions(String dataset, Path dataDir, VaeSpec spec, int epochs, int batchSize, float lr, float beta,
                        Optimizer optimizer, long seed, String backend, String device, int threads, Path out, boolean quiet) {
        this(dataset, dataDir, spec, epochs, batchSize, lr, beta, optimizer, seed, backend, device, threads, out, quiet,
                ImageFolderOptions.defaults(), KlSchedule.NONE, 1);
    }

    /** One latent draw per sample (the usual VAE). */
    public TrainOptions(String dataset, Path dataDir, VaeSpec spec, int epochs, int batchSize, float lr, float beta,
                        Optimizer optimizer, long seed, String backend, String device, int threads, Path out, boolean quiet,
                        ImageFolderOptions imageFolder, KlSchedule kl) {
        this(dataset, dataDir, spec, epochs, batchSize, lr, beta, optimizer, seed, backend, device, threads, out, quiet,
                imageFolder, kl, 1);
    }

    /** No KL warm-up, annealing or free bits. */
    public TrainOptions(String dataset, Path dataDir, VaeSpec spec, int epochs, int batchSize, float lr, float beta,
                        Optimizer optimizer, long seed, String backend, String device, int threads, Path out, boolean quiet,
                        ImageFolderOptions imageFolder) {
        this(dataset, dataDir, spec, epochs, batchSize, lr, beta, optimizer, seed, backend, device, threads, out, quiet,
                imageFolder, KlSchedule.NONE, 1);
    }
}
