package tornadovae.cli;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tornadovae.engine.Augmentation;
import tornadovae.engine.Datasets;
import tornadovae.io.data.ImageFolderOptions;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.ConvSpec;
import tornadovae.model.Loss;
import tornadovae.model.Optimizer;
import tornadovae.model.Shape;
import tornadovae.model.VaeSpec;
import tornadovae.trainer.KlSchedule;
import tornadovae.trainer.TrainOptions;
import tornadovae.trainer.Trainer;

@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a VAE (default: the pytorch/examples MLP VAE on MNIST).",
                "With no options: the pytorch/examples MLP VAE (784-400-20) on MNIST, 10 epochs, batch 128, Adam 1e-3, BCE; MNIST is fetched into data/mnist when missing.",
                "Writes reconstructions and samples (PNG) each epoch, metrics.csv, loss.png, best and last checkpoints."})
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--dataset", defaultValue = "mnist", description = "mnist, fashion-mnist, cifar10, folder (a folder of images) or csv (a CSV file of numeric columns) (default: ${DEFAULT-VALUE})")
    String dataset;
    @Option(names = "--data-dir", description = "folder of the data set's files (default: data/<dataset>; required for folder)")
    Path dataDir;
    @Mixin ImageFolderMixin images;
    @Mixin TableMixin table;
    @Option(names = "--model", defaultValue = "mlp",
            description = "mlp, conv (from --channels/--kernel/--stride/--fc), or a preset: mnist-conv, mnist-conv4, rgb128-conv (default: ${DEFAULT-VALUE})")
    String model;
    @Option(names = "--channels", defaultValue = "32,64", split = ",", description = "conv: output channels of the encoder's Conv2d layers (default: ${DEFAULT-VALUE})")
    int[] channels;
    @Option(names = "--kernel", defaultValue = "3", description = "conv: kernel size (default: ${DEFAULT-VALUE})")
    int kernel;
    @Option(names = "--stride", defaultValue = "2", description = "conv: stride (default: ${DEFAULT-VALUE})")
    int stride;
    @Option(names = "--padding", description = "conv: padding (default: (kernel-1)/2)")
    Integer padding;
    @Option(names = "--fc", split = ",", description = "conv: dense layer sizes between the convolutions and the latent, e.g. 256 (default: none)")
    int[] fc;
    @Option(names = "--mc-samples", defaultValue = "1", description = "latent draws per image in training; the loss is the mean over the draws (default: ${DEFAULT-VALUE})")
    int mcSamples;
    @Option(names = "--hidden", defaultValue = "400", split = ",", description = "hidden layer sizes, e.g. 512,256 (default: ${DEFAULT-VALUE})")
    int[] hidden;
    // --latent, --lr, --loss and --beta take a comma-separated list: more than one value is a sweep (Sweep)
    @Option(names = "--latent", split = ",", description = "latent size (default: 20; rgb128-conv: 128); a list, e.g. 2,20, trains each (a sweep)")
    List<Integer> latentList;
    @Option(names = "--activation", defaultValue = "relu", description = "hidden activation: relu, leaky-relu (slope 0.2), sigmoid, tanh, silu or gelu (default: ${DEFAULT-VALUE})")
    String activation;
    @Option(names = "--limit", defaultValue = "0", paramLabel = "N",
            description = "train on the first N training images only, for a quick try; 0 = all (default: ${DEFAULT-VALUE})")
    int limit;
    @Option(names = "--test-limit", defaultValue = "0", paramLabel = "N",
            description = "evaluate on the first N test images only; 0 = all (default: ${DEFAULT-VALUE})")
    int testLimit;
    @Option(names = "--image-cache", defaultValue = "off", paramLabel = "MODE",
            description = "--dataset folder: how decoded images are kept: off (floats in memory), memory (8-bit pixels in memory, 4x less) "
                    + "or file (8-bit pixels in a cache file beside the images, built once, memory-mapped: for folders larger than memory) (default: ${DEFAULT-VALUE})")
    String imageCache;
    @Option(names = "--augment", defaultValue = "none", description = "random changes to training images: none or hflip (random horizontal flips) (default: ${DEFAULT-VALUE})")
    String augment;
    @Option(names = "--crop", defaultValue = "none", paramLabel = "KIND:SIZE",
            description = "crop images to SIZE×SIZE, the model's input size: center:SIZE, or random:SIZE (training images at a random place each time, test images centred) (default: ${DEFAULT-VALUE})")
    String crop;
    @Option(names = "--epochs", defaultValue = "10", description = "passes over the training images (default: ${DEFAULT-VALUE})")
    int epochs;
    @Option(names = "--batch-size", defaultValue = "128", description = "images per training step (default: ${DEFAULT-VALUE})")
    int batchSize;
    @Option(names = "--lr", defaultValue = "1e-3", split = ",", description = "Adam learning rate (default: ${DEFAULT-VALUE}); a list trains each")
    List<Float> lrList;
    @Option(names = "--weight-decay", defaultValue = "0", description = "decoupled weight decay, AdamW (default: ${DEFAULT-VALUE})")
    float weightDecay;
    @Option(names = "--loss", split = ",", description = "bce, mse or bce+mse (default: bce; mse for --dataset csv); a list, e.g. bce,mse,bce+mse, trains each")
    List<String> lossList;
    @Option(names = "--beta", split = ",", description = "weight of the KL term, β-VAE (default: 1; "
            + TableMixin.CSV_BETA + " for --dataset csv, see --scale); a list trains each")
    List<Float> betaList;
    @Option(names = "--kl-warmup", defaultValue = "0", description = "raise the KL weight linearly from 0 to β over N epochs, per step (default: ${DEFAULT-VALUE})")
    int klWarmup;
    @Option(names = "--kl-cycles", defaultValue = "0", description = "cyclical KL annealing: C cycles, each ramping 0 → β over its first half (default: ${DEFAULT-VALUE})")
    int klCycles;
    @Option(names = "--free-bits", defaultValue = "0", description = "nats per latent dimension below which its KL gets no gradient (default: ${DEFAULT-VALUE})")
    float freeBits;
    @Option(names = "--clip-grad-norm", defaultValue = "0", description = "clip the global gradient norm; 0 = off (default: ${DEFAULT-VALUE})")
    float clip;
    @Option(names = "--seed", defaultValue = "1", description = "seed of the initial parameters, the batch order and the noise (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--backend", defaultValue = "jvm", description = "jvm or tornado (default: ${DEFAULT-VALUE})")
    String backend;
    @Option(names = "--device", description = "TornadoVM device as backend:device, e.g. 0:0 (see `vae devices`)")
    String device;
    @Option(names = "--threads", description = "JVM backend threads (default: all cores)")
    Integer threads;
    @Option(names = "--out", description = "run folder (default: runs/<dataset>-<model>-<time>)")
    Path out;
    @Option(names = "--quiet", description = "no progress bar")
    boolean quiet;
    @Option(names = "--checkpoint-every", defaultValue = "0", paramLabel = "STEPS",
            description = "also write resume.safetensors every STEPS training steps within an epoch; 0 = at epoch ends only (default: ${DEFAULT-VALUE})")
    int checkpointEvery;
    @Option(names = "--resume", paramLabel = "RUN_DIR",
            description = "continue the run in RUN_DIR from its resume.safetensors, with the options it was started with "
                    + "(--epochs, --data-dir, --threads, --backend, --device, --checkpoint-every and --quiet may be given; other options must match)")
    Path resume;
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec commandSpec;
    /** The value of one run: the option's only value, or the sweep's current combination (set by {@link Sweep}). */
    Integer latent;
    float lr, beta;
    String loss;

    @Override
    public Integer call() throws Exception {
        // a CSV row's scaled values are no pixel probabilities (standard scaling leaves [0, 1]): the Gaussian loss fits them
        if (lossList == null) lossList = List.of(dataset.equals(Datasets.CSV) ? "mse" : "bce");
        if (betaList == null) betaList = List.of(dataset.equals(Datasets.CSV) ? TableMixin.CSV_BETA : 1f);
        if (resume == null) table.checkFor(dataset, dataDir);
        if (dataset.equals(Datasets.CSV) && !model.equals("mlp"))
            throw new IllegalArgumentException("--model " + model + " needs images; the rows of --dataset csv need --model mlp");
        if (dataset.equals(Datasets.CSV) && table.kind() == tornadovae.engine.Scaler.Kind.STANDARD && !lossList.equals(List.of("mse")))
            throw new IllegalArgumentException("--scale standard gives values outside [0, 1], which only --loss mse can fit");
        Sweep sweep = new Sweep(this);
        if (resume != null) {
            if (sweep.size() > 1)
                throw new IllegalArgumentException("--resume continues one run, not a sweep: give --loss, --beta, --latent and --lr "
                        + "one value each, and resume each of the sweep's run folders on its own");
            sweep.select(0);
            return ResumeArgs.resume(this, commandSpec.commandLine().getParseResult());
        }
        tornadovae.engine.Backends.checkOptions(backend, device, threads != null ? threads : 1);  // before any data is read
        if (Arrays.stream(hidden).anyMatch(h -> h > 1 << 16))
            throw new IllegalArgumentException("--hidden sizes above 65536 are not supported");
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        if (sweep.size() > 1) return sweep.run(out != null ? out : Path.of("runs", dataset + "-" + model + "-sweep-" + stamp));
        sweep.select(0);
        TrainOptions o = options(out != null ? out : Path.of("runs", dataset + "-" + model + "-" + stamp));
        new Trainer(o, System.out).checkpointEvery(checkpointEvery).run();
        return 0;
    }

    /** The options of one run into {@code outDir}, from the fields as they are now; the model's shapes are checked here. */
    TrainOptions options(Path outDir) {
        ImageFolderOptions.Storage storage = ImageFolderOptions.Storage.parse(imageCache);
        if (storage != ImageFolderOptions.Storage.OFF && !dataset.equals("folder"))
            throw new IllegalArgumentException("--image-cache applies only to --dataset folder, not " + dataset);
        ImageFolderOptions folder = images.options(dataset, null).withStorage(storage);
        Augmentation aug = Augmentation.parseCrop(crop, Augmentation.parseAugment(augment));
        Shape in = Datasets.inputShape(dataset, folder);
        if (aug.crop() != Augmentation.Crop.NONE) {   // the crop is the model's input
            if (aug.cropSize() > in.dim(1) || aug.cropSize() > in.dim(2))
                throw new IllegalArgumentException("--crop " + aug.cropName() + " does not fit in the " + in.dim(1) + "x" + in.dim(2)
                        + " images of " + dataset + (dataset.equals("folder") ? " (see --image-size)" : ""));
            in = Shape.of(in.dim(0), aug.cropSize(), aug.cropSize());
        }
        VaeSpec spec = spec(in);
        spec.build(); // the shapes are checked before any data is read
        Path data = dataset.equals(Datasets.CSV) ? table.dataFile : dataDir != null ? dataDir : Datasets.defaultDir(dataset);
        return new TrainOptions(dataset, data, spec, epochs,
                batchSize, lr, beta, Optimizer.adam().withClip(clip).withWeightDecay(weightDecay), seed, backend, device,
                threads != null ? threads : Runtime.getRuntime().availableProcessors(), outDir, quiet, folder,
                new KlSchedule(klWarmup, klCycles, freeBits), mcSamples).withLimits(limit, testLimit)
                .withTable(table.options(), dataset.equals(Datasets.CSV) ? table.kind() : null)
                .withAugmentation(aug);
    }

    /** The architecture for inputs of {@code in} (presets have their own fixed input shapes). */
    private VaeSpec spec(Shape in) {
        ActivationKind act = ActivationKind.parse(activation);
        Loss l = Loss.parse(loss);
        if (latent != null && latent < 1) throw new IllegalArgumentException("latent size must be at least 1, got " + latent);
        return switch (model) {
            case "mlp" -> new VaeSpec(model, in, hidden, latent != null ? latent : 20, act, 0.2f, l);
            case "conv" -> new VaeSpec(model, in, fc != null ? fc : new int[0], latent != null ? latent : 20,
                    act, 0.2f, l, new ConvSpec(channels, kernel, stride, padding != null ? padding : (kernel - 1) / 2, 0));
            default -> VaeSpec.isPreset(model) ? VaeSpec.preset(model, latent != null ? latent : 0, act, l)
                    : new VaeSpec(model, in, hidden, 20, act, 0.2f, l); // names the known models
        };
    }
}
