package tornadovae.trainer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tornadovae.engine.Backends;
import tornadovae.engine.Datasets;
import tornadovae.engine.MemoryBudget;
import tornadovae.engine.Noise;
import tornadovae.engine.ReconMetrics;
import tornadovae.engine.Progress;
import tornadovae.engine.StepRunner;
import tornadovae.engine.VaeSession;
import tornadovae.io.data.Dataset;
import tornadovae.kernels.plan.Backend;
import tornadovae.model.Shape;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;
import tornadovae.report.EpochMetrics;
import tornadovae.report.Metrics;
import tornadovae.report.Pictures;
import tornadovae.report.RunReport;

/**
 * The training loop, top to bottom: data, model, backend, then per epoch the steps, the test
 * loss, pictures, metrics and checkpoints (the pytorch/examples VAE journey).
 */
public final class Trainer {
    private TrainOptions o;
    private final PrintStream log;
    private final List<EpochMetrics> history = new ArrayList<>();
    private long poisonStep = -1;
    private ResumeCheckpoint.Loaded resume;
    private StepRunner stepRunner = StepRunner.LOCAL;
    /** For tests in a child JVM that must be killed mid-epoch: called after every training step (slows a run down). */
    static volatile java.util.function.LongConsumer stepHookForTests = step -> {};

    public Trainer(TrainOptions options, PrintStream log) {
        this.o = options;
        this.log = log;
    }

    public List<EpochMetrics> history() { return history; }

    /** Also writes resume.safetensors every {@code steps} training steps inside an epoch (0: only at epoch ends). */
    public Trainer checkpointEvery(int steps) {
        this.o = o.withCheckpointEvery(steps);   // in the options: they are what a resume checkpoint records
        return this;
    }

    /** Continues the run of this resume checkpoint (its options must be the ones this trainer was given). */
    public Trainer resumeFrom(ResumeCheckpoint.Loaded r) {
        this.resume = r;
        return this;
    }

    /** Makes each training step with this runner (default: on this machine's backend). */
    public Trainer stepRunner(StepRunner runner) {
        this.stepRunner = runner;
        return this;
    }

    /** For tests: fills the parameters with NaN just before this step, as a blow-up would. */
    void poisonParametersAtStep(long step) { this.poisonStep = step; }

    public List<EpochMetrics> run() throws IOException {
        Dataset train = head(Datasets.load(o.dataset(), o.dataDir(), true, o.imageFolder(), log::println), o.limit());
        Dataset test = head(Datasets.load(o.dataset(), o.dataDir(), false, o.imageFolder(), log::println), o.testLimit());
        // every reader refuses an empty file itself, naming it; this is the guard for a reader that does not
        for (Dataset d : new Dataset[]{train, test})
            if (d.count() == 0)
                throw new IllegalArgumentException("the " + (d == train ? "training" : "test") + " split of " + d.name()
                        + " in " + o.dataDir() + " has no images");
        if (resume != null) {
            checkInputShape(train);   // a checkpoint's model is fixed: the data must fit it
            checkResumable(train);
        }
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
        boolean created = resume == null && !Files.exists(o.out());
        Path out = resume != null ? o.out() : RunFolder.create(o.out()); // only once the inputs are known to be good
        try {
            // a resumed run's folder was locked before its checkpoint was read, and stays locked by the Loaded
            try (RunFolder.Lock lock = resume != null ? resume.lock() : RunFolder.lock(out)) {
                if (resume != null) RunFolder.removeStaleTemporaries(out);
                runSession(vae, train, test, out);
            }
        } catch (IOException | RuntimeException | Error e) {
            // a run refused before its first file (backend, memory) leaves no folder holding only its lock behind
            if (created) RunFolder.removeIfOnlyLock(out, e);
            throw e;
        }
        return history;
    }

    /** The first {@code limit} images of {@code d} (--limit, --test-limit), all of them when limit is 0 or more than it has. */
    private static Dataset head(Dataset d, int limit) {
        return limit == 0 || limit >= d.count() ? d : d.head(limit);
    }

    /** The session and the epochs, inside the run folder's lock. */
    private void runSession(Vae vae, Dataset train, Dataset test, Path out) throws IOException {
        log.printf("%s: %,d training and %,d test images of %dx%dx%d%n", o.dataset(), train.count(), test.count(),
                train.channels(), train.height(), train.width());
        log.print(vae.layerTable());

        int b = o.batchSize();
        int[] trainBatches = VaeSession.batchSizes(train.count(), b);
        int[] evalBatches = concat(VaeSession.batchSizes(test.count(), b), Math.min(Pictures.RECON_COUNT, test.count()));
        // the data is in memory already: the workspace must fit beside it (and the test set's codes, kept each epoch)
        int maxBatch = Math.max(Pictures.SAMPLE_COUNT, Math.max(trainBatches[0], evalBatches[0]));  // VaeSession's largest plan
        MemoryBudget.check(vae, maxBatch, o.mcSamples(),
                MemoryBudget.dataBytes(train.count(), train.dim()) + MemoryBudget.dataBytes(test.count(), train.dim() + 2 * vae.latent()));
        Backend backend = Backends.create(o.backend(), o.device(), o.threads());
        try (VaeSession session = new VaeSession(vae, backend, o.optimizer(), trainBatches, evalBatches,
                new int[]{Pictures.SAMPLE_COUNT}, o.mcSamples(), o.kl().freeBits())) {
            if (resume == null) {
                vae.initParams(session.workspace().params(), o.seed());
            } else {
                var ws = session.workspace();
                System.arraycopy(resume.params(), 0, ws.params(), 0, ws.params().length);
                System.arraycopy(resume.adamM(), 0, ws.adamM(), 0, ws.adamM().length);
                System.arraycopy(resume.adamV(), 0, ws.adamV(), 0, ws.adamV().length);
                session.setStep(resume.position().step());
            }
            stepRunner.addPlans(session);
            log.printf("backend %s; compiling plans...%n", backend.name());
            session.prepare();
            if (resume != null) session.backend().pushState();
            loop(session, train, test, out);
        }
    }

    private void loop(VaeSession session, Dataset train, Dataset test, Path out) throws IOException {
        Noise trainNoise = new Noise(o.seed());
        float[] sampleZ = new float[Pictures.SAMPLE_COUNT * session.vae().latent()];
        new Noise(o.seed() ^ 0x5A5A_5A5AL).gaussian(sampleZ, 0, sampleZ.length);
        int[] order = new int[train.count()];
        int steps = (train.count() + o.batchSize() - 1) / o.batchSize();
        double bestTest = Double.POSITIVE_INFINITY;
        String lastGood = null;
        RunFiles files = new RunFiles(out, o, session.vae(), train.classNames());
        int firstEpoch = 1;
        if (resume != null) {
            ResumeCheckpoint.Position p = resume.position();
            history.addAll(Metrics.readCsv(out.resolve("metrics.csv"), p.epoch() - 1));
            Metrics.writeCsv(out.resolve("metrics.csv"), history);   // drops rows written after this checkpoint
            for (EpochMetrics m : history) bestTest = Math.min(bestTest, m.testLoss());
            firstEpoch = p.epoch();
            trainNoise.restoreState(p.epochRng());
            lastGood = resume.file().toString();
            log.printf("resuming %s at epoch %d, batch %d of %d (step %d)%n", out, p.epoch(), p.batch() + 1, steps, p.step());
        }
        RunReport report = new RunReport(out, reportSettings(session, train), session.vae().latent());
        long totalSteps = (long) steps * o.epochs();

        for (int epoch = firstEpoch; epoch <= o.epochs(); epoch++) {
            byte[] epochRng = trainNoise.saveState();
            shuffle(order, trainNoise);
            double recon = 0, kl = 0;
            int firstBatch = 0;
            if (resume != null && epoch == firstEpoch && resume.position().batch() > 0) {
                ResumeCheckpoint.Position p = resume.position();
                trainNoise.restoreState(p.rng());
                firstBatch = p.batch();
                recon = p.reconSum();
                kl = p.klSum();
            }
            long t0 = System.nanoTime();
            try (Progress progress = Progress.start("epoch " + epoch + "/" + o.epochs(), steps, firstBatch, o.quiet())) {
                for (int s = firstBatch; s < steps; s++) {
                    int from = s * o.batchSize(), n = Math.min(o.batchSize(), train.count() - from);
                    if (session.step() + 1 == poisonStep) {
                        java.util.Arrays.fill(session.workspace().params(), Float.NaN);
                        session.backend().pushState();
                    }
                    float klWeight = (float) (o.beta() * o.kl().factor(session.step(), steps, totalSteps));
                    VaeSession.Losses l = stepRunner.step(session, train.images(), order, from, n, o.lr(), klWeight, trainNoise);
                    if (!Double.isFinite(l.recon()) || !Double.isFinite(l.kl()) || !Float.isFinite(session.lastGradNorm()))
                        throw new TrainingDivergedException(epoch, session.step(),
                                "the loss became " + (Double.isFinite(l.recon() + l.kl()) ? "finite but the gradient norm is " + session.lastGradNorm() : l.recon() + l.kl()),
                                lastGood);
                    recon += l.recon();
                    kl += l.kl();
                    progress.step(String.format("loss %.2f", l.total(o.beta()) / n));
                    stepHookForTests.accept(session.step());
                    if (o.checkpointEvery() > 0 && session.step() % o.checkpointEvery() == 0 && s + 1 < steps) {
                        session.backend().pullState();
                        ResumeCheckpoint.save(out.resolve(ResumeCheckpoint.FILE), session, o, train.classNames(), new ResumeCheckpoint.Position(
                                epoch, s + 1, session.step(), epochRng, trainNoise.saveState(), recon, kl));
                        lastGood = out.resolve(ResumeCheckpoint.FILE).toString();
                    }
                }
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            float[] testCodes = new float[test.count() * 2 * session.vae().latent()];
            VaeSession.Losses t = session.evaluate(test.images(), test.count(), o.batchSize(), new Noise(o.seed() + 1), testCodes);
            // loss-independent numbers (z = mu), so runs with different --loss or --beta compare on one scale
            ReconMetrics rm = ReconMetrics.run(session, test.images(), test.count(), o.batchSize());
            int n = train.count();
            EpochMetrics m = new EpochMetrics(epoch, session.step(), (recon + o.beta() * kl) / n, recon / n, kl / n,
                    t.total(o.beta()) / t.count(), t.reconPerSample(), t.klPerSample(), session.lastGradNorm(),
                    n / seconds, seconds, rm.mse(), rm.bce(), rm.psnr());
            history.add(m);
            RunReport.Latents latents = RunReport.latents(testCodes, test.count(), session.vae().latent());
            log.printf("epoch %d/%d  train %.2f  test %.2f (recon %.2f + KL %.2f)  PSNR %.2f dB  %d/%d dims active  %,.0f img/s  %.1f s%n",
                    epoch, o.epochs(), m.trainLoss(), m.testLoss(), m.testRecon(), m.testKl(), m.testPsnr(), latents.active(),
                    session.vae().latent(), m.imagesPerSecond(), seconds);

            session.backend().pullState();
            files.writePictures(session, test, sampleZ, epoch);
            files.writeMetrics(history);
            report.writeEpoch(session, test, latents, history, epoch == o.epochs());
            files.writeCheckpoint("last", session, m);
            lastGood = files.checkpoint("last").toString();
            if (m.testLoss() < bestTest) {
                bestTest = m.testLoss();
                files.writeCheckpoint("best", session, m);
            }
            ResumeCheckpoint.save(out.resolve(ResumeCheckpoint.FILE), session, o, train.classNames(), new ResumeCheckpoint.Position(
                    epoch + 1, 0, session.step(), trainNoise.saveState(), null, 0, 0));
        }
        log.printf("done: best test loss %.2f; outputs in %s%n", bestTest, out);
    }

    /**
     * A fresh permutation, a function of the RNG state alone. Kept out of {@link #loop}: its 60,000
     * back-edges an epoch would make the JIT compile the whole loop method on stack, training step
     * inlined, which cost ~1.2 s of C2 time on a 2-core machine in the middle of a run.
     */
    private static void shuffle(int[] order, Noise noise) {
        for (int i = 0; i < order.length; i++) order[i] = i;
        noise.shuffle(order);
    }

    private void checkResumable(Dataset train) {
        ResumeCheckpoint.Position p = resume.position();
        int steps = (train.count() + o.batchSize() - 1) / o.batchSize();
        if (p.epoch() > o.epochs())
            throw new IllegalArgumentException("the run in " + o.out() + " has already trained all " + o.epochs()
                    + " epochs; pass a larger --epochs to continue it");
        if (p.batch() >= steps)
            throw new IllegalArgumentException(resume.file() + " stopped after batch " + p.batch() + " of an epoch, but "
                    + train.name() + " in " + o.dataDir() + " has only " + steps + " batches of " + o.batchSize()
                    + " (is it the same data set?)");
    }

    private void checkInputShape(Dataset d) {
        var in = o.spec().input();
        if (in.size() != d.dim())
            throw new IllegalArgumentException((resume != null ? "the checkpoint " + resume.file() + " is for another "
                    + "image size: " : "") + "the model expects inputs of " + in + " = " + in.size() + " values but "
                    + d.name() + " images are " + d.channels() + "x" + d.height() + "x" + d.width() + " = " + d.dim());
    }

    private static int[] concat(int[] a, int x) {
        int[] r = java.util.Arrays.copyOf(a, a.length + 1);
        r[a.length] = x;
        return r;
    }

    /** Architecture and settings for the report (the per-epoch keys of the checkpoint metadata left out). */
    private Map<String, String> reportSettings(VaeSession session, Dataset train) {
        Map<String, String> s = new LinkedHashMap<>(session.vae().spec().toMetadata());
        s.putAll(CheckpointMetadata.withClassNames(CheckpointMetadata.options(o), train.classNames()));
        s.put("train.out", o.out().toString());
        return s;
    }

    static boolean exists(Path p) { return Files.exists(p); }
}
