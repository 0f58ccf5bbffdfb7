package tornadovae.trainer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tornadovae.io.data.Dataset;
import tornadovae.kernels.plan.Backend;
import tornadovae.model.Shape;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/**
 * The training loop, top to bottom: data, model, backend, then per epoch the steps, the test
 * loss, pictures, metrics and checkpoints (the pytorch/examples VAE journey).
 */
public final class Trainer {
    /** One epoch's numbers, per sample. */
    public record EpochMetrics(int epoch, long step, double trainLoss, double trainRecon, double trainKl,
                               double testLoss, double testRecon, double testKl, double gradNorm,
                               double imagesPerSecond, double seconds) {}

    private final TrainOptions o;
    private final PrintStream log;
    private final List<EpochMetrics> history = new ArrayList<>();
    private long poisonStep = -1;

    public Trainer(TrainOptions options, PrintStream log) {
        this.o = options;
        this.log = log;
    }

    public List<EpochMetrics> history() { return history; }

    /** For tests: fills the parameters with NaN just before this step, as a blow-up would. */
    void poisonParametersAtStep(long step) { this.poisonStep = step; }

    public List<EpochMetrics> run() throws IOException {
        Dataset train = Datasets.load(o.dataset(), o.dataDir(), true, log::println);
        Dataset test = Datasets.load(o.dataset(), o.dataDir(), false, log::println);
        // the data set decides the image shape; a preset whose fixed sizes do not fit stops here, naming the layer
        Shape shape = Shape.of(train.channels(), train.height(), train.width());
        Vae vae;
        try {
            vae = o.spec().withInput(shape).build();
        } catch (IllegalArgumentException e) {
            if (!VaeSpec.isPreset(o.spec().model()) || o.spec().input().equals(shape)) throw e;
            throw new IllegalArgumentException(e.getMessage() + " (model " + o.spec().model() + " is made for "
                    + o.spec().input() + " images; " + o.dataset() + " has " + shape + ")", e);
        }
        Path out = RunFolder.create(o.out()); // only once the inputs are known to be good
        log.printf("%s: %,d training and %,d test images of %dx%dx%d%n", o.dataset(), train.count(), test.count(),
                train.channels(), train.height(), train.width());
        log.print(vae.layerTable());

        int b = o.batchSize();
        int[] trainBatches = batchSizes(train.count(), b);
        int[] evalBatches = concat(batchSizes(test.count(), b), Math.min(Pictures.RECON_COUNT, test.count()));
        Backend backend = Backends.create(o.backend(), o.device(), o.threads());
        try (VaeSession session = new VaeSession(vae, backend, o.optimizer(), trainBatches, evalBatches,
                new int[]{Pictures.SAMPLE_COUNT}, o.mcSamples())) {
            vae.initParams(session.workspace().params(), o.seed());
            log.printf("backend %s; compiling plans...%n", backend.name());
            session.prepare();
            loop(session, train, test, out);
        }
        return history;
    }

    private void loop(VaeSession session, Dataset train, Dataset test, Path out) throws IOException {
        Noise trainNoise = new Noise(o.seed());
        float[] sampleZ = new float[Pictures.SAMPLE_COUNT * session.vae().latent()];
        new Noise(o.seed() ^ 0x5A5A_5A5AL).gaussian(sampleZ, 0, sampleZ.length);
        int[] order = new int[train.count()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        int steps = (train.count() + o.batchSize() - 1) / o.batchSize();
        double bestTest = Double.POSITIVE_INFINITY;
        String lastGood = null;
        RunFiles files = new RunFiles(out, o, session.vae());

        for (int epoch = 1; epoch <= o.epochs(); epoch++) {
            trainNoise.shuffle(order);
            double recon = 0, kl = 0;
            long t0 = System.nanoTime();
            try (Progress progress = Progress.start("epoch " + epoch + "/" + o.epochs(), steps, o.quiet())) {
                for (int s = 0; s < steps; s++) {
                    int from = s * o.batchSize(), n = Math.min(o.batchSize(), train.count() - from);
                    if (session.step() + 1 == poisonStep) {
                        java.util.Arrays.fill(session.workspace().params(), Float.NaN);
                        session.backend().pushState();
                    }
                    VaeSession.Losses l = session.trainStep(train.images(), order, from, n, o.lr(), o.beta(), trainNoise);
                    if (!Double.isFinite(l.recon()) || !Double.isFinite(l.kl()) || !Float.isFinite(session.lastGradNorm()))
                        throw new TrainingDivergedException(epoch, session.step(),
                                "the loss became " + (Double.isFinite(l.recon() + l.kl()) ? "finite but the gradient norm is " + session.lastGradNorm() : l.recon() + l.kl()),
                                lastGood);
                    recon += l.recon();
                    kl += l.kl();
                    progress.step(String.format("loss %.2f", l.total(o.beta()) / n));
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            VaeSession.Losses t = session.evaluate(test.images(), test.count(), o.batchSize(), new Noise(o.seed() + 1));
            int n = train.count();
            EpochMetrics m = new EpochMetrics(epoch, session.step(), (recon + o.beta() * kl) / n, recon / n, kl / n,
                    t.total(o.beta()) / t.count(), t.reconPerSample(), t.klPerSample(), session.lastGradNorm(),
                    n / seconds, seconds);
            history.add(m);
            log.printf("epoch %d/%d  train %.2f  test %.2f (recon %.2f + KL %.2f)  %,.0f img/s  %.1f s%n",
                    epoch, o.epochs(), m.trainLoss(), m.testLoss(), m.testRecon(), m.testKl(), m.imagesPerSecond(), seconds);

            session.backend().pullState();
            files.writePictures(session, test, sampleZ, epoch);
            files.writeMetrics(history);
            files.writeCheckpoint("last", session, m);
            lastGood = files.checkpoint("last").toString();
            if (m.testLoss() < bestTest) {
                bestTest = m.testLoss();
                files.writeCheckpoint("best", session, m);
            }
        }
        log.printf("done: best test loss %.2f; outputs in %s%n", bestTest, out);
    }

    /** The full batch size and, if the data does not divide evenly, the last partial one. */
    static int[] batchSizes(int count, int batch) {
        int b = Math.min(batch, count), rest = count % b;
        return rest == 0 ? new int[]{b} : new int[]{b, rest};
    }

    private static int[] concat(int[] a, int x) {
        int[] r = java.util.Arrays.copyOf(a, a.length + 1);
        r[a.length] = x;
        return r;
    }

    /** Training settings stored in checkpoint metadata next to the architecture. */
    static Map<String, String> settings(TrainOptions o, EpochMetrics m) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("train.dataset", o.dataset());
        s.put("train.epochs", Integer.toString(o.epochs()));
        s.put("train.batch_size", Integer.toString(o.batchSize()));
        s.put("train.lr", Float.toString(o.lr()));
        s.put("train.beta", Float.toString(o.beta()));
        s.put("train.clip_grad_norm", Float.toString(o.optimizer().clipGradNorm()));
        s.put("train.seed", Long.toString(o.seed()));
        s.put("train.backend", o.backend());
        s.put("train.epoch", Integer.toString(m.epoch()));
        s.put("train.step", Long.toString(m.step()));
        s.put("train.test_loss", Double.toString(m.testLoss()));
        return s;
    }

    static boolean exists(Path p) { return Files.exists(p); }
}
