package tornadovae.trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import tornadovae.io.data.ImageFolderOptions;
import tornadovae.io.DataFormatException;
import tornadovae.model.Optimizer;

/**
 * {@code RUN/resume.safetensors}: everything a run needs to continue exactly where it stopped. It is one
 * self-contained file, written atomically, so there is never a parameter file and a state file that disagree:
 * the parameters under their PyTorch names (it loads like any checkpoint), Adam's moments as
 * {@code optimizer.adam_m.<param>} and {@code optimizer.adam_v.<param>}, and in the metadata the Adam step,
 * the position (epoch, batches done), the training RNG stream at the start of that epoch and now, the
 * partial epoch's loss sums, and every training option. {@code last.safetensors} and {@code best.safetensors}
 * stay plain parameter files that {@code safetensors.torch.load_file} plus {@code load_state_dict} take as they are.
 *
 * <p>An epoch's shuffled order is a function of the RNG state at the epoch's start, so a resume from the middle
 * of an epoch re-shuffles from that state and then continues the stream from where the steps left it.
 */
public final class ResumeCheckpoint {
    public static final String FILE = "resume.safetensors";
    static final String ADAM_M = "optimizer.adam_m.";
    static final String ADAM_V = "optimizer.adam_v.";

    /**
     * Where the run stands: {@code batch} batches of {@code epoch} are done ({@code batch == 0}: the epoch has not
     * started, and {@code rng} is null because the stream stands at {@code epochRng}); {@code step} is Adam's step.
     */
    public record Position(int epoch, int batch, long step, byte[] epochRng, byte[] rng, double reconSum, double klSum) {}

    /** A loaded resume checkpoint: the options it was trained with, its position, parameters and Adam state. */
    public record Loaded(Path file, TrainOptions options, Position position, float[] params, float[] adamM, float[] adamV,
                         Map<String, String> metadata) {}

    private ResumeCheckpoint() {}

    static void save(Path file, VaeSession session, TrainOptions o, Position p) throws IOException {
        Map<String, String> meta = new LinkedHashMap<>(Trainer.options(o));
        meta.put("train.step", Long.toString(p.step()));
        meta.put("resume.epoch", Integer.toString(p.epoch()));
        meta.put("resume.batch", Integer.toString(p.batch()));
        meta.put("resume.rng_epoch_start", Base64.getEncoder().encodeToString(p.epochRng()));
        if (p.rng() != null) meta.put("resume.rng", Base64.getEncoder().encodeToString(p.rng()));
        meta.put("resume.train_recon_sum", Double.toString(p.reconSum()));
        meta.put("resume.train_kl_sum", Double.toString(p.klSum()));
        Map<String, float[]> extra = new LinkedHashMap<>();
        extra.put(ADAM_M, session.workspace().adamM());
        extra.put(ADAM_V, session.workspace().adamV());
        Checkpoints.save(file, session.vae(), session.workspace().params(), extra, meta);
    }

    /**
     * Reads {@code runDir/resume.safetensors} and the options it was trained with (threads, quiet and the data
     * folder as given here; the run folder is {@code runDir}).
     */
    /** The image-folder options of the run (runs written before they were recorded get the defaults). */
    static ImageFolderOptions folderOptions(Map<String, String> m) {
        ImageFolderOptions d = ImageFolderOptions.defaults();
        if (!m.containsKey("train.image_size")) return d;
        return new ImageFolderOptions(Integer.parseInt(m.get("train.image_size")),
                Integer.parseInt(m.getOrDefault("train.image_channels", Integer.toString(d.channels()))),
                Double.parseDouble(m.getOrDefault("train.test_fraction", Double.toString(d.testFraction()))),
                Boolean.parseBoolean(m.getOrDefault("train.skip_bad_images", "false")));
    }

    public static Loaded load(Path runDir, int threads, boolean quiet) throws IOException {
        if (!Files.isDirectory(runDir))
            throw new IOException("cannot resume " + runDir + ": it is not a folder");
        Path file = runDir.resolve(FILE);
        if (!Files.exists(file))
            throw new IOException("cannot resume " + runDir + ": it has no " + FILE + " (a run writes it at the end of "
                    + "every epoch and every --checkpoint-every steps)");
        Checkpoints.WithArenas w = Checkpoints.loadWith(file, ADAM_M, ADAM_V);
        Map<String, String> m = w.loaded().metadata();
        try {
            TrainOptions o = new TrainOptions(need(m, "train.dataset"), Path.of(need(m, "train.data_dir")), w.loaded().spec(),
                    Integer.parseInt(need(m, "train.epochs")), Integer.parseInt(need(m, "train.batch_size")),
                    Float.parseFloat(need(m, "train.lr")), Float.parseFloat(need(m, "train.beta")),
                    Optimizer.adam().withClip(Float.parseFloat(need(m, "train.clip_grad_norm")))
                            .withWeightDecay(Float.parseFloat(need(m, "train.weight_decay"))),
                    Long.parseLong(need(m, "train.seed")), need(m, "train.backend"), m.get("train.device"), threads,
                    runDir, quiet, folderOptions(m), new KlSchedule(Integer.parseInt(m.getOrDefault("train.kl_warmup", "0")),
                            Integer.parseInt(m.getOrDefault("train.kl_cycles", "0")),
                            Float.parseFloat(m.getOrDefault("train.free_bits", "0"))),
                    Integer.parseInt(m.getOrDefault("train.mc_samples", "1")));
            String rng = m.get("resume.rng");
            Position p = new Position(Integer.parseInt(need(m, "resume.epoch")), Integer.parseInt(need(m, "resume.batch")),
                    Long.parseLong(need(m, "train.step")), Base64.getDecoder().decode(need(m, "resume.rng_epoch_start")),
                    rng == null ? null : Base64.getDecoder().decode(rng),
                    Double.parseDouble(need(m, "resume.train_recon_sum")), Double.parseDouble(need(m, "resume.train_kl_sum")));
            checkRngState(p.epochRng());
            checkRngState(p.rng());
            if (p.epoch() < 1 || p.batch() < 0 || p.step() < 0 || (p.batch() > 0) != (p.rng() != null))
                throw new IllegalArgumentException("inconsistent position (epoch " + p.epoch() + ", batch " + p.batch() + ")");
            return new Loaded(file, o, p, w.loaded().params(), w.arenas().get(ADAM_M), w.arenas().get(ADAM_V), m);
        } catch (IllegalArgumentException e) {   // NumberFormatException too
            throw new DataFormatException(file, "is not a usable resume checkpoint: " + e.getMessage());
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
