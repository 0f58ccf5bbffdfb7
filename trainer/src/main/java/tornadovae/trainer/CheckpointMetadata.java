package tornadovae.trainer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tornadovae.engine.Augmentation;
import tornadovae.engine.Noise;
import tornadovae.engine.Scaler;
import tornadovae.io.data.CsvTable;
import tornadovae.io.data.ImageFolderOptions;
import tornadovae.model.Optimizer;
import tornadovae.model.VaeSpec;
import tornadovae.report.EpochMetrics;

/**
 * The training half of a checkpoint's metadata, written and parsed here and nowhere else: the options a run was
 * started with ({@code train.*}, in every checkpoint), the epoch's numbers ({@code last} and {@code best}) and a
 * resume checkpoint's position ({@code resume.*}). The other halves have one owner each too: the architecture
 * keys are {@link VaeSpec#toMetadata()} and {@link VaeSpec#fromMetadata}, the format and checksum keys are
 * {@link tornadovae.engine.Checkpoints}'.
 *
 * <p>Parsing throws IllegalArgumentException (NumberFormatException included) naming the key; the caller knows
 * the file and turns it into one sentence.
 */
public final class CheckpointMetadata {
    private CheckpointMetadata() {}

    /** The metadata key of --checkpoint-every (runs written before it was recorded resume with 0). */
    public static final String CHECKPOINT_EVERY = "train.checkpoint_every";

    /**
     * The metadata key of the class names of the data a model was trained on (an image folder's subfolders, CIFAR-10's
     * classes): a JSON array of strings, label 0 first. Absent when the data set has no names (MNIST) and in
     * checkpoints written before names were kept; labels are then shown as numbers.
     */
    public static final String CLASS_NAMES = "train.class_names";
    /** Bounds on what {@link #classNames(Map)} accepts: the metadata may come from anyone. */
    public static final int MAX_CLASSES = 100_000, MAX_CLASS_NAME_CHARS = 1_000;
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The metadata key of --label-column: the column `vae score` carries through (absent: none). */
    public static final String LABEL_COLUMN = "train.label_column";
    /** The metadata keys of --image-cache, --augment and --crop (absent in runs that did not use them). */
    public static final String IMAGE_CACHE = "train.image_cache", AUGMENT = "train.augment", CROP = "train.crop";

    /**
     * {@code meta} with the data set's class names added under {@link #CLASS_NAMES}, when it has names that
     * {@link #classNames(Map)} will accept back (a checkpoint this writes must load).
     */
    static Map<String, String> withClassNames(Map<String, String> meta, List<String> names) {
        if (names.isEmpty() || names.size() > MAX_CLASSES || names.stream().anyMatch(n -> n.length() > MAX_CLASS_NAME_CHARS))
            return meta;
        try {
            meta.put(CLASS_NAMES, JSON.writeValueAsString(names));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a list of strings is always JSON", e);
        }
        return meta;
    }

    /**
     * The class names stored in a checkpoint's metadata, label 0 first; empty when it has none (a checkpoint from
     * before they were kept, or of a data set without names). Throws IllegalArgumentException naming the key when
     * the value is not a JSON array of at most {@value #MAX_CLASSES} distinct strings of at most
     * {@value #MAX_CLASS_NAME_CHARS} characters.
     */
    public static List<String> classNames(Map<String, String> m) {
        String v = m.get(CLASS_NAMES);
        if (v == null) return List.of();
        JsonNode a;
        try {
            a = JSON.readTree(v);
        } catch (JsonProcessingException e) {
            a = null;
        }
        String bad = "its '" + CLASS_NAMES + "' is not ";
        if (a == null || !a.isArray()) throw new IllegalArgumentException(bad + "a JSON array of class names");
        if (a.size() > MAX_CLASSES) throw new IllegalArgumentException(bad + "at most " + MAX_CLASSES + " names (it has " + a.size() + ")");
        List<String> names = new ArrayList<>(a.size());
        for (JsonNode n : a) {
            if (!n.isTextual() || n.textValue().length() > MAX_CLASS_NAME_CHARS)
                throw new IllegalArgumentException(bad + "a list of names of at most " + MAX_CLASS_NAME_CHARS + " characters");
            names.add(n.textValue());
        }
        if (new HashSet<>(names).size() != names.size()) throw new IllegalArgumentException(bad + "a list of distinct names");
        return List.copyOf(names);
    }

    /** The options a run was started with, as stored in every checkpoint's metadata (what --resume reads back). */
    static Map<String, String> options(TrainOptions o) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("train.dataset", o.dataset());
        s.put("train.data_dir", o.dataDir().toString());
        s.put("train.epochs", Integer.toString(o.epochs()));
        s.put("train.batch_size", Integer.toString(o.batchSize()));
        s.put("train.lr", Float.toString(o.lr()));
        s.put("train.beta", Float.toString(o.beta()));
        s.put("train.clip_grad_norm", Float.toString(o.optimizer().clipGradNorm()));
        s.put("train.weight_decay", Float.toString(o.optimizer().weightDecay()));
        s.put("train.seed", Long.toString(o.seed()));
        s.put("train.kl_warmup", Integer.toString(o.kl().warmupEpochs()));
        s.put("train.kl_cycles", Integer.toString(o.kl().cycles()));
        s.put("train.free_bits", Float.toString(o.kl().freeBits()));
        s.put("train.mc_samples", Integer.toString(o.mcSamples()));
        s.put(CHECKPOINT_EVERY, Integer.toString(o.checkpointEvery()));   // so that --resume keeps it
        // --limit and --test-limit choose the data: a resumed run must see the same images (absent: all of them)
        if (o.limit() > 0) s.put("train.limit", Integer.toString(o.limit()));
        if (o.testLimit() > 0) s.put("train.test_limit", Integer.toString(o.testLimit()));
        s.put("train.backend", o.backend());
        if (o.device() != null) s.put("train.device", o.device());
        // The image-folder settings only for a folder of images: for another data set they would list options that
        // did nothing (in the report too). A checkpoint without them reads back as the defaults (folderOptions).
        if (o.dataset().equals(tornadovae.engine.Datasets.CSV)) {
            var t = o.table();
            if (!t.columns().isEmpty()) s.put("train.columns", String.join(",", t.columns()));
            if (t.labelColumn() != null) s.put(LABEL_COLUMN, t.labelColumn());
            s.put("train.skip_bad_rows", Boolean.toString(t.skipBadRows()));
            s.put("train.scale", o.scale().cliName());
        }
        if (o.scaler() != null) s.putAll(o.scaler().toMetadata());
        if (o.dataset().equals("folder")) {
            var f = o.imageFolder();
            s.put("train.image_size", Integer.toString(f.imageSize()));
            s.put("train.image_channels", Integer.toString(f.channels()));
            s.put("train.test_fraction", Double.toString(f.testFraction()));
            s.put("train.skip_bad_images", Boolean.toString(f.skipBadImages()));
            // 8-bit pixels round resized images: a resumed run must read them the same way (absent: floats)
            if (f.storage() != ImageFolderOptions.Storage.OFF) s.put(IMAGE_CACHE, f.storage().cliName());
        }
        // what a resumed run must do to its images again, and what the other commands must do to read the model's
        // inputs (absent: nothing)
        if (o.augment().hflip()) s.put(AUGMENT, o.augment().augmentName());
        if (o.augment().crop() != Augmentation.Crop.NONE) s.put(CROP, o.augment().cropName());
        return s;
    }

    /** Training settings stored in last and best checkpoints next to the architecture. */
    static Map<String, String> settings(TrainOptions o, List<String> classNames, EpochMetrics m) {
        Map<String, String> s = withClassNames(options(o), classNames);
        s.put("train.epoch", Integer.toString(m.epoch()));
        s.put("train.step", Long.toString(m.step()));
        s.put("train.test_loss", Double.toString(m.testLoss()));
        // the loss-independent metrics, so a checkpoint alone says how good its reconstructions are
        s.put("train.test_mse", Double.toString(m.testMse()));
        s.put("train.test_psnr", Double.toString(m.testPsnr()));
        return s;
    }

    /** A resume checkpoint's metadata: the run's options and where it stands. */
    static Map<String, String> resume(TrainOptions o, List<String> classNames, ResumeCheckpoint.Position p) {
        Map<String, String> meta = withClassNames(options(o), classNames);
        meta.put("train.step", Long.toString(p.step()));
        meta.put("resume.epoch", Integer.toString(p.epoch()));
        meta.put("resume.batch", Integer.toString(p.batch()));
        meta.put("resume.rng_epoch_start", Base64.getEncoder().encodeToString(p.epochRng()));
        if (p.rng() != null) meta.put("resume.rng", Base64.getEncoder().encodeToString(p.rng()));
        meta.put("resume.train_recon_sum", Double.toString(p.reconSum()));
        meta.put("resume.train_kl_sum", Double.toString(p.klSum()));
        return meta;
    }

    /**
     * The options a run was trained with, read back for --resume: threads, quiet and the run folder as given here
     * (the folder is where the checkpoint is, wherever the run was started).
     */
    static TrainOptions options(Map<String, String> m, VaeSpec spec, Path runDir, int threads, boolean quiet) {
        return new TrainOptions(need(m, "train.dataset"), Path.of(need(m, "train.data_dir")), spec,
                Integer.parseInt(need(m, "train.epochs")), Integer.parseInt(need(m, "train.batch_size")),
                Float.parseFloat(need(m, "train.lr")), Float.parseFloat(need(m, "train.beta")),
                Optimizer.adam().withClip(Float.parseFloat(need(m, "train.clip_grad_norm")))
                        .withWeightDecay(Float.parseFloat(need(m, "train.weight_decay"))),
                Long.parseLong(need(m, "train.seed")), need(m, "train.backend"), m.get("train.device"), threads,
                runDir, quiet, folderOptions(m).withStorage(ImageFolderOptions.Storage.parse(m.getOrDefault(IMAGE_CACHE, "off"))),
                new KlSchedule(Integer.parseInt(m.getOrDefault("train.kl_warmup", "0")),
                        Integer.parseInt(m.getOrDefault("train.kl_cycles", "0")),
                        Float.parseFloat(m.getOrDefault("train.free_bits", "0"))),
                Integer.parseInt(m.getOrDefault("train.mc_samples", "1")))
                .withLimits(Integer.parseInt(m.getOrDefault("train.limit", "0")), Integer.parseInt(m.getOrDefault("train.test_limit", "0")))
                .withTable(tableOptions(m), Scaler.Kind.parse(m.getOrDefault("train.scale", "minmax"), "its 'train.scale'"))
                .withAugmentation(augmentation(m));
    }

    /**
     * The CSV settings of a run ({@code --columns}, {@code --label-column}, {@code --skip-bad-rows}); no columns when
     * they were chosen automatically (the scaler's metadata names them).
     */
    public static CsvTable.Options tableOptions(Map<String, String> m) {
        List<String> cols = List.of();
        String given = m.get("train.columns");
        if (given != null) cols = List.of(given.split(",", -1));
        return new CsvTable.Options(cols, m.get(LABEL_COLUMN), Boolean.parseBoolean(m.getOrDefault("train.skip_bad_rows", "false")));
    }

    /** The run's --augment and --crop (none where the metadata has neither). */
    public static Augmentation augmentation(Map<String, String> m) {
        return Augmentation.parseCrop(m.getOrDefault(CROP, "none"), Augmentation.parseAugment(m.getOrDefault(AUGMENT, "none")));
    }

    /** A resume checkpoint's position, checked to be one a run can continue from. */
    static ResumeCheckpoint.Position position(Map<String, String> m) {
        String rng = m.get("resume.rng");
        ResumeCheckpoint.Position p = new ResumeCheckpoint.Position(Integer.parseInt(need(m, "resume.epoch")),
                Integer.parseInt(need(m, "resume.batch")), Long.parseLong(need(m, "train.step")),
                Base64.getDecoder().decode(need(m, "resume.rng_epoch_start")), rng == null ? null : Base64.getDecoder().decode(rng),
                Double.parseDouble(need(m, "resume.train_recon_sum")), Double.parseDouble(need(m, "resume.train_kl_sum")));
        checkRngState(p.epochRng());
        checkRngState(p.rng());
        if (p.epoch() < 1 || p.batch() < 0 || p.step() < 0 || (p.batch() > 0) != (p.rng() != null))
            throw new IllegalArgumentException("inconsistent position (epoch " + p.epoch() + ", batch " + p.batch() + ")");
        return p;
    }

    /**
     * The image-folder options of the run (runs written before they were recorded get the defaults), with the pixels
     * held as floats whatever the run used: the commands that read a folder for a checkpoint want float arrays.
     */
    public static ImageFolderOptions folderOptions(Map<String, String> m) {
        ImageFolderOptions d = ImageFolderOptions.defaults();
        if (!m.containsKey("train.image_size")) return d;
        return new ImageFolderOptions(Integer.parseInt(m.get("train.image_size")),
                Integer.parseInt(m.getOrDefault("train.image_channels", Integer.toString(d.channels()))),
                Double.parseDouble(m.getOrDefault("train.test_fraction", Double.toString(d.testFraction()))),
                Boolean.parseBoolean(m.getOrDefault("train.skip_bad_images", "false")));
    }

    /** The training seed recorded in a checkpoint, or the fallback for one without (or with a garbled one). */
    public static long trainSeed(Map<String, String> m, long fallback) {
        String s = m.get("train.seed");
        try {
            return s == null ? fallback : Long.parseLong(s);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    private static String need(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) throw new IllegalArgumentException("its metadata lacks '" + key + "'");
        return v;
    }

    private static void checkRngState(byte[] state) {
        if (state == null) return;
        try {
            new Noise(0).restoreState(state);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("its RNG state is not one this version can restore (" + e.getMessage() + ")");
        }
    }
}
