package tornadovae.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tornadovae.cli.DeviceComparison.Result;
import tornadovae.engine.Backends;
import tornadovae.io.AtomicFiles;
import tornadovae.io.data.IdxReader;
import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.Backend;
import tornadovae.model.Loss;
import tornadovae.model.Shape;
import tornadovae.model.VaeSpec;

@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compare devices: time the same training steps on the JVM backend and on every TornadoVM device.",
                "The steps are the same everywhere (same seed, parameters, batches and noise); the result is a Markdown table (and CSV with --csv).",
                "It reports the median ms/step, images/s, GFLOP/s, kernel launches and bytes moved per step, and the loss after the steps with its largest relative difference from the JVM backend's.",
                "With --profile, a second table splits each backend's step into its ops."})
final class BenchCommand implements Callable<Integer> {
    /** Losses further than this from the JVM backend's (relative, any step) are flagged. */
    static final double LOSS_TOLERANCE = 1e-3;
    /** TornadoBackend.FAMILY_PROPERTY, which this module cannot name: it is compiled only with an SDK. */
    static final String FAMILY_PROPERTY = "tornadovae.tornado.family";

    @Option(names = "--model", defaultValue = "mlp,mnist-conv", split = ",",
            description = "architectures, as for train, one table row group each (default: ${DEFAULT-VALUE})")
    List<String> models;
    @Option(names = "--hidden", defaultValue = "400", split = ",", description = "hidden layer sizes (default: ${DEFAULT-VALUE})")
    int[] hidden;
    @Option(names = "--latent", description = "latent size (default: 20 for mlp, the preset's own for the others)")
    Integer latent;
    // rgb128-conv's step is ~60 times mnist-conv's work per image: at 128 images one step holds ~1.5 GiB of activations.
    @Option(names = "--batch-size", description = "images per training step (default: 128, and 64 for rgb128-conv)")
    Integer batchSizeOption;
    @Option(names = "--steps", defaultValue = "20", description = "timed training steps per device (default: ${DEFAULT-VALUE})")
    int steps;
    // The JVM backend needs ~100 steps before C2 has compiled the Vector API kernels: with 5 warm-up steps
    // the MLP step measured 117 ms instead of 7.7 ms. TornadoVM compiles its kernels in the first step.
    @Option(names = "--warmup", defaultValue = "100", description = "untimed steps first, until the JIT has compiled the JVM kernels; "
            + "TornadoVM compiles in the first (default: ${DEFAULT-VALUE})")
    int warmup;
    @Option(names = "--threads", description = "JVM backend threads (default: all cores)")
    Integer threads;
    @Option(names = "--seed", defaultValue = "1", description = "seed of the parameters, batches and noise, the same on every device (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--data-dir", description = "a folder with the MNIST files to take the batches from (default: synthetic MNIST-like images)")
    Path dataDir;
    @Option(names = "--csv", paramLabel = "FILE", description = "also write the table as CSV")
    Path csv;
    @Option(names = "--jvm-only", description = "skip the TornadoVM devices")
    boolean jvmOnly;
    @Option(names = "--kernels", defaultValue = "auto", split = ",", paramLabel = "FAMILY",
            description = "TornadoVM kernel families to run on every device: auto (cpu on a CPU device, gpu elsewhere), "
                    + "cpu (barrier-free vector kernels), gpu (local-memory tiles); several give one row each (default: ${DEFAULT-VALUE})")
    List<String> kernels;
    @Option(names = "--profile", description = "then run --steps more steps timing each op (TornadoVM: on the device, "
            + "by its profiler) and print each backend's time per op type")
    boolean profile;

    private int batchSize; // of the model being benched

    @Override
    public Integer call() throws IOException {
        if (steps < 1) throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        if (warmup < 0) throw new IllegalArgumentException("--warmup must not be negative, got " + warmup);
        if (batchSizeOption != null && batchSizeOption < 1)
            throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSizeOption);
        if (latent != null && latent < 1) throw new IllegalArgumentException("--latent must be at least 1, got " + latent);
        int threadCount = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        if (threadCount < 1) throw new IllegalArgumentException("--threads must be at least 1, got " + threadCount);
        if (csv != null) AtomicFiles.checkFolderWritable(csv);
        for (String model : models)
            if (!VaeSpec.MODELS.contains(model) || model.equals("conv"))
                throw new IllegalArgumentException("--model " + model + " is not one of mlp, " + String.join(", ", presets()));
            else if (dataDir != null && !spec(model).input().equals(Shape.of(1, 28, 28)))
                throw new IllegalArgumentException("--data-dir holds MNIST's 1×28×28 images, but " + model + " takes "
                        + spec(model).input() + " images: leave --data-dir out to bench it on synthetic images");
        for (String k : kernels)
            if (!List.of("auto", "cpu", "gpu").contains(k))
                throw new IllegalArgumentException("--kernels " + k + " is not one of auto, cpu, gpu");
        String why = jvmOnly ? "--jvm-only" : Backends.tornadoUnavailableReason();
        List<String> devices = why != null ? List.of() : Backends.tornadoDevices();

        PrintStream out = System.out;
        List<Row> rows = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        if (why != null) notes.add("TornadoVM is not listed: " + why + ".");
        Map<String, String> families = new LinkedHashMap<>(); // TornadoVM device (and forced family) → its kernels
        for (String model : models) {
            VaeSpec spec = spec(model);
            batchSize = batchSizeOption != null ? batchSizeOption : model.equals("rgb128-conv") ? 64 : 128;
            float[] images = images(spec);
            var bench = new DeviceComparison(spec, images, batchSize, warmup, steps, seed, profile);
            String shape = VaeSpec.isPreset(model) ? "latent " + spec.latent()
                    : spec.input().size() + "-" + joined(hidden) + "-" + spec.latent();
            out.printf(Locale.ROOT, "vae bench: %s %s, batch %d, %d timed steps after %d warm-up, seed %d, %s; %.3f GFLOP a step%n",
                    model, shape, batchSize, steps, warmup, seed,
                    dataDir != null ? "MNIST from " + dataDir : "synthetic " + spec.input() + " images", bench.flopsPerStep() / 1e9);
            Result jvm = bench.run(Backends.create("jvm", null, threadCount), "jvm", threadCount + " threads");
            rows.add(new Row(model, jvm, jvm));
            for (String line : devices)
                for (String family : kernels) {
                    String id = line.split(" ", 2)[0];
                    String label = "tornado " + id + (family.equals("auto") ? "" : " " + family);
                    String saved = System.getProperty(FAMILY_PROPERTY);
                    try {
                        if (family.equals("auto")) System.clearProperty(FAMILY_PROPERTY);
                        else System.setProperty(FAMILY_PROPERTY, family);
                        Backend backend = Backends.create("tornado", id, threadCount);
                        families.put(label, Backends.tornadoKernels(backend));
                        rows.add(new Row(model, bench.run(backend, label, line.split(" ", 2)[1]), jvm));
                    } catch (RuntimeException e) {
                        notes.add("TornadoVM device " + line + " failed on " + model + " with " + family + " kernels: " + e.getMessage());
                    } finally {
                        if (saved == null) System.clearProperty(FAMILY_PROPERTY);
                        else System.setProperty(FAMILY_PROPERTY, saved);
                    }
                }
        }
        out.println();

        out.println("| model | backend | device | ms/step (median) | images/s | GFLOP/s | launches/step | KiB in/step | KiB out/step | setup s | loss after " + (warmup + steps) + " steps | max rel. diff vs jvm |");
        out.println("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for (Row row : rows) {
            Result r = row.result();
            double diff = r.maxRelativeDifference(row.jvm());
            out.printf(Locale.ROOT, "| %s | %s | %s | %.2f | %.0f | %.1f | %d | %.1f | %.1f | %.1f | %.4f | %.1e%s |%n",
                    row.model(), r.backend(), r.device(), r.medianMs(), r.imagesPerSecond(), r.gflops(), r.stats().launches(),
                    r.stats().bytesIn() / 1024.0, r.stats().bytesOut() / 1024.0, r.setupSeconds(), r.finalLoss(), diff,
                    diff > LOSS_TOLERANCE ? " **MISMATCH**" : "");
            if (diff > LOSS_TOLERANCE)
                notes.add(r.backend() + " on " + row.model() + ": its losses differ from the JVM backend's by more than "
                        + LOSS_TOLERANCE + " (relative); its speed is not comparable.");
        }
        out.println();
        for (var e : families.entrySet())
            out.println(e.getKey() + " runs the " + e.getValue() + " kernels (by default cpu on a CPU device, gpu elsewhere; --kernels picks).");
        for (String n : notes) out.println(n);
        out.println("Setup = building the plans plus the warm-up steps (TornadoVM compiles its kernels there). "
                + "Bytes are what each step copies between host and device; the JVM backend copies nothing.");
        if (profile) ProfileTable.print(out, rows);
        if (csv != null) {
            AtomicFiles.writeString(csv, csv(rows));
            out.println("wrote " + csv);
        }
        return 0;
    }

    private VaeSpec spec(String model) {
        return VaeSpec.isPreset(model) ? VaeSpec.preset(model, latent != null ? latent : 0, ActivationKind.RELU, Loss.BCE)
                : new VaeSpec(model, Shape.of(1, 28, 28), hidden, latent != null ? latent : 20, ActivationKind.RELU, 0.2f, Loss.BCE);
    }

    /** At most 16 batches and, for big images, at most ~64 MB of them (rgb128-conv: 5 batches of 64). */
    private float[] images(VaeSpec spec) throws IOException {
        int batchesInMemory = (int) Math.max(1, Math.min(16, (16L << 20) / ((long) batchSize * spec.input().size())));
        int n = Math.max(batchSize, Math.min(warmup + steps, batchesInMemory) * batchSize);
        if (dataDir == null) return DeviceComparison.syntheticImages(n, spec.input().size(), seed);
        if (!IdxReader.hasMnistFiles(dataDir))
            throw new IllegalArgumentException("--data-dir " + dataDir + " has no MNIST files (train-images-idx3-ubyte and friends)");
        var data = IdxReader.loadMnist(dataDir, true);
        if (data.count() < batchSize)
            throw new IllegalArgumentException("--data-dir " + dataDir + " holds " + data.count() + " images, fewer than --batch-size " + batchSize);
        return data.head(Math.min(n, data.count())).images();
    }

    private static String joined(int[] a) {
        StringBuilder b = new StringBuilder();
        for (int x : a) b.append(b.isEmpty() ? "" : "-").append(x);
        return b.toString();
    }

    /** One line of the table: a model's result on one backend, and the JVM backend's for the same model. */
    record Row(String model, Result result, Result jvm) {}

    private static List<String> presets() {
        return VaeSpec.MODELS.stream().filter(VaeSpec::isPreset).toList();
    }

    static String csv(List<Row> rows) {
        StringBuilder b = new StringBuilder("model,backend,device,ms_per_step_median,images_per_s,gflops,launches_per_step,"
                + "bytes_in_per_step,bytes_out_per_step,setup_s,final_loss,max_rel_diff_vs_jvm\n");
        for (Row row : rows) {
            Result r = row.result();
            b.append(String.format(Locale.ROOT, "%s,%s,\"%s\",%.4f,%.1f,%.3f,%d,%d,%d,%.3f,%.6f,%.3e%n", row.model(), r.backend(),
                    r.device().replace("\"", "\"\""), r.medianMs(), r.imagesPerSecond(), r.gflops(), r.stats().launches(),
                    r.stats().bytesIn(), r.stats().bytesOut(), r.setupSeconds(), r.finalLoss(), r.maxRelativeDifference(row.jvm())));
        }
        return b.toString();
    }
}
