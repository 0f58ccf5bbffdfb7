package tornadovae.trainer;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tornadovae.engine.Augmentation;
import tornadovae.engine.Backends;
import tornadovae.engine.Datasets;
import tornadovae.engine.MemoryBudget;
import tornadovae.engine.Noise;
import tornadovae.engine.ReconMetrics;
import tornadovae.engine.Tables;
import tornadovae.engine.TrainingLoop;
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
        Dataset train, test;
        if (o.dataset().equals(Datasets.CSV)) {
            // the scaler is fitted on the training rows and goes into every checkpoint, to be applied again at load
            Tables.Split split = Tables.load(o.dataDir(), o.table(), o.scale(), log::println);
            o = o.withScaler(split.scaler());
            train = head(split.train(), o.limit());
            test = head(split.test(), o.testLimit());
        } else {
            train = head(Datasets.load(o.dataset(), o.dataDir(), true, o.imageFolder(), log::println), o.limit());
            test = head(Datasets.load(o.dataset(), o.dataDir(), false, o.imageFolder(), log::println), o.testLimit());
        }
        // every reader refuses an empty file itself, naming it; this is the guard for a reader that does not
        for (Dataset d : new Dataset[]{train, test})
            if (d.count() == 0)
                throw new IllegalArgumentException("the " + (d == train ? "training" : "test") + " split of " + d.name()
                        + " in " + o.dataDir() + " has no images");
        // a crop decides the model's image size; the test images get the centred crop, the training images theirs
        Augmentation aug = o.augment();
        if (aug.crop() != Augmentation.Crop.NONE) {
            if (aug.cropSize() > train.height() || aug.cropSize() > train.width())
                throw new IllegalArgumentException("--crop " + aug.cropName() + " does not fit in the " + train.height() + "×"
                        + train.width() + " images of " + train.name() + (o.dataset().equals("folder") ? " (see --image-size)" : ""));
            test = test.centerCrop(aug.cropSize());
            if (aug.crop() == Augmentation.Crop.CENTER) train = train.centerCrop(aug.cropSize());
        }
        // the data set (or the crop) decides the image shape; a preset whose fixed sizes do not fit stops here, naming the layer
        Shape shape = Shape.of(test.channels(), test.height(), test.width());
        if (resume != null) {
            checkInputShape(train, shape);   // a checkpoint's model is fixed: the data must fit it
            checkResumable(train);
        }
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
        log.printf("%s: %,d training and %,d test images of %dx%dx%d%s%n", o.dataset(), train.count(), test.count(),
                test.channels(), test.height(), test.width(), augmentationNote(train));
        log.print(vae.layerTable());

        int b = o.batchSize();
        int[] trainBatches = VaeSession.batchSizes(train.count(), b);
        int[] evalBatches = concat(VaeSession.batchSizes(test.count(), b), Math.min(Pictures.RECON_COUNT, test.count()));
        // the data is in memory already (as floats, 8-bit pixels, or mapped outside the heap): the workspace must fit
        // beside it, and beside the test set's codes, kept each epoch
        int maxBatch = Math.max(Pictures.SAMPLE_COUNT, Math.max(trainBatches[0], evalBatches[0]));  // VaeSession's largest plan
        MemoryBudget.check(vae, maxBatch, o.mcSamples(), train.pixels().heapBytes() + test.pixels().heapBytes()
                + MemoryBudget.dataBytes(test.count(), 2 * vae.latent()));
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
        // a centre crop was applied to the data already; a random one is drawn step by step
        Augmentation stepAug = o.augment().crop() == Augmentation.Crop.CENTER
                ? new Augmentation(o.augment().hflip(), Augmentation.Crop.NONE, 0) : o.augment();
        float[] sampleZ = new float[Pictures.SAMPLE_COUNT * session.vae().latent()];
        new Noise(o.seed() ^ 0x5A5A_5A5AL).gaussian(sampleZ, 0, sampleZ.length);
        int steps = (train.count() + o.batchSize() - 1) / o.batchSize();
        RunFiles files = new RunFiles(out, o, session.vae(), train.classNames());
        TrainingLoop.Start start = TrainingLoop.Start.FRESH;
        double[] bestTest = {Double.POSITIVE_INFINITY};
        String[] lastGood = {null};
        if (resume != null) {
            ResumeCheckpoint.Position p = resume.position();
            history.addAll(Metrics.readCsv(out.resolve("metrics.csv"), p.epoch() - 1));
            Metrics.writeCsv(out.resolve("metrics.csv"), history);   // drops rows written after this checkpoint
            for (EpochMetrics m : history) bestTest[0] = Math.min(bestTest[0], m.testLoss());
            start = new TrainingLoop.Start(p.epoch(), p.batch(), p.epochRng(), p.rng(), p.reconSum(), p.klSum());
            lastGood[0] = resume.file().toString();
            log.printf("resuming %s at epoch %d, batch %d of %d (step %d)%n", out, p.epoch(), p.batch() + 1, steps, p.step());
        }
        RunReport report = new RunReport(out, reportSettings(session, train), session.vae().latent());
        var settings = new TrainingLoop.Settings(o.epochs(), o.batchSize(), o.lr(), o.beta(), o.kl(), o.seed(), o.quiet());
        TrainingLoop.run(session, trainingRows(train, stepAug), test.pixels(),
                settings, start, new TrainingLoop.Listener() {
            @Override public void beforeStep(VaeSession s) {
                if (s.step() + 1 == poisonStep) {
                    java.util.Arrays.fill(s.workspace().params(), Float.NaN);
                    s.backend().pushState();
                }
            }

            @Override public void afterStep(VaeSession s, int epoch, int batch, int steps, byte[] epochRng, Noise noise,
                                            double recon, double kl) throws IOException {
                stepHookForTests.accept(s.step());
                if (o.checkpointEvery() > 0 && s.step() % o.checkpointEvery() == 0 && batch + 1 < steps) {
                    s.backend().pullState();
                    ResumeCheckpoint.save(out.resolve(ResumeCheckpoint.FILE), s, o, train.classNames(), new ResumeCheckpoint.Position(
                            epoch, batch + 1, s.step(), epochRng, noise.saveState(), recon, kl));
                    lastGood[0] = out.resolve(ResumeCheckpoint.FILE).toString();
                }
            }

            @Override public boolean afterEpoch(VaeSession s, TrainingLoop.Epoch e, Noise noise) throws IOException {
                endEpoch(s, e, test, sampleZ, files, report);
                lastGood[0] = files.checkpoint("last").toString();
                if (history.getLast().testLoss() < bestTest[0]) {
                    bestTest[0] = history.getLast().testLoss();
                    files.writeCheckpoint("best", s, history.getLast());
                }
                ResumeCheckpoint.save(out.resolve(ResumeCheckpoint.FILE), s, o, train.classNames(), new ResumeCheckpoint.Position(
                        e.epoch() + 1, 0, s.step(), noise.saveState(), null, 0, 0));
                return true;
            }

            @Override public RuntimeException diverged(int epoch, long step, String what) {
                return new TrainingDivergedException(epoch, step, what, lastGood[0]);
            }
        });
        log.printf("done: best test loss %.2f; outputs in %s%n", bestTest[0], out);
    }

    /** An epoch's metrics, log line, pictures, report and last checkpoint. */
    /**
     * The training images as the loop reads them: through the local session (converted and augmented batch by batch),
     * or through another step runner (the spark module's), which takes the float images whole.
     */
    private TrainingLoop.Rows trainingRows(Dataset train, Augmentation stepAug) {
        if (stepRunner == StepRunner.LOCAL) return TrainingLoop.Rows.of(train.pixels(), stepAug);
        if (!train.holdsFloats() || stepAug.random() || stepAug.crop() != Augmentation.Crop.NONE)
            throw new IllegalArgumentException("data-parallel training takes images held as floats and no --augment or random "
                    + "--crop: leave out --image-cache, --augment and --crop random:S");
        float[] images = train.images();
        TrainingLoop.Rows floats = TrainingLoop.Rows.of(images, train.count(), train.dim());
        return new TrainingLoop.Rows() {
            public int count() { return floats.count(); }
            public void copy(int[] order, int from, int n, float[] dst) { floats.copy(order, from, n, dst); }
            @Override public VaeSession.Losses step(VaeSession session, int[] order, int from, int n, float lr, float klWeight,
                                                     Noise noise, float[] batch) {
                return stepRunner.step(session, images, order, from, n, lr, klWeight, noise);
            }
        };
    }

    private void endEpoch(VaeSession session, TrainingLoop.Epoch e, Dataset test, float[] sampleZ, RunFiles files,
                          RunReport report) throws IOException {
        VaeSession.Losses t = e.test();
        ReconMetrics rm = e.testMetrics();
        int n = e.trainCount();
        EpochMetrics m = new EpochMetrics(e.epoch(), e.step(), (e.trainRecon() + o.beta() * e.trainKl()) / n, e.trainRecon() / n,
                e.trainKl() / n, t.total(o.beta()) / t.count(), t.reconPerSample(), t.klPerSample(), e.gradNorm(),
                n / e.seconds(), e.seconds(), rm.mse(), rm.bce(), rm.psnr());
        history.add(m);
        RunReport.Latents latents = RunReport.latents(e.testCodes(), test.count(), session.vae().latent());
        log.printf("epoch %d/%d  train %.2f  test %.2f (recon %.2f + KL %.2f)  PSNR %.2f dB  %d/%d dims active  %,.0f img/s  %.1f s%n",
                e.epoch(), o.epochs(), m.trainLoss(), m.testLoss(), m.testRecon(), m.testKl(), m.testPsnr(), latents.active(),
                session.vae().latent(), m.imagesPerSecond(), e.seconds());
        // the data pipeline's share: reading and converting (and augmenting) the batches, inside the steps' time
        log.printf("epoch %d/%d  making batches took %.2f s of the %.1f s (%.1f%%)%n", e.epoch(), o.epochs(), e.loadSeconds(),
                e.seconds(), 100 * e.loadSeconds() / e.seconds());
        session.backend().pullState();
        files.writePictures(session, test, sampleZ, e.epoch());
        files.writeMetrics(history);
        report.writeEpoch(session, test, latents, history, e.epoch() == o.epochs());
        files.writeCheckpoint("last", session, m);
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

    private void checkInputShape(Dataset d, Shape shape) {
        var in = o.spec().input();
        if (in.size() != shape.size())
            throw new IllegalArgumentException((resume != null ? "the checkpoint " + resume.file() + " is for another "
                    + "image size: " : "") + "the model expects inputs of " + in + " = " + in.size() + " values but "
                    + d.name() + " images are " + shape.toString().replace('×', 'x') + " = " + shape.size() + (o.augment().crop() != Augmentation.Crop.NONE
                    ? " (--crop " + o.augment().cropName() + ")" : ""));
    }

    /** ", random crops of 112x112 from 128x128, random flips" or "", for the first line of a run. */
    private String augmentationNote(Dataset train) {
        Augmentation a = o.augment();
        String s = switch (a.crop()) {
            case NONE -> "";
            case CENTER -> ", centre crops";
            case RANDOM -> ", random crops from " + train.height() + "x" + train.width();
        };
        return s + (a.hflip() ? ", random horizontal flips" : "");
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
