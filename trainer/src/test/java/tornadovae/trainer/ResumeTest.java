package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.cli.VaeCommand;
import tornadovae.engine.Backends;
import tornadovae.engine.Checkpoints;
import tornadovae.io.safetensors.Safetensors;

/**
 * Resume: a run killed with SIGKILL in the middle of an epoch and resumed gives the uninterrupted run's losses
 * and parameters bit for bit (JVM backend, any thread count).
 */
class ResumeTest {
    @TempDir static Path tmp;
    static Path data, reference;

    /** 300 images in batches of 32: 10 steps an epoch, the last one partial. */
    static List<String> args(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data-dir", data.toString(), "--epochs", "3", "--batch-size", "32",
                "--hidden", "64", "--latent", "4", "--quiet", "--seed", "7", "--threads", "2", "--checkpoint-every", "3"));
        if (out != null) a.addAll(List.of("--out", out.toString()));
        a.addAll(List.of(more));
        return a;
    }

    static int vae(List<String> args) { return vae(args.toArray(String[]::new)); }

    static int vae(String... args) {
        PrintStream old = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream()));
        try {
            return VaeCommand.execute(args);
        } finally {
            System.setOut(old);
        }
    }

    static String read(Path log) {
        try {
            return Files.readString(log);
        } catch (java.io.IOException e) {
            return "(no log: " + e + ")";
        }
    }

    static String vaeError(String... args) {
        StringWriter err = new StringWriter();
        PrintStream old = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream()));
        try {
            assertEquals(1, VaeCommand.execute(new PrintWriter(err, true), args), err.toString());
        } finally {
            System.setOut(old);
        }
        return err.toString();
    }

    @BeforeAll
    static void uninterruptedRun() throws Exception {
        data = TinyMnist.write(tmp.resolve("data"), 300, 64);
        reference = tmp.resolve("reference");
        assertEquals(0, vae(args(reference)));
    }

    /** Losses only: the images/s and seconds columns differ run to run. */
    static List<String> losses(Path run) throws Exception {
        return Files.readAllLines(run.resolve("metrics.csv")).stream()
                .map(l -> String.join(",", List.of(l.split(",")).subList(0, 9))).toList();
    }

    static void assertSameRun(Path run) throws Exception {
        assertEquals(losses(reference), losses(run), "the same losses, epoch by epoch");
        for (String f : List.of("last.safetensors", "best.safetensors")) {
            float[] want = Checkpoints.load(reference.resolve(f)).params(), got = Checkpoints.load(run.resolve(f)).params();
            assertArrayEquals(want, got, f + ": the same parameters bit for bit");
        }
        var want = Checkpoints.loadWith(reference.resolve(ResumeCheckpoint.FILE), ResumeCheckpoint.ADAM_M, ResumeCheckpoint.ADAM_V);
        var got = Checkpoints.loadWith(run.resolve(ResumeCheckpoint.FILE), ResumeCheckpoint.ADAM_M, ResumeCheckpoint.ADAM_V);
        assertArrayEquals(want.arenas().get(ResumeCheckpoint.ADAM_M), got.arenas().get(ResumeCheckpoint.ADAM_M), "Adam m");
        assertArrayEquals(want.arenas().get(ResumeCheckpoint.ADAM_V), got.arenas().get(ResumeCheckpoint.ADAM_V), "Adam v");
        try (var files = Files.list(run)) {
            assertTrue(files.noneMatch(p -> p.getFileName().toString().contains(".tmp-")), "no temporary files left");
        }
    }

    @Test
    void killedMidEpochInAnotherJvmAndResumedGivesTheUninterruptedRun() throws Exception {
        Path run = tmp.resolve("killed");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-Xmx512m", "-cp", System.getProperty("java.class.path"),
                SlowTrainMain.class.getName()));
        cmd.addAll(args(run));
        Path log = tmp.resolve("child.log");
        Process child = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Map<String, String> seen = null;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (seen == null) {
                assertTrue(child.isAlive(), () -> "the child ended before a mid-epoch checkpoint of epoch 2: " + read(log));
                assertTrue(System.nanoTime() < deadline, () -> "no mid-epoch checkpoint after 60 s: " + read(log));
                Path f = run.resolve(ResumeCheckpoint.FILE);
                if (Files.exists(f)) {
                    Map<String, String> m = Safetensors.readHeader(f).metadata();
                    if (Integer.parseInt(m.get("resume.epoch")) == 2 && Integer.parseInt(m.get("resume.batch")) > 0) seen = m;
                }
                if (seen == null) Thread.sleep(5);
            }
            // while the child trains into the folder, no second training may write there
            String err = vaeError("train", "--resume", run.toString(), "--quiet");
            assertTrue(err.contains("is in use by another training (process " + child.pid() + ")"), err);
            assertTrue(child.isAlive(), "the refused resume left the running child alone");
        } finally {
            child.destroyForcibly();   // SIGKILL
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        assertNotEquals(0, child.exitValue(), "killed, not finished");
        assertFalse(Files.readString(run.resolve("metrics.csv")).contains("\n3,"), "killed before epoch 3");

        assertEquals(0, vae("train", "--resume", run.toString(), "--quiet", "--threads", "1"));
        assertSameRun(run);
    }

    /** A run that blows up (NaN) in its first epoch resumes from the mid-epoch checkpoint before the blow-up. */
    @Test
    void aRunThatDivergedInItsFirstEpochResumesFromTheCheckpointBefore() throws Exception {
        Path run = tmp.resolve("diverged");
        var spec = new tornadovae.model.VaeSpec("mlp", tornadovae.model.Shape.of(1, 28, 28), new int[]{64}, 4,
                tornadovae.kernels.ActivationKind.RELU, 0.2f, tornadovae.model.Loss.BCE);
        TrainOptions o = new TrainOptions("mnist", data, spec, 3, 32, 1e-3f, 1f, tornadovae.model.Optimizer.adam(), 7, "jvm",
                null, 2, run, true);
        Trainer t = new Trainer(o, new PrintStream(new ByteArrayOutputStream())).checkpointEvery(3);
        t.poisonParametersAtStep(5);
        var e = assertThrows(TrainingDivergedException.class, t::run);
        assertTrue(e.getMessage().contains(ResumeCheckpoint.FILE), e.getMessage());
        assertEquals("1", Safetensors.readHeader(run.resolve(ResumeCheckpoint.FILE)).metadata().get("resume.epoch"));
        assertEquals("3", Safetensors.readHeader(run.resolve(ResumeCheckpoint.FILE)).metadata().get("resume.batch"));
        assertEquals(0, vae("train", "--resume", run.toString(), "--quiet"));
        assertSameRun(run);
    }

    @Test
    void aFinishedRunExtendedWithMoreEpochsGivesTheLongerRun() throws Exception {
        Path run = tmp.resolve("extended");
        List<String> two = args(run);
        two.set(two.indexOf("--epochs") + 1, "2");
        assertEquals(0, vae(two));
        String err = vaeError("train", "--resume", run.toString());
        assertTrue(err.contains("already trained all 2 epochs"), err);
        assertEquals(0, vae("train", "--resume", run.toString(), "--epochs", "3", "--quiet", "--seed", "7"));
        assertSameRun(run);
    }

    /**
     * On TornadoVM (where an SDK is installed) resume pushes the loaded parameters and Adam state to the
     * device: one epoch, then resumed to two, follows the uninterrupted two-epoch TornadoVM run. Checked
     * to a tolerance, not bit for bit: bit equality is only claimed for the JVM backend.
     */
    @Test
    void aTornadoRunResumedOnTheDeviceFollowsTheUninterruptedTornadoRun() throws Exception {
        String reason = Backends.tornadoUnavailableReason();
        if (reason != null) System.out.println("ResumeTest tornado resume skipped: " + reason);
        org.junit.jupiter.api.Assumptions.assumeTrue(reason == null, reason);
        Path whole = tmp.resolve("tornado-whole"), resumed = tmp.resolve("tornado-resumed");
        List<String> two = args(whole, "--backend", "tornado"), one = args(resumed, "--backend", "tornado");
        two.set(two.indexOf("--epochs") + 1, "2");
        one.set(one.indexOf("--epochs") + 1, "1");
        assertEquals(0, vae(two));
        assertEquals(0, vae(one));
        assertEquals(0, vae("train", "--resume", resumed.toString(), "--epochs", "2", "--backend", "tornado", "--quiet"));
        List<String> want = losses(whole), got = losses(resumed);
        assertEquals(want.size(), got.size(), "rows of metrics.csv");
        for (int row = 1; row < want.size(); row++) {
            String[] w = want.get(row).split(","), g = got.get(row).split(",");
            for (int col = 2; col < w.length; col++)   // past epoch and step: the losses and the gradient norm
                assertEquals(Double.parseDouble(w[col]), Double.parseDouble(g[col]), 1e-5 * Math.abs(Double.parseDouble(w[col])),
                        "metrics.csv row " + row + " column " + col);
        }
        float[] a = Checkpoints.load(whole.resolve("last.safetensors")).params(), b = Checkpoints.load(resumed.resolve("last.safetensors")).params();
        double maxDiff = 0;
        for (int i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
        assertTrue(maxDiff < 1e-5, "largest parameter difference " + maxDiff);
    }

    @Test
    void contradictingOptionsAreRefused() throws Exception {
        String err = vaeError("train", "--resume", reference.toString(), "--lr", "0.01", "--epochs", "4");
        assertTrue(err.contains("--lr 0.01 contradicts") && err.contains("--lr 0.001"), err);
        err = vaeError("train", "--resume", reference.toString(), "--hidden", "32");
        assertTrue(err.contains("--hidden 32 contradicts") && err.contains("--hidden 64"), err);
        err = vaeError("train", "--resume", reference.toString(), "--out", tmp.resolve("x").toString());
        assertTrue(err.contains("--out cannot be combined with --resume"), err);
        err = vaeError("train", "--resume", tmp.resolve("nowhere").toString());
        assertTrue(err.contains("nowhere") && err.contains("not a folder"), err);
    }

    @Test
    void corruptedOrForeignCheckpointsAreRefused() throws Exception {
        Path run = tmp.resolve("corrupt");
        Files.createDirectories(run);
        byte[] good = Files.readAllBytes(reference.resolve(ResumeCheckpoint.FILE));

        byte[] flipped = good.clone();
        flipped[flipped.length - 100] ^= 0x10;   // a bit of Adam's v
        Files.write(run.resolve(ResumeCheckpoint.FILE), flipped);
        String err = vaeError("train", "--resume", run.toString());
        assertTrue(err.contains(ResumeCheckpoint.FILE) && err.contains("checksum does not match"), err);

        Files.write(run.resolve(ResumeCheckpoint.FILE), java.util.Arrays.copyOf(good, good.length - 7));
        err = vaeError("train", "--resume", run.toString());
        assertTrue(err.contains(ResumeCheckpoint.FILE) && err.contains("truncated"), err);

        // a checkpoint whose metadata claims another architecture than its tensors hold
        String text = new String(good, java.nio.charset.StandardCharsets.ISO_8859_1).replace("\"hidden\":\"64\"", "\"hidden\":\"65\"");
        Files.write(run.resolve(ResumeCheckpoint.FILE), text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
        err = vaeError("train", "--resume", run.toString());
        assertTrue(err.contains(ResumeCheckpoint.FILE) && err.contains("checksum"), err);
    }
}
