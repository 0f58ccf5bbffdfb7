package tornadovae.trainer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tornadovae.engine.Checkpoints;
import tornadovae.engine.VaeSession;
import tornadovae.io.DataFormatException;

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

    /**
     * A loaded resume checkpoint: the options it was trained with, its position, parameters and Adam state, and the
     * run folder's lock, taken before the file was read and held until this is closed (the training it feeds
     * runs under it).
     */
    public record Loaded(Path file, TrainOptions options, Position position, float[] params, float[] adamM, float[] adamV,
                         Map<String, String> metadata, RunFolder.Lock lock) implements AutoCloseable {
        @Override public void close() throws IOException { lock.close(); }
    }

    private ResumeCheckpoint() {}

    static void save(Path file, VaeSession session, TrainOptions o, List<String> classNames, Position p) throws IOException {
        Map<String, float[]> extra = new LinkedHashMap<>();
        extra.put(ADAM_M, session.workspace().adamM());
        extra.put(ADAM_V, session.workspace().adamV());
        Checkpoints.save(file, session.vae(), session.workspace().params(), extra, CheckpointMetadata.resume(o, classNames, p));
    }

    /**
     * Takes {@code runDir}'s lock, then reads its {@code resume.safetensors} and the options it was trained with
     * (threads, quiet and the run folder as given here). The lock comes first: a training still writing the folder
     * is then reported as such, and cannot replace the file while it is read.
     */
    public static Loaded load(Path runDir, int threads, boolean quiet) throws IOException {
        if (!Files.isDirectory(runDir))
            throw new IOException("cannot resume " + runDir + ": it is not a folder");
        Path file = runDir.resolve(FILE);
        if (!Files.exists(file))
            throw new IOException("cannot resume " + runDir + ": it has no " + FILE + " (a run writes it at the end of "
                    + "every epoch and every --checkpoint-every steps)");
        RunFolder.Lock lock = RunFolder.lock(runDir, "wait for it to finish, then --resume it again if it did not");
        try {
            Checkpoints.WithArenas w = Checkpoints.loadWith(file, ADAM_M, ADAM_V);
            Map<String, String> m = w.loaded().metadata();
            try {
                TrainOptions o = CheckpointMetadata.options(m, w.loaded().spec(), runDir, threads, quiet);
                Position p = CheckpointMetadata.position(m);
                return new Loaded(file, o, p, w.loaded().params(), w.arenas().get(ADAM_M), w.arenas().get(ADAM_V), m, lock);
            } catch (IllegalArgumentException e) {   // NumberFormatException too
                throw new DataFormatException(file, "is not a usable resume checkpoint: " + e.getMessage());
            }
        } catch (IOException | RuntimeException e) {
            lock.close();
            throw e;
        }
    }
}
