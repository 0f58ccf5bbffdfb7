package tornadovae.cli;

import static org.junit.jupiter.api.Assertions.*;
import static tornadovae.trainer.CliRun.vae;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.engine.Backends;
import tornadovae.trainer.CliRun.Result;

/** `vae bench` through the CLI on a tiny model: the JVM row always, TornadoVM rows only where this JVM has it. */
class BenchCommandTest {
    private static final String[] TINY = {"bench", "--model", "mlp", "--hidden", "32", "--latent", "4", "--steps", "3",
            "--warmup", "1", "--batch-size", "16", "--threads", "1"};


    /** base with each option of more set to its value (replacing it where base has it: picocli rejects repeats). */
    private static String[] with(String[] base, String... more) {
        List<String> all = new java.util.ArrayList<>(List.of(base));
        for (int i = 0; i < more.length; i += 2) {
            int at = all.indexOf(more[i]);
            if (at >= 0) all.set(at + 1, more[i + 1]);
            else { all.add(more[i]); all.add(more[i + 1]); }
        }
        return all.toArray(String[]::new);
    }

    @Test
    void benchesAPresetByName() {
        Result r = vae("bench", "--model", "mnist-conv", "--steps", "1", "--warmup", "0", "--batch-size", "4", "--threads", "1", "--jvm-only");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("| mnist-conv | jvm |"), r.out());
    }

    /** The default compares the MLP and mnist-conv; each model's rows are compared with its own JVM row. */
    @Test
    void severalModelsShareOneTable() {
        Result r = vae("bench", "--model", "mlp,mnist-conv", "--hidden", "32", "--steps", "1", "--warmup", "0", "--batch-size", "4",
                "--threads", "1", "--jvm-only");
        assertEquals(0, r.code(), r.err() + r.out());
        List<String> rows = r.out().lines().filter(l -> l.matches("\\| [a-z-]+ \\| jvm \\|.*")).toList();
        assertEquals(2, rows.size(), r.out());
        assertTrue(rows.get(0).startsWith("| mlp | jvm |") && rows.get(1).startsWith("| mnist-conv | jvm |"), r.out());
        assertEquals(1, r.out().lines().filter(l -> l.startsWith("| model | backend")).count(), "one table: " + r.out());
        assertEquals(2, r.out().lines().filter(l -> l.startsWith("vae bench: ")).count(), "a line per model: " + r.out());
    }

    @Test
    void printsTheTableAndWritesTheCsv(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("bench.csv");
        Result r = vae(with(TINY, "--csv", csv.toString()));
        assertEquals(0, r.code(), r.err() + r.out());
        String header = r.out().lines().filter(l -> l.startsWith("| model | backend")).findFirst().orElseThrow(() -> new AssertionError(r.out()));
        for (String col : new String[]{"ms/step (median)", "images/s", "GFLOP/s", "launches/step", "KiB in/step",
                "KiB out/step", "loss after 4 steps", "max rel. diff vs jvm"})
            assertTrue(header.contains(col), col + " missing from " + header);
        List<String> rows = r.out().lines().filter(l -> l.startsWith("| mlp | jvm") || l.startsWith("| mlp | tornado")).toList();
        assertTrue(rows.getFirst().startsWith("| mlp | jvm | 1 threads |"), r.out());
        if (Backends.tornadoUnavailableReason() != null) {
            assertEquals(1, rows.size(), r.out());
            assertTrue(r.out().contains("TornadoVM is not listed: "), r.out());
        }
        // The JVM row is its own reference: a difference of exactly zero, and a finite loss.
        String[] jvm = rows.getFirst().split("\\|");
        assertEquals("0.0e+00", jvm[12].trim());
        assertTrue(Double.parseDouble(jvm[11].trim()) > 0);

        List<String> lines = Files.readAllLines(csv);
        assertTrue(lines.getFirst().startsWith("model,backend,device,ms_per_step_median,"), lines.getFirst());
        assertEquals(1 + rows.size(), lines.size(), String.join("\n", lines));
        assertTrue(lines.get(1).startsWith("mlp,jvm,\"1 threads\","), lines.get(1));
        try (var files = Files.list(dir)) {
            assertEquals(List.of(csv), files.toList(), "no temporary files left behind");
        }
    }

    /**
     * --profile adds a table of each backend's ops. The ops are timed inside the steps, so together they take no
     * longer than the step; at this size the SGEMMs dominate, so they are most of it (the rest is the host's work
     * between ops: the batch, the noise). The calls are the launches of the main table.
     */
    @Test
    void profileSplitsTheStepIntoOps() {
        Result r = vae(with(TINY, "--hidden", "400", "--profile", "--jvm-only"));
        assertEquals(0, r.code(), r.err() + r.out());
        List<String[]> ops = r.out().lines().filter(l -> l.startsWith("| mlp | jvm | ") && l.split("\\|").length == 8)
                .map(l -> l.split("\\|")).toList();
        assertTrue(ops.size() > 5, r.out());
        List<String> kinds = ops.stream().map(c -> c[3].trim()).toList();
        for (String kind : new String[]{"sgemm", "biasAdd", "reconLoss", "adam", "all ops", "step (mean)"})
            assertTrue(kinds.contains(kind), kind + " missing: " + r.out());
        double sum = 0, calls = 0;
        for (String[] c : ops.subList(0, ops.size() - 2)) {
            sum += Double.parseDouble(c[5].trim());
            calls += Double.parseDouble(c[4].trim());
        }
        String[] all = ops.get(ops.size() - 2), step = ops.getLast();
        double allMs = Double.parseDouble(all[5].trim()), stepMs = Double.parseDouble(step[5].trim());
        assertEquals(allMs, sum, 0.002 * ops.size(), "the ops add up to 'all ops' (each rounded to 0.001 ms)");
        // the ops are timed inside the step, so they cannot add up to more (how much less depends on the machine's load)
        assertTrue(allMs <= stepMs * 1.01 + 0.002, "ops " + allMs + " ms of a " + stepMs + " ms step");
        String main = r.out().lines().filter(l -> l.startsWith("| mlp | jvm | 1 threads |")).findFirst().orElseThrow();
        assertEquals(Double.parseDouble(main.split("\\|")[7].trim()), calls, 1e-9, "calls/step are the launches/step: " + r.out());
        assertEquals(calls, Double.parseDouble(all[4].trim()), 1e-9);
    }

    /** The 3×128×128 preset runs (at a tiny batch here: its default of 64 takes seconds a step). */
    @Test
    void benchesTheRgb128Preset() {
        Result r = vae("bench", "--model", "rgb128-conv", "--steps", "1", "--warmup", "0", "--batch-size", "2", "--threads", "1",
                "--jvm-only", "--profile");
        assertEquals(0, r.code(), r.err() + r.out());
        assertTrue(r.out().contains("| rgb128-conv | jvm |"), r.out());
        assertTrue(r.out().contains("rgb128-conv latent 128, batch 2,") && r.out().contains("synthetic 3×128×128 images"), r.out());
        for (String kind : new String[]{"conv2d", "conv2dWeightGrad", "convTranspose2d", "convTranspose2dInputGrad"})
            assertTrue(r.out().contains("| rgb128-conv | jvm | " + kind + " |"), kind + " missing: " + r.out());
    }

    @Test
    void theSameSeedGivesTheSameLosses() {
        var spec = new tornadovae.model.VaeSpec("mlp", tornadovae.model.Shape.of(1, 28, 28), new int[]{32}, 4,
                tornadovae.kernels.ActivationKind.RELU, 0.2f, tornadovae.model.Loss.BCE);
        float[] images = DeviceComparison.syntheticImages(32, 784, 5);
        var bench = new DeviceComparison(spec, images, 16, 1, 3, 5);
        var a = bench.run(Backends.create("jvm", null, 1), "jvm", "1");
        var b = bench.run(Backends.create("jvm", null, 2), "jvm", "2");
        assertEquals(4, a.losses().length);
        assertEquals(0.0, b.maxRelativeDifference(a), "the JVM backend is deterministic for any thread count");
        assertNotEquals(a.losses()[0], a.losses()[3], "training changed the loss");
        var ref = bench.run(Backends.create("reference", null, 1), "reference", "");
        double diff = ref.maxRelativeDifference(a);
        assertTrue(diff > 0 && diff < 1e-3, "reference vs jvm: " + diff);
    }

    @Test
    void badInputIsOneSentenceAndExitOne(@TempDir Path dir) {
        for (String[] bad : new String[][]{with(TINY, "--steps", "0"), with(TINY, "--model", "resnet"),
                with(TINY, "--batch-size", "0"), with(TINY, "--data-dir", dir.toString()),
                with(TINY, "--model", "rgb128-conv", "--data-dir", dir.toString()), with(TINY, "--latent", "0")}) {
            Path csv = dir.resolve("x.csv");
            Result r = vae(with(bad, "--csv", csv.toString()));
            assertEquals(1, r.code(), String.join(" ", bad) + ": " + r.out());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("vae: "), r.err());
            assertFalse(Files.exists(csv));
        }
    }
}
