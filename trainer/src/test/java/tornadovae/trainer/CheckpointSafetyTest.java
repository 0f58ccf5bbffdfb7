package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.api.VaeModel;
import tornadovae.cli.VaeCommand;
import tornadovae.engine.Checkpoints;
import tornadovae.io.DataFormatException;
import tornadovae.io.safetensors.Safetensors;
import tornadovae.io.safetensors.Tensor;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.ConvSpec;
import tornadovae.model.Loss;
import tornadovae.model.ParamLayout;
import tornadovae.model.Shape;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/**
 * Checkpoints as data from a stranger (issue 21): a correctly checksummed file whose architecture metadata asks for
 * absurd sizes, or whose weights are not finite, is refused in one sentence naming it; a reader never mistakes a
 * checkpoint renamed into place while it reads for a corrupted one; --resume reports a folder in use before reading.
 */
class CheckpointSafetyTest {
    @TempDir Path tmp;

    static final VaeSpec SMALL_CONV = new VaeSpec("conv", Shape.of(1, 8, 8), new int[0], 2, ActivationKind.RELU, 0.2f,
            Loss.BCE, new ConvSpec(new int[]{2}, 3, 2, 1, 0));

    /** A small conv model's real tensors under metadata edited by {@code edit}, with a checksum that matches. */
    static Path forged(Path file, java.util.function.Consumer<Map<String, String>> edit) throws Exception {
        Vae vae = SMALL_CONV.build();
        float[] params = new float[vae.paramCount()];
        vae.initParams(params, 1);
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (ParamLayout.Entry e : vae.layout().entries())
            tensors.put(e.name(), Tensor.f32Slice(params, e.offset(), Arrays.stream(e.shape()).asLongStream().toArray()));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(Checkpoints.FORMAT_KEY, Checkpoints.FORMAT);
        meta.putAll(SMALL_CONV.toMetadata());
        edit.accept(meta);
        meta.put(Checkpoints.CHECKSUM_KEY, Checkpoints.checksum(meta, tensors));
        Safetensors.write(file, tensors, meta);
        return file;
    }

    /** Exit 1 and one line that names the file, no stack trace, from `vae sample`; a DataFormatException from the API. */
    static String refused(Path file) {
        StringWriter err = new StringWriter();
        int code = VaeCommand.execute(new PrintWriter(err, true), "sample", "--checkpoint", file.toString(),
                "--out", file.resolveSibling("never.png").toString());
        assertEquals(1, code, err.toString());
        assertTrue(err.toString().contains(file.toString()), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), "one sentence: " + err);
        assertFalse(Files.exists(file.resolveSibling("never.png")), "nothing written");
        DataFormatException e = assertThrows(DataFormatException.class, () -> VaeModel.load(file, 1));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        return err.toString();
    }

    @Test
    void theForgeryItselfLoads() throws Exception {
        Path f = forged(tmp.resolve("ok.safetensors"), m -> {});
        try (VaeModel m = VaeModel.load(f, 1)) {
            assertEquals(64, m.inputSize());
        }
    }

    @Test
    void absurdArchitecturesAreOneSentenceNotAnOutOfMemoryError() throws Exception {
        // issue 21's two: an OutOfMemoryError and a NegativeArraySizeException before
        String e1 = refused(forged(tmp.resolve("wide.safetensors"), m -> { m.put("channels", "30000"); m.put("stride", "1"); }));
        assertTrue(e1.contains("channels"), e1);
        refused(forged(tmp.resolve("square.safetensors"), m -> m.put("channels", "50000,50000")));
        // inside every field's bound, but the products are not
        String e3 = refused(forged(tmp.resolve("products.safetensors"), m -> {
            m.put("input", "1x4096x4096"); m.put("channels", "4096"); m.put("kernel", "64"); m.put("stride", "1");
        }));
        assertTrue(e3.contains("architecture"), e3);
        refused(forged(tmp.resolve("hidden.safetensors"), m -> { m.put("model", "mlp"); m.remove("channels");
            m.put("input", "1x4096x4096"); m.put("hidden", "65536"); }));
        refused(forged(tmp.resolve("deep.safetensors"), m -> m.put("channels", "2,".repeat(100_000) + "2")));
        refused(forged(tmp.resolve("latent.safetensors"), m -> m.put("latent", "2000000000")));
        refused(forged(tmp.resolve("input.safetensors"), m -> m.put("input", "1x99999999999")));
        refused(forged(tmp.resolve("kernel.safetensors"), m -> m.put("kernel", "-3")));
        // a checkpoint that holds fewer values than its (real) architecture: refused before the arena is allocated
        String e4 = refused(forged(tmp.resolve("short.safetensors"), m -> m.put("channels", "2000")));
        assertTrue(e4.contains("parameters but holds only"), e4);
    }

    @Test
    void nonFiniteWeightsAreRefusedNamingTheTensor() throws Exception {
        Vae vae = SMALL_CONV.build();
        float[] params = new float[vae.paramCount()];
        vae.initParams(params, 1);
        ParamLayout.Entry bias = vae.layout().get("decoder.deconv.0.bias");
        for (float bad : new float[]{Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            params[bias.offset()] = bad;
            Path f = tmp.resolve("bad-" + bad + ".safetensors");
            Checkpoints.save(f, vae, params, Map.of());
            String err = refused(f);
            assertTrue(err.contains("decoder.deconv.0.bias") && err.contains(Float.toString(bad)), err);
        }
    }

    @Test
    void aCheckpointRenamedIntoPlaceWhileItIsReadIsNeverCalledCorrupted() throws Exception {
        // a live run replaces its checkpoints by rename; a reader sees the old file or the new one, whole
        Vae vae = SMALL_CONV.build();
        float[] a = new float[vae.paramCount()], b = new float[vae.paramCount()];
        vae.initParams(a, 1);
        vae.initParams(b, 2);
        Path fa = tmp.resolve("a.safetensors"), fb = tmp.resolve("b.safetensors"), live = tmp.resolve("live.safetensors");
        Checkpoints.save(fa, vae, a, Map.of());
        Checkpoints.save(fb, vae, b, Map.of());
        Files.copy(fa, live);
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = new Thread(() -> {
            try {
                for (int i = 0; !stop.get(); i++) {
                    Path next = tmp.resolve("live.tmp-" + i);
                    Files.copy(i % 2 == 0 ? fb : fa, next);
                    Files.move(next, live, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        writer.start();
        try {
            for (int i = 0; i < 1500; i++) {
                float[] got = Checkpoints.load(live).params();
                assertTrue(Arrays.equals(got, a) || Arrays.equals(got, b), "a mixture of two checkpoints at read " + i);
            }
        } finally {
            stop.set(true);
            writer.join();
        }
    }

    @Test
    void resumeReportsAFolderInUseBeforeReadingItsCheckpoint() throws Exception {
        Path run = Files.createDirectories(tmp.resolve("live-run"));
        // what a reader could meet mid-write if it read without the lock; the lock must be reported, not this
        Files.writeString(run.resolve(ResumeCheckpoint.FILE), "half-written");
        try (RunFolder.Lock held = RunFolder.lock(run)) {
            StringWriter err = new StringWriter();
            assertEquals(1, VaeCommand.execute(new PrintWriter(err, true), "train", "--resume", run.toString(), "--quiet"));
            assertTrue(err.toString().contains("is in use by another training"), err.toString());
            assertFalse(err.toString().contains("--out"), "a resume has no --out to change: " + err);
        }
        // once the folder is free, the file itself is judged (and the lock given back after the refusal)
        StringWriter err = new StringWriter();
        assertEquals(1, VaeCommand.execute(new PrintWriter(err, true), "train", "--resume", run.toString(), "--quiet"));
        assertTrue(err.toString().contains(ResumeCheckpoint.FILE) && !err.toString().contains("in use"), err.toString());
        RunFolder.lock(run).close();
    }
}
