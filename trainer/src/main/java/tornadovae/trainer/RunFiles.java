package tornadovae.trainer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import tornadovae.engine.Checkpoints;
import tornadovae.engine.Noise;
import tornadovae.engine.VaeSession;
import tornadovae.io.data.Dataset;
import tornadovae.model.Vae;
import tornadovae.report.EpochMetrics;
import tornadovae.report.Metrics;
import tornadovae.report.Pictures;

/** What a run writes into its folder, each file atomically (a crash never leaves half a file). */
final class RunFiles {
    private final Path dir;
    private final TrainOptions o;
    private final Vae vae;
    private final List<String> classNames;

    /** @param classNames the training data's class names, kept in every checkpoint (empty when it has none) */
    RunFiles(Path dir, TrainOptions o, Vae vae, List<String> classNames) {
        this.dir = dir;
        this.o = o;
        this.vae = vae;
        this.classNames = classNames;
    }

    Path checkpoint(String name) { return dir.resolve(name + ".safetensors"); }

    /** reconstruction_E.png (8 test images above their reconstructions) and sample_E.png (8×8 decoded fixed z). */
    void writePictures(VaeSession session, Dataset test, float[] sampleZ, int epoch) throws IOException {
        int n = Math.min(Pictures.RECON_COUNT, test.count());
        float[] recon = session.reconstruct(test.pixels(), 0, n, new Noise(o.seed() + 2));
        Pictures.reconstructions(dir.resolve("reconstruction_" + epoch + ".png"), test.pixels().floats(0, n), recon, n,
                test.channels(), test.height(), test.width());
        float[] samples = session.decode(sampleZ, Pictures.SAMPLE_COUNT);
        Pictures.samples(dir.resolve("sample_" + epoch + ".png"), samples, Pictures.SAMPLE_COUNT,
                test.channels(), test.height(), test.width());
    }

    void writeMetrics(List<EpochMetrics> history) throws IOException {
        Metrics.writeCsv(dir.resolve("metrics.csv"), history);
        Metrics.writeLossCurve(dir.resolve("loss.png"), history);
    }

    void writeCheckpoint(String name, VaeSession session, EpochMetrics m) throws IOException {
        Checkpoints.save(checkpoint(name), vae, session.workspace().params(), CheckpointMetadata.settings(o, classNames, m));
    }
}
