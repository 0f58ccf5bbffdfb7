package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.engine.Augmentation;
import tornadovae.engine.Checkpoints;
import tornadovae.io.data.ImageFolderOptions;
import tornadovae.io.data.ImageFolderOptions.Storage;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.Loss;
import tornadovae.model.Optimizer;
import tornadovae.model.Shape;
import tornadovae.model.VaeSpec;

/**
 * Training on 8-bit pixels and with augmentation: the float path's bits for images at their size, whichever way the
 * pixels are held; and random flips and crops that a resumed run repeats exactly (the choices come from the saved
 * random stream), from an epoch's end and from its middle.
 */
class AugmentResumeTest {
    @TempDir static Path tmp;
    static Path data, reference;
    static final Augmentation AUG = new Augmentation(true, Augmentation.Crop.RANDOM, 12);

    /** 120 noisy 16×16 RGB PNGs: about 90 training images, 6 steps of 16 an epoch, the last one partial. */
    @BeforeAll
    static void referenceRun() throws Exception {
        data = tmp.resolve("photos");
        Files.createDirectories(data);
        Random r = new Random(11);
        for (int i = 0; i < 120; i++) {
            BufferedImage img = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
            int base = r.nextInt(1 << 24);
            for (int y = 0; y < 16; y++)
                for (int x = 0; x < 16; x++) img.setRGB(x, y, base ^ (r.nextInt(64) << 8 | x * 12 << 16 | y * 9));
            assertTrue(ImageIO.write(img, "png", data.resolve("im" + i + ".png").toFile()));
        }
        reference = tmp.resolve("reference");
        train(options(reference, Storage.FILE, AUG, 2));
    }

    static TrainOptions options(Path out, Storage storage, Augmentation aug, int epochs) {
        int side = aug.crop() == Augmentation.Crop.NONE ? 16 : aug.cropSize();
        VaeSpec spec = new VaeSpec("mlp", Shape.of(3, side, side), new int[]{32}, 4, ActivationKind.RELU, 0.2f, Loss.BCE);
        return new TrainOptions("folder", data, spec, epochs, 16, 1e-3f, 1f, Optimizer.adam(), 3, "jvm", null, 2, out, true,
                new ImageFolderOptions(16, 3, 0.25, false, storage), null, 1, 2, 0, 0).withAugmentation(aug);
    }

    static Trainer trainer(TrainOptions o) {
        return new Trainer(o, new PrintStream(new ByteArrayOutputStream()));
    }

    static void train(TrainOptions o) throws Exception {
        trainer(o).run();
    }

    static float[] params(Path run) throws Exception {
        return Checkpoints.load(run.resolve("last.safetensors")).params();
    }

    /** Epoch, step and the losses; not the timings. */
    static List<String> losses(Path run) throws Exception {
        return Files.readAllLines(run.resolve("metrics.csv")).stream()
                .map(l -> String.join(",", List.of(l.split(",")).subList(0, 9))).toList();
    }

    static void assertSameAsReference(Path run) throws Exception {
        assertEquals(losses(reference), losses(run), "the same losses, epoch by epoch");
        assertArrayEquals(params(reference), params(run), "the same parameters bit for bit");
    }

    @Test
    void floatsBytesInMemoryAndTheCacheFileTrainTheSameBits() throws Exception {
        for (Augmentation aug : List.of(Augmentation.NONE, AUG)) {
            Path floats = tmp.resolve("floats-" + aug.random());
            train(options(floats, Storage.OFF, aug, 1));
            for (Storage s : List.of(Storage.MEMORY, Storage.FILE)) {
                Path run = tmp.resolve(s + "-" + aug.random());
                train(options(run, s, aug, 1));
                assertEquals(losses(floats), losses(run), s + " " + aug);
                assertArrayEquals(params(floats), params(run), s + " " + aug + ": the float path's parameters bit for bit");
            }
        }
    }

    @Test
    void augmentationChangesTheRun() throws Exception {
        float[] want = params(reference);
        for (Augmentation other : List.of(new Augmentation(false, Augmentation.Crop.RANDOM, 12),
                new Augmentation(true, Augmentation.Crop.CENTER, 12))) {
            Path run = tmp.resolve("other-" + other.augmentName() + "-" + other.cropName().replace(':', '-'));
            train(options(run, Storage.FILE, other, 2));
            assertFalse(java.util.Arrays.equals(want, params(run)), other + " trains other parameters than " + AUG);
        }
    }

    @Test
    void oneEpochResumedForASecondGivesTheTwoEpochRun() throws Exception {
        Path run = tmp.resolve("extended");
        train(options(run, Storage.FILE, AUG, 1));
        var r = CliRun.vae("train", "--resume", run.toString(), "--epochs", "2", "--quiet");
        assertEquals(0, r.code(), r.err());
        assertSameAsReference(run);
    }

    @Test
    void aRunStoppedMidEpochResumesWithTheSameFlipsAndCrops() throws Exception {
        Path run = tmp.resolve("diverged");
        Trainer t = trainer(options(run, Storage.FILE, AUG, 2));
        t.poisonParametersAtStep(9);   // in epoch 2, after the checkpoint at step 8
        assertThrows(TrainingDivergedException.class, t::run);
        var meta = tornadovae.io.safetensors.Safetensors.readHeader(run.resolve(ResumeCheckpoint.FILE)).metadata();
        assertEquals("2", meta.get("resume.epoch"));
        assertTrue(Integer.parseInt(meta.get("resume.batch")) > 0, "a mid-epoch checkpoint");
        assertEquals("hflip", meta.get(CheckpointMetadata.AUGMENT));
        assertEquals("random:12", meta.get(CheckpointMetadata.CROP));
        var r = CliRun.vae("train", "--resume", run.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        assertSameAsReference(run);
    }

    @Test
    void theOtherCommandsReadACropModelsImagesCentreCropped() throws Exception {
        PrintStream old = System.err;
        ByteArrayOutputStream said = new ByteArrayOutputStream();
        System.setErr(new PrintStream(said, true));   // where the folder reader says what it reads
        CliRun.Result r;
        try {
            r = CliRun.vae("eval", "--checkpoint", reference.resolve("last.safetensors").toString(), "--dataset", "folder",
                    "--data-dir", data.toString(), "--k", "2", "--threads", "1");
        } finally {
            System.setErr(old);
        }
        assertEquals(0, r.code(), r.err());
        // the model sees 12×12 crops of the 16×16 images: the stored image size, not the input's, decides the decoding
        assertTrue(said.toString().contains("as 3×16×16"), said.toString());

        Path png = tmp.resolve("recon.png");
        r = CliRun.vae("reconstruct", "--checkpoint", reference.resolve("last.safetensors").toString(), "--dataset", "folder",
                "--data-dir", data.toString(), "--count", "4", "--out", png.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("as 3×16×16"), r.out());
        assertTrue(Files.size(png) > 0);
    }

    @Test
    void aResumeThatContradictsTheRunsAugmentationIsRefused() throws Exception {
        Path run = tmp.resolve("contradicted");
        train(options(run, Storage.FILE, AUG, 1));
        var r = CliRun.vae("train", "--resume", run.toString(), "--epochs", "2", "--crop", "center:12", "--quiet");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--crop center:12 contradicts") && r.err().contains("random:12"), r.err());
    }
}
