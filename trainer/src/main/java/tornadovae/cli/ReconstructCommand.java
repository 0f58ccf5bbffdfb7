package tornadovae.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tornadovae.engine.Augmentation;
import tornadovae.engine.Checkpoints;
import tornadovae.engine.Datasets;
import tornadovae.engine.Inference;
import tornadovae.engine.Noise;
import tornadovae.engine.VaeSession;
import tornadovae.io.data.Dataset;
import tornadovae.io.data.ImageFolderOptions;
import tornadovae.report.Pictures;
import tornadovae.trainer.CheckpointMetadata;

@Command(name = "reconstruct", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Encode and decode images from a data set: originals above their reconstructions, as PNG.")
final class ReconstructCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "a .safetensors checkpoint written by `vae train`")
    Path checkpoint;
    @Option(names = "--dataset", defaultValue = "mnist", description = "mnist, fashion-mnist, cifar10 or folder (default: ${DEFAULT-VALUE})")
    String dataset;
    @Option(names = "--data-dir", description = "folder of the data set's files (default: data/<dataset>; required for folder)")
    Path dataDir;
    @Mixin ImageFolderMixin images;
    @Option(names = "--split", defaultValue = "test", description = "train or test (default: ${DEFAULT-VALUE})")
    String split;
    @Option(names = "--first", defaultValue = "0", description = "index of the first image (default: ${DEFAULT-VALUE})")
    int first;
    @Option(names = "--count", defaultValue = "8", description = "number of images (default: ${DEFAULT-VALUE})")
    int count;
    @Option(names = "--seed", defaultValue = "1", description = "seed of the sampled z (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--out", defaultValue = "reconstructions.png", description = "PNG file (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--backend", defaultValue = "jvm", description = "jvm or tornado (default: ${DEFAULT-VALUE})")
    String backend;
    @Option(names = "--device", description = "TornadoVM device, e.g. 0:0")
    String device;

    @Override
    public Integer call() throws Exception {
        if (!split.equals("train") && !split.equals("test"))
            throw new IllegalArgumentException("--split must be train or test, got '" + split + "'");
        if (count < 1 || count > 256) throw new IllegalArgumentException("--count must be between 1 and 256, got " + count);
        Checkpoints.Loaded ckpt = Checkpoints.load(checkpoint);
        ImageFolderOptions folder = images.options(dataset, ckpt.spec().input());
        // a model trained with --crop sees centre crops of images read at the trained size (unless told another size)
        Augmentation crop;
        try {
            crop = CheckpointMetadata.augmentation(ckpt.metadata());
        } catch (IllegalArgumentException e) {
            throw new tornadovae.io.DataFormatException(checkpoint, "has an unusable crop setting: " + e.getMessage());
        }
        boolean cropped = crop.crop() != Augmentation.Crop.NONE && dataset.equals("folder") && images.imageSize == null;
        if (cropped)
            folder = new ImageFolderOptions(CheckpointMetadata.folderOptions(ckpt.metadata()).imageSize(), folder.channels(),
                    folder.testFraction(), folder.skipBadImages());
        Dataset data = Datasets.load(dataset, dataDir != null ? dataDir : Datasets.defaultDir(dataset),
                split.equals("train"), folder, System.out::println);
        if (cropped && crop.cropSize() <= Math.min(data.height(), data.width())) data = data.centerCrop(crop.cropSize());
        if (data.dim() != ckpt.vae().inputDim())
            throw new IllegalArgumentException(checkpoint + " is a model of " + ckpt.spec().input() + " inputs but "
                    + dataset + " images are " + data.channels() + "x" + data.height() + "x" + data.width());
        if (first < 0 || first + count > data.count())
            throw new IllegalArgumentException("--first " + first + " --count " + count + " is outside the "
                    + data.count() + " images of the " + split + " split");
        int d = data.dim();
        float[] originals = java.util.Arrays.copyOfRange(data.images(), first * d, (first + count) * d);
        try (VaeSession s = Inference.open(ckpt, backend, device, Runtime.getRuntime().availableProcessors(),
                new int[]{count}, new int[0])) {
            float[] recon = s.reconstruct(originals, 0, count, new Noise(seed));
            Pictures.reconstructions(out, originals, recon, count, data.channels(), data.height(), data.width());
        }
        System.out.println("wrote " + count + " reconstructions to " + out);
        return 0;
    }
}
