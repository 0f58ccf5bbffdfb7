package tornadovae.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import tornadovae.engine.Augmentation;
import tornadovae.engine.Backends;
import tornadovae.engine.Checkpoints;
import tornadovae.engine.Datasets;
import tornadovae.engine.Inference;
import tornadovae.engine.VaeSession;
import tornadovae.io.data.Dataset;
import tornadovae.io.data.ImageFolderOptions;
import tornadovae.trainer.CheckpointMetadata;

/** A checkpoint and a data split it is asked to run on, checked to fit each other. */
public record CheckpointData(Path checkpointFile, Checkpoints.Loaded checkpoint, Dataset data, String split) {

    /** Loads both, or says in one sentence why they cannot go together. */
    public static CheckpointData load(Path checkpointFile, String dataset, Path dataDir, String split) throws IOException {
        if (!split.equals("train") && !split.equals("test"))
            throw new IllegalArgumentException("--split must be train or test, got '" + split + "'");
        Checkpoints.Loaded ckpt = Checkpoints.load(checkpointFile);
        ImageFolderOptions folder;
        try {
            folder = folderOptions(ckpt);
        } catch (IllegalArgumentException e) {   // a garbled train.* entry
            throw new tornadovae.io.DataFormatException(checkpointFile, "has unusable image-folder settings: " + e.getMessage());
        }
        Augmentation crop;
        try {
            crop = CheckpointMetadata.augmentation(ckpt.metadata());
        } catch (IllegalArgumentException e) {
            throw new tornadovae.io.DataFormatException(checkpointFile, "has an unusable crop setting: " + e.getMessage());
        }
        Dataset data = Datasets.load(dataset, dataDir != null ? dataDir : Datasets.defaultDir(dataset),
                split.equals("train"), folder, System.err::println);
        // a model trained on crops reads the centred crop, as its test images were in training
        if (crop.crop() != Augmentation.Crop.NONE && crop.cropSize() <= Math.min(data.height(), data.width()))
            data = data.centerCrop(crop.cropSize());
        if (data.dim() != ckpt.vae().inputDim())
            throw new IllegalArgumentException(checkpointFile + " is a model of " + ckpt.spec().input().toString().replace('×', 'x') + " inputs but "
                    + dataset + " images are " + data.channels() + "x" + data.height() + "x" + data.width());
        warnIfClassesDiffer(checkpointFile, ckpt, data);
        return new CheckpointData(checkpointFile, ckpt, data, split);
    }

    /**
     * The name of each label of the data (index = label), empty when unknown. These are the data set's own names,
     * not the checkpoint's: the labels are the data set's, numbered from its classes as they are now.
     */
    public List<String> classNames() { return data.classNames(); }

    /**
     * Says on stderr when the data's classes are not those the model was trained on (a folder gained or lost a class
     * subfolder since): its labels then mean other classes than in training, which a reader of a legend should know.
     */
    private static void warnIfClassesDiffer(Path checkpointFile, Checkpoints.Loaded ckpt, Dataset data) throws IOException {
        List<String> trained;
        try {
            trained = CheckpointMetadata.classNames(ckpt.metadata());
        } catch (IllegalArgumentException e) {   // metadata from a stranger: too many names, or not a list of them
            throw new tornadovae.io.DataFormatException(checkpointFile, "has unusable class names: " + e.getMessage());
        }
        List<String> now = data.classNames();
        if (trained.isEmpty() || now.isEmpty() || trained.equals(now)) return;
        int i = 0;
        while (i < Math.min(trained.size(), now.size()) && trained.get(i).equals(now.get(i))) i++;
        System.err.println("warning: " + data.name() + " has " + now.size() + " classes but " + checkpointFile + " was trained on "
                + trained.size() + (i < Math.min(trained.size(), now.size()) ? " (label " + i + " is '" + now.get(i)
                + "' here and was '" + trained.get(i) + "' in training)" : "") + "; labels and names are the data's");
    }

    /**
     * An image folder is read the way the model was trained on it: the checkpoint's input shape gives the size and
     * channels, its metadata the test fraction (so the test split is the same images).
     */
    static ImageFolderOptions folderOptions(Checkpoints.Loaded ckpt) {
        var in = ckpt.spec().input();
        if (in.rank() != 3 || in.dim(1) != in.dim(2) || (in.dim(0) != 1 && in.dim(0) != 3)) return ImageFolderOptions.defaults();
        ImageFolderOptions stored = CheckpointMetadata.folderOptions(ckpt.metadata());
        // with --crop the model's input is the crop, and the images were read at the stored size before it
        int size = ckpt.metadata().containsKey(CheckpointMetadata.CROP) ? stored.imageSize() : in.dim(1);
        return new ImageFolderOptions(size, in.dim(0), stored.testFraction(), stored.skipBadImages());
    }

    /** The first {@code limit} images (all when limit is 0), checked. */
    public int count(int limit) {
        if (limit < 0) throw new IllegalArgumentException("--limit must be ≥ 0 (0 = all images), got " + limit);
        if (data.count() == 0) throw new IllegalArgumentException("the " + split + " split of " + data.name() + " has no images");
        return limit == 0 ? data.count() : Math.min(limit, data.count());
    }

    /** Index {@code i} of an image, or one sentence naming the option. */
    public int index(String option, int i) {
        if (i < 0 || i >= data.count())
            throw new IllegalArgumentException(option + " " + i + " is outside the " + data.count() + " images of the "
                    + split + " split");
        return i;
    }

    /** The training seed recorded in the checkpoint, if any. */
    public long trainSeed(long fallback) {
        return CheckpointMetadata.trainSeed(checkpoint.metadata(), fallback);
    }

    /** A session on the trained parameters with eval plans for these batch sizes and decode plans. */
    public VaeSession open(String backend, String device, int threads, int[] evalBatches, int[] decodeBatches) {
        return Inference.open(checkpoint, backend, device, threads, evalBatches, decodeBatches);
    }

    /** As {@link #open}, with decode-and-loss plans of {@code decodeLossRows} rows as well (importance sampling). */
    public VaeSession openWithDecodeLoss(String backend, String device, int threads, int[] evalBatches, int decodeLossRows) {
        VaeSession s = new VaeSession(checkpoint.vae(), Backends.create(backend, device, threads),
                tornadovae.model.Optimizer.adam(), new int[0], evalBatches, new int[]{decodeLossRows});
        System.arraycopy(checkpoint.params(), 0, s.workspace().params(), 0, checkpoint.params().length);
        s.addDecodeLossPlans(decodeLossRows);
        s.prepare();
        return s;
    }
}
