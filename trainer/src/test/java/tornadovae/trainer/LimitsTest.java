package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.cli.VaeCommand;
import tornadovae.engine.Backends;
import tornadovae.engine.MemoryBudget;

/** Inputs at the edges (empty, huge, out of range) get one sentence naming the file or option, and leave nothing behind. */
class LimitsTest {
    @TempDir Path tmp;

    record Result(int code, String err) {}

    static Result run(String... args) {
        StringWriter err = new StringWriter();
        PrintStream old = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream()));
        try {
            int code = VaeCommand.execute(new PrintWriter(err, true), args);
            return new Result(code, err.toString());
        } finally {
            System.setOut(old);
        }
    }

    Result train(Path data, String... extra) {
        String[] base = {"train", "--data-dir", data.toString(), "--epochs", "1", "--out", tmp.resolve("out").toString(), "--quiet"};
        String[] all = Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return run(all);
    }

    static void assertOneSentence(Result r, String... parts) {
        assertEquals(1, r.code(), r.err());
        for (String p : parts) assertTrue(r.err().contains(p), "'" + p + "' in: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
    }

    @Test
    void anIdxFileWithNoImagesIsNamed() throws Exception {
        Path data = TinyMnist.write(tmp.resolve("d"), 20, 10);
        Files.write(data.resolve("train-images-idx3-ubyte"), TinyMnist.images(0, 1));
        Files.write(data.resolve("train-labels-idx1-ubyte"), TinyMnist.labels(0));
        Result r = train(data);
        assertOneSentence(r, data.resolve("train-images-idx3-ubyte").toString(), "no images");
        assertFalse(Files.exists(tmp.resolve("out")), "no run folder for a refused run");
    }

    /** Was "bad slice NOISE[...]" from an int overflow deep in the plan builder. */
    @Test
    void tooManyLatentDrawsAreRefusedWithTheEstimate() throws Exception {
        Path data = TinyMnist.write(tmp.resolve("d"), 20, 10);
        Result r = train(data, "--mc-samples", "100000000");
        assertOneSentence(r, "need about", "Java heap", "--batch-size", "--mc-samples", "-Xmx");
        assertFalse(Files.exists(tmp.resolve("out")), "no run folder for a refused run");
    }

    /** Was "bad slice ACTS[-1971232704+47040000]" (MNIST's 60,000 images in one batch): checked before any plan is built. */
    @Test
    void aBatchBeyondTheHeapOrAnArrayIsRefusedBeforeAllocating() {
        var vae = tornadovae.model.VaeSpec.preset("mnist-conv", 0, tornadovae.kernels.ActivationKind.RELU,
                tornadovae.model.Loss.BCE).build();
        var w = vae.workspaceSize(60_000, 1);
        assertTrue(w.acts() > Integer.MAX_VALUE, "this batch overflows int offsets: " + w);
        var e = assertThrows(IllegalArgumentException.class, () -> MemoryBudget.check(vae, 60_000, 1, 0));
        assertTrue(e.getMessage().startsWith("batches of 60000 need about ") && e.getMessage().contains("--batch-size"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> vae.newWorkspace(60_000, 1), "the workspace itself refuses too");
        MemoryBudget.check(vae, 128, 1, 0);   // the usual batch fits
    }

    /** The estimate is the workspace that is then allocated, to the float. */
    @Test
    void theEstimateIsWhatTheWorkspaceHolds() {
        var mlp = new tornadovae.model.VaeSpec("mlp", tornadovae.model.Shape.of(1, 28, 28), new int[]{400, 64}, 20,
                tornadovae.kernels.ActivationKind.RELU, 0.2f, tornadovae.model.Loss.BCE);
        for (String model : new String[]{"mlp", "mnist-conv", "mnist-conv4"}) {
            var vae = (model.equals("mlp") ? mlp : tornadovae.model.VaeSpec.preset(model, 0, tornadovae.kernels.ActivationKind.RELU,
                    tornadovae.model.Loss.BCE)).build();
            for (int[] bm : new int[][]{{1, 1}, {2, 1}, {7, 1}, {1, 2}, {33, 3}, {128, 2}, {5, 9}}) {
                var w = vae.workspaceSize(bm[0], bm[1]);
                var ws = vae.newWorkspace(bm[0], bm[1]);
                assertEquals(ws.array(tornadovae.kernels.plan.Buf.ACTS).length, w.acts(), model + " " + Arrays.toString(bm));
                assertEquals(ws.noise().length, w.noise());
                assertEquals(ws.out().length, w.out());
            }
        }
    }

    @Test
    void aRunRefusedBeforeItsFirstFileLeavesNoFolder() throws Exception {
        Path data = TinyMnist.write(tmp.resolve("d"), 20, 10);
        Result r = train(data, "--backend", "nope");
        assertOneSentence(r, "unknown backend 'nope'");
        assertFalse(Files.exists(tmp.resolve("out")), "no folder holding only .lock");
        Files.createDirectories(tmp.resolve("out"));
        r = train(data, "--backend", "nope");
        assertTrue(Files.isDirectory(tmp.resolve("out")), "a folder the user made stays");
    }

    @Test
    void threadsAreBoundedAndDeviceNeedsTheTornadoBackend() throws Exception {
        Path data = TinyMnist.write(tmp.resolve("d"), 20, 10);
        assertOneSentence(train(data, "--threads", "1000"), "--threads must be between 1 and " + Backends.maxThreads());
        assertOneSentence(train(data, "--threads", "0"), "--threads must be between 1 and");
        assertOneSentence(train(data, "--device", "9:9"), "--device 9:9 applies only to --backend tornado");
        assertFalse(Files.exists(tmp.resolve("out")));
    }
}
