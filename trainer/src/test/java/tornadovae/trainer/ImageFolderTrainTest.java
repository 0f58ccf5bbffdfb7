package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.cli.VaeCommand;
import tornadovae.engine.Checkpoints;

/** `vae train --dataset folder` on a generated folder of small colour PNG and JPEG images, through the command line. */
class ImageFolderTrainTest {
    @TempDir static Path tmp;
    static Path data, run;

    /** 40 images of 20×16 (not square, not the model's size): red-ish PNG "warm" and blue-ish JPEG "cold" ones. */
    static Path colourFolder(Path root) throws Exception {
        for (int i = 0; i < 20; i++) {
            write(root.resolve("warm/w" + i + ".png"), image(20, 16, 0xE0 - i, 0x40 + 3 * i, 0x20), "png");
            write(root.resolve("cold/c" + i + ".jpg"), image(20, 16, 0x20, 0x60 + 2 * i, 0xE0 - i), "jpeg");
        }
        return root;
    }

    static BufferedImage image(int w, int h, int r, int g, int b) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) img.setRGB(x, y, (r + x) << 16 | (g + y) << 8 | b);
        return img;
    }

    static void write(Path file, BufferedImage img, String format) throws Exception {
        Files.createDirectories(file.getParent());
        assertTrue(ImageIO.write(img, format, file.toFile()));
    }

    @BeforeAll
    static void trainOnce() throws Exception {
        data = colourFolder(tmp.resolve("photos"));
        run = tmp.resolve("run");
        int code = VaeCommand.execute("train", "--dataset", "folder", "--data-dir", data.toString(), "--image-size", "12",
                "--test-fraction", "0.2", "--epochs", "1", "--batch-size", "8", "--hidden", "32", "--latent", "4",
                "--out", run.toString(), "--quiet", "--threads", "2");
        assertEquals(0, code);
    }

    static boolean hasColour(BufferedImage img) {
        for (int y = 0; y < img.getHeight(); y++)
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                if ((p >> 16 & 0xff) != (p & 0xff)) return true;
            }
        return false;
    }

    @Test
    void writesColourPicturesAndACheckpointOfTheFolderShape() throws Exception {
        for (String f : new String[]{"reconstruction_1.png", "sample_1.png", "metrics.csv", "last.safetensors", "best.safetensors"})
            assertTrue(Files.size(run.resolve(f)) > 100, f);
        BufferedImage recon = ImageIO.read(run.resolve("reconstruction_1.png").toFile());
        assertTrue(hasColour(recon), "originals and reconstructions in colour");
        assertTrue(hasColour(ImageIO.read(run.resolve("sample_1.png").toFile())), "samples in colour");
        Checkpoints.Loaded c = Checkpoints.load(run.resolve("last.safetensors"));
        assertEquals(tornadovae.model.Shape.of(3, 12, 12), c.spec().input());
        assertEquals("folder", c.metadata().get("train.dataset"));
        // a folder run lists the folder's settings (an MNIST run does not: RunSettingsTest)
        for (String key : new String[]{"train.image_size", "train.image_channels", "train.test_fraction", "train.skip_bad_images"}) {
            assertNotNull(c.metadata().get(key), key);
            assertTrue(Files.readString(run.resolve("index.html")).contains(key), key + " in the report");
        }
    }

    @Test
    void reconstructTakesTheImageSizeFromTheCheckpoint() throws Exception {
        Path out = tmp.resolve("r.png");
        StringWriter err = new StringWriter();
        assertEquals(0, VaeCommand.execute(new PrintWriter(err, true), "reconstruct", "--checkpoint", run.resolve("best.safetensors").toString(),
                "--dataset", "folder", "--data-dir", data.toString(), "--split", "train", "--count", "4", "--out", out.toString()), err.toString());
        BufferedImage img = ImageIO.read(out.toFile());
        assertEquals(4 * 12 * 3 + 5 * 2, img.getWidth(), "4 columns of 12·3 pixels plus padding");
        assertTrue(hasColour(img));
    }

    @Test
    void latentCommandsReadTheFolderAsTheModelWasTrainedOnIt() throws Exception {
        // the folder options (12×12 RGB, the test fraction) come from the checkpoint, not the 64×64 defaults
        Path csv = tmp.resolve("codes.csv");
        StringWriter err = new StringWriter();
        assertEquals(0, VaeCommand.execute(new PrintWriter(err, true), "encode", "--checkpoint", run.resolve("best.safetensors").toString(),
                "--dataset", "folder", "--data-dir", data.toString(), "--out", csv.toString()), err.toString());
        assertTrue(Files.readAllLines(csv).size() > 1);
    }

    @Test
    void badFolderInputIsNamed() throws Exception {
        Path bad = colourFolder(tmp.resolve("bad"));
        Path text = Files.writeString(bad.resolve("cold/c10x.jpg"), "not a jpeg");
        StringWriter err = new StringWriter();
        int code = VaeCommand.execute(new PrintWriter(err, true), "train", "--dataset", "folder", "--data-dir", bad.toString(),
                "--image-size", "8", "--epochs", "1", "--out", tmp.resolve("never").toString(), "--quiet");
        assertEquals(1, code);
        assertTrue(err.toString().contains(text.toString()) && err.toString().contains("--skip-bad-images"), err.toString());
        assertFalse(Files.exists(tmp.resolve("never")), "no run folder for bad data");
        // with --skip-bad-images it trains (the file may hash into either split)
        assertEquals(0, VaeCommand.execute(new PrintWriter(new StringWriter(), true), "train", "--dataset", "folder",
                "--data-dir", bad.toString(), "--image-size", "8", "--skip-bad-images", "--epochs", "1", "--hidden", "16",
                "--latent", "2", "--out", tmp.resolve("skipped").toString(), "--quiet", "--threads", "1"));
    }

    @Test
    void cifar10TrainsFromItsBinaryBatches() throws Exception {
        Path batches = Files.createDirectories(tmp.resolve("cifar10/cifar-10-batches-bin"));
        java.util.Random rnd = new java.util.Random(3);
        for (String f : new String[]{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin",
                "data_batch_5.bin", "test_batch.bin"}) {
            byte[] b = new byte[4 * 3073];
            rnd.nextBytes(b);
            for (int r = 0; r < 4; r++) b[r * 3073] = (byte) r;
            Files.write(batches.resolve(f), b);
        }
        Path out = tmp.resolve("cifar-run");
        StringWriter err = new StringWriter();
        assertEquals(0, VaeCommand.execute(new PrintWriter(err, true), "train", "--dataset", "cifar10", "--data-dir",
                tmp.resolve("cifar10").toString(), "--epochs", "1", "--batch-size", "8", "--hidden", "16", "--latent", "2",
                "--out", out.toString(), "--quiet", "--threads", "1"), err.toString());
        assertEquals(tornadovae.model.Shape.of(3, 32, 32), Checkpoints.load(out.resolve("last.safetensors")).spec().input());
        assertTrue(hasColour(ImageIO.read(out.resolve("reconstruction_1.png").toFile())));
    }

    @Test
    void folderOptionsAreCheckedBeforeAnyDataIsRead() {
        StringWriter err = new StringWriter();
        PrintWriter w = new PrintWriter(err, true);
        assertEquals(1, VaeCommand.execute(w, "train", "--dataset", "folder", "--epochs", "1"));
        assertTrue(err.toString().contains("--dataset folder needs --data-dir"), err.toString());
        assertEquals(1, VaeCommand.execute(w, "train", "--dataset", "mnist", "--image-size", "32", "--data-dir", tmp.toString()));
        assertTrue(err.toString().contains("--image-size applies only to --dataset folder"), err.toString());
        assertEquals(1, VaeCommand.execute(w, "train", "--dataset", "folder", "--data-dir", data.toString(), "--image-channels", "2"));
        assertTrue(err.toString().contains("--image-channels must be 1 (grayscale) or 3 (RGB), got 2"), err.toString());
        assertEquals(1, VaeCommand.execute(w, "train", "--dataset", "cifar10", "--data-dir", tmp.resolve("nocifar").toString(),
                "--out", tmp.resolve("nocifar-run").toString()));
        assertTrue(err.toString().contains("test_batch.bin: file not found; CIFAR-10 is not fetched automatically"), err.toString());
        assertEquals(1, VaeCommand.execute(w, "data", "fetch", "cifar10", "--data-dir", tmp.resolve("nocifar").toString()));
        assertEquals(1, VaeCommand.execute(w, "train", "--dataset", "imagenet"));
        assertTrue(err.toString().contains("unknown dataset 'imagenet' (expected mnist, fashion-mnist, cifar10, folder or csv)"), err.toString());
    }
}
