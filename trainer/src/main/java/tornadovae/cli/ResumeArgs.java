package tornadovae.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import picocli.CommandLine.ParseResult;
import tornadovae.trainer.CheckpointMetadata;
import tornadovae.trainer.ResumeCheckpoint;
import tornadovae.trainer.TrainOptions;
import tornadovae.trainer.Trainer;

/**
 * `vae train --resume RUN_DIR`: the options come from the checkpoint. Options that change the run itself
 * (the model, the data set, the optimiser, the seed) may be repeated on the command line only with the value
 * the run was started with; the others may change, and --epochs is how a finished run is extended.
 */
final class ResumeArgs {
    private ResumeArgs() {}

    /** What each fixed option was in the checkpoint and on the command line, as the user would write it. */
    private static final Map<String, Function<TrainCommand, String>> GIVEN = new LinkedHashMap<>();
    private static final Map<String, Function<TrainOptions, String>> STORED = new LinkedHashMap<>();

    private static void fixed(String option, Function<TrainCommand, String> given, Function<TrainOptions, String> stored) {
        GIVEN.put(option, given);
        STORED.put(option, stored);
    }

    static {
        fixed("--dataset", c -> c.dataset, TrainOptions::dataset);
        fixed("--model", c -> c.model, o -> o.spec().model());
        fixed("--hidden", c -> ints(c.hidden), o -> ints(o.spec().hidden()));
        fixed("--latent", c -> Integer.toString(c.latent), o -> Integer.toString(o.spec().latent()));
        fixed("--activation", c -> tornadovae.kernels.ActivationKind.parse(c.activation).name(), o -> o.spec().activation().name());
        fixed("--loss", c -> tornadovae.model.Loss.parse(c.loss).name(), o -> o.spec().loss().name());
        fixed("--batch-size", c -> Integer.toString(c.batchSize), o -> Integer.toString(o.batchSize()));
        fixed("--lr", c -> Float.toString(c.lr), o -> Float.toString(o.lr()));
        fixed("--weight-decay", c -> Float.toString(c.weightDecay), o -> Float.toString(o.optimizer().weightDecay()));
        fixed("--beta", c -> Float.toString(c.beta), o -> Float.toString(o.beta()));
        fixed("--clip-grad-norm", c -> Float.toString(c.clip), o -> Float.toString(o.optimizer().clipGradNorm()));
        fixed("--seed", c -> Long.toString(c.seed), o -> Long.toString(o.seed()));
        fixed("--kl-warmup", c -> Integer.toString(c.klWarmup), o -> Integer.toString(o.kl().warmupEpochs()));
        fixed("--kl-cycles", c -> Integer.toString(c.klCycles), o -> Integer.toString(o.kl().cycles()));
        fixed("--mc-samples", c -> Integer.toString(c.mcSamples), o -> Integer.toString(o.mcSamples()));
        fixed("--free-bits", c -> Float.toString(c.freeBits), o -> Float.toString(o.kl().freeBits()));
        fixed("--limit", c -> Integer.toString(c.limit), o -> Integer.toString(o.limit()));
        fixed("--test-limit", c -> Integer.toString(c.testLimit), o -> Integer.toString(o.testLimit()));
        fixed("--image-size", c -> String.valueOf(c.images.imageSize), o -> Integer.toString(o.imageFolder().imageSize()));
        fixed("--image-channels", c -> String.valueOf(c.images.channels), o -> Integer.toString(o.imageFolder().channels()));
        fixed("--columns", c -> String.join(",", c.table.columns), o -> String.join(",", o.table().columns()));
        fixed("--label-column", c -> c.table.labelColumn, o -> String.valueOf(o.table().labelColumn()));
        fixed("--scale", c -> c.table.kind().cliName(), o -> o.scale().cliName());
        fixed("--image-cache", c -> c.imageCache, o -> o.imageFolder().storage().cliName());
        fixed("--augment", c -> tornadovae.engine.Augmentation.parseAugment(c.augment) ? "hflip" : "none", o -> o.augment().augmentName());
        fixed("--crop", c -> tornadovae.engine.Augmentation.parseCrop(c.crop, false).cropName(), o -> o.augment().cropName());
        fixed("--test-fraction", c -> String.valueOf(c.images.testFraction), o -> Double.toString(o.imageFolder().testFraction()));
    }

    /** --checkpoint-every as given, else as the run was started with (a resumed run writes as often as before). */
    private static int checkpointEvery(TrainCommand c, ParseResult parsed, ResumeCheckpoint.Loaded r) {
        if (parsed.hasMatchedOption("--checkpoint-every")) return c.checkpointEvery;
        String stored = r.metadata().get(CheckpointMetadata.CHECKPOINT_EVERY);
        try {
            return stored == null ? 0 : Integer.parseInt(stored);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(r.file() + " has a bad " + CheckpointMetadata.CHECKPOINT_EVERY + " '" + stored
                    + "'; pass --checkpoint-every to set it");
        }
    }

    private static String ints(int[] a) { return Arrays.toString(a).replaceAll("[\\[\\] ]", ""); }

    static int resume(TrainCommand c, ParseResult parsed) throws Exception {
        if (parsed.hasMatchedOption("--out"))
            throw new IllegalArgumentException("--out cannot be combined with --resume: a resumed run writes into its own folder " + c.resume);
        int threads = c.threads != null ? c.threads : Runtime.getRuntime().availableProcessors();
        // the run folder stays locked from before the checkpoint is read until the resumed training ends
        try (ResumeCheckpoint.Loaded r = ResumeCheckpoint.load(c.resume, threads, c.quiet)) {
            resume(c, parsed, r, threads);
        }
        return 0;
    }

    private static void resume(TrainCommand c, ParseResult parsed, ResumeCheckpoint.Loaded r, int threads) throws Exception {
        TrainOptions o = r.options();
        for (String option : GIVEN.keySet()) {
            if (!parsed.hasMatchedOption(option)) continue;
            String given = GIVEN.get(option).apply(c), stored = STORED.get(option).apply(o);
            if (!given.equals(stored))
                throw new IllegalArgumentException(option + " " + given + " contradicts " + r.file() + ", which was trained with "
                        + option + " " + stored + "; on --resume only --epochs, --data-dir, --data-file, --threads, --backend, "
                        + "--device, --checkpoint-every and --quiet may change");
        }
        Path data = parsed.hasMatchedOption("--data-dir") ? c.dataDir : parsed.hasMatchedOption("--data-file") ? c.table.dataFile : o.dataDir();
        o = new TrainOptions(o.dataset(), data, o.spec(),
                parsed.hasMatchedOption("--epochs") ? c.epochs : o.epochs(), o.batchSize(), o.lr(), o.beta(), o.optimizer(),
                o.seed(), parsed.hasMatchedOption("--backend") ? c.backend : o.backend(),
                parsed.hasMatchedOption("--device") || parsed.hasMatchedOption("--backend") ? c.device : o.device(),
                threads, o.out(), c.quiet, o.imageFolder(), o.kl(), o.mcSamples(), checkpointEvery(c, parsed, r), o.limit(), o.testLimit())
                .withTable(o.table(), o.scale()).withAugmentation(o.augment());
        new Trainer(o, System.out).resumeFrom(r).run();
    }
}
