package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.cli.VaeCommand;
import tornadovae.engine.Checkpoints;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.Loss;
import tornadovae.model.Optimizer;
import tornadovae.model.Shape;
import tornadovae.model.VaeSpec;

/** Every bad input gets one sentence naming the thing, a non-zero exit and no half-written output. */
class BadInputTest {
    @TempDir Path tmp;

    record Result(int code, String err) {}

    Result run(String... args) {
        StringWriter err = new StringWriter();
        int code = VaeCommand.execute(new PrintWriter(err, true), args);
        return new Result(code, err.toString());
    }

    Result train(Path data, String... extra) {
        String[] base = {"train", "--data-dir", data.toString(), "--epochs", "1", "--out", tmp.resolve("out").toString(), "--quiet"};
        String[] all = Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return run(all);
    }

    @Test
    void unknownOption() {
        Result r = run("train", "--latnet", "3");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--latnet"), r.err());
    }

    @Test
    void impossibleHyperparameters() throws Exception {
        Path data = TinyMnist.write(tmp.resolve("d"), 20, 10);
        Result r = train(data, "--latent", "0");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("latent size must be at least 1, got 0"), r.err());
        r = train(data, "--lr", "-0.1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--lr must be a positive number"), r.err());
        r = train(data, "--loss", "hinge");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown loss 'hinge'"), r.err());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written for a rejected command");
    }

    @Test
    void convShapesThatCannotFitAreRejectedBeforeTraining() throws Exception {
        Path data = TinyMnist.write(tmp.resolve("d"), 20, 10);
        Result r = train(data, "--model", "conv", "--channels", "4", "--kernel", "31", "--padding", "0");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("encoder.conv.0") && r.err().contains("1×28×28"), r.err());
        r = train(data, "--model", "rgb128-conv");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("encoder.conv.4") && r.err().contains("made for 3×128×128 images; mnist has 1×28×28"), r.err());
        r = train(data, "--model", "resnet");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("unknown model 'resnet'"), r.err());
        r = train(data, "--model", "mnist-conv", "--mc-samples", "0");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--mc-samples must be at least 1"), r.err());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written for a rejected command");
    }

    @Test
    void corruptAndTruncatedIdxFilesAreNamed() throws Exception {
        Path data = TinyMnist.write(tmp.resolve("d"), 20, 10);
        Path images = data.resolve("train-images-idx3-ubyte");
        byte[] good = Files.readAllBytes(images);
        byte[] bad = good.clone();
        bad[3] = 0x42; // magic
        Files.write(images, bad);
        Result r = train(data);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("train-images-idx3-ubyte") && r.err().toLowerCase().contains("magic"), r.err());
        Files.write(images, Arrays.copyOf(good, good.length - 100));
        r = train(data);
        assertEquals(1, r.code());
        assertTrue(r.err().contains("train-images-idx3-ubyte"), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one sentence: " + r.err());
        assertFalse(Files.exists(tmp.resolve("out")));
    }

    @Test
    void unwritableOutputFolder() throws Exception {
        Path data = TinyMnist.write(tmp.resolve("d"), 20, 10);
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        Result r = run("train", "--data-dir", data.toString(), "--epochs", "1", "--out", file.resolve("run").toString(), "--quiet");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("cannot create the run folder"), r.err());
    }

    @Test
    void corruptCheckpointIsRefused() throws Exception {
        Path ckpt = Files.write(tmp.resolve("bad.safetensors"), new byte[]{1, 2, 3});
        Result r = run("sample", "--checkpoint", ckpt.toString(), "--out", tmp.resolve("s.png").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("bad.safetensors"), r.err());
        assertFalse(Files.exists(tmp.resolve("s.png")));
    }

    @Test
    void nanStopsTrainingAndKeepsTheLastGoodCheckpoint() throws Exception {
        Path data = TinyMnist.write(tmp.resolve("d"), 64, 16);
        Path out = tmp.resolve("nan");
        VaeSpec spec = new VaeSpec("mlp", Shape.of(1, 28, 28), new int[]{32}, 2, ActivationKind.RELU, 0.2f, Loss.BCE);
        TrainOptions o = new TrainOptions("mnist", data, spec, 3, 16, 1e-3f, 1f, Optimizer.adam(), 1, "jvm", null, 1, out, true);
        Trainer t = new Trainer(o, new java.io.PrintStream(java.io.OutputStream.nullOutputStream()));
        t.poisonParametersAtStep(6); // 4 steps per epoch: step 6 is in epoch 2
        var e = assertThrows(TrainingDivergedException.class, t::run);
        assertTrue(e.getMessage().contains("at epoch 2, step 6"), e.getMessage());
        assertTrue(e.getMessage().contains("last.safetensors"), e.getMessage());
        Checkpoints.Loaded last = Checkpoints.load(out.resolve("last.safetensors"));
        assertEquals("1", last.metadata().get("train.epoch"));
        for (float p : last.params()) assertTrue(Float.isFinite(p));
    }
}
