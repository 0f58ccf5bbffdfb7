package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;
import static tornadovae.trainer.CliRun.vae;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import tornadovae.api.VaeModel;
import tornadovae.engine.Checkpoints;
import tornadovae.trainer.CliRun.Result;

/**
 * Every architecture a user can train, saved and loaded back through every command that reads a checkpoint
 * and through {@link VaeModel#load}. Each one trains a tiny epoch (one or two steps), so the whole matrix
 * takes seconds; what it guards is that what {@code train} writes, every reader accepts (issue 17: every
 * rgb128-conv and --model conv checkpoint was refused on load).
 */
class CheckpointRoundTripTest {
    @TempDir static Path tmp;
    static Path mnist, rgbSmall, rgb128;

    /** One architecture on one data set: the train options that pick it, and the data options every reader needs. */
    record Arch(String name, List<String> data, List<String> model) {
        @Override public String toString() { return name; }
    }

    @BeforeAll
    static void data() throws Exception {
        mnist = TinyMnist.write(tmp.resolve("mnist"), 16, 8);
        rgbSmall = ImageFolderTrainTest.colourFolder(tmp.resolve("photos"));
        // rgb128-conv is made for 128×128 RGB: a handful of images that size, in two classes
        rgb128 = tmp.resolve("rgb128");
        for (int i = 0; i < 4; i++) {
            ImageFolderTrainTest.write(rgb128.resolve("warm/w" + i + ".png"), ImageFolderTrainTest.image(128, 128, 0x80 + 9 * i, 0x30, 0x20), "png");
            ImageFolderTrainTest.write(rgb128.resolve("cold/c" + i + ".png"), ImageFolderTrainTest.image(128, 128, 0x20, 0x40, 0x80 + 9 * i), "png");
        }
    }

    static Stream<Arch> architectures() {
        List<String> mnistData = List.of("--dataset", "mnist", "--data-dir", tmp.resolve("mnist").toString());
        List<String> small = List.of("--dataset", "folder", "--data-dir", tmp.resolve("photos").toString());
        List<String> big = List.of("--dataset", "folder", "--data-dir", tmp.resolve("rgb128").toString());
        return Stream.of(
                new Arch("mlp", mnistData, List.of("--model", "mlp", "--hidden", "16", "--latent", "2")),
                new Arch("mnist-conv", mnistData, List.of("--model", "mnist-conv", "--latent", "2")),
                new Arch("mnist-conv4", mnistData, List.of("--model", "mnist-conv4", "--latent", "2")),
                // its own latent size (128): with it the old MLP-only count of the checkpoint exceeded the real one
                new Arch("rgb128-conv", big, List.of("--model", "rgb128-conv", "--image-size", "128", "--test-fraction", "0.5")),
                new Arch("conv on 1x28x28", mnistData, List.of("--model", "conv", "--channels", "4,8", "--fc", "8", "--latent", "2")),
                new Arch("conv on RGB 12x12", small, List.of("--model", "conv", "--channels", "4", "--kernel", "4", "--latent", "3",
                        "--image-size", "12", "--test-fraction", "0.2")));
    }


    static List<String> args(String command, Path ckpt, List<String> data, String... more) {
        List<String> a = new ArrayList<>(List.of(command, "--checkpoint", ckpt.toString()));
        a.addAll(data);
        // small encoder passes: plans for the default 128 images would cost the conv models seconds each
        if (!command.equals("reconstruct")) a.addAll(List.of("--batch-size", "4"));
        a.addAll(List.of(more));
        return a;
    }

    static void ok(String what, Result r) {
        assertEquals(0, r.code(), what + " failed:\n" + r.err());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("architectures")
    void trainSaveAndLoadThroughEveryReader(Arch arch) throws Exception {
        Path run = tmp.resolve("run-" + arch.name().replaceAll("[^a-z0-9]+", "-"));
        List<String> train = new ArrayList<>(List.of("train", "--epochs", "1", "--batch-size", "8", "--out", run.toString(),
                "--quiet", "--threads", "2", "--seed", "5"));
        train.addAll(arch.data());
        train.addAll(arch.model());
        ok("train", vae(train));
        Path best = run.resolve("best.safetensors"), last = run.resolve("last.safetensors");

        // the readers take the image size and channels from the checkpoint, so only --dataset and --data-dir
        Path png = tmp.resolve("out.png");
        ok("sample", vae(List.of("sample", "--checkpoint", last.toString(), "--count", "4", "--out", png.toString())));
        assertTrue(Files.size(png) > 100);
        // one image: reconstruct reads a folder with its own --test-fraction, so its test split may be a single image
        ok("reconstruct", vae(args("reconstruct", best, arch.data(), "--count", "1", "--out", png.toString())));
        Result eval = vae(args("eval", last, arch.data(), "--k", "2", "--limit", "2", "--threads", "1"));
        ok("eval", eval);
        assertTrue(eval.out().contains("negative ELBO"), eval.out());
        ok("latent-pca", vae(args("latent-pca", last, arch.data(), "--colour", "none", "--out", png.toString())));
        ok("interpolate", vae(args("interpolate", last, arch.data(), "--steps", "3", "--out", png.toString())));
        Path csv = tmp.resolve("codes.csv");
        ok("encode", vae(args("encode", last, arch.data(), "--limit", "2", "--out", csv.toString())));
        assertEquals(3, Files.readAllLines(csv).size(), "a header and one row per image");

        try (VaeModel m = VaeModel.load(last, 1)) {
            float[] image = new float[m.inputSize()];
            java.util.Arrays.fill(image, 0.5f);
            float[] back = m.reconstruct(image);
            assertEquals(m.inputSize(), back.length);
            for (float v : back) assertTrue(v >= 0 && v <= 1, "a pixel probability: " + v);
        }

        // the resume checkpoint (parameters and Adam's moments) continues the run for one more epoch
        ok("train --resume", vae(List.of("train", "--resume", run.toString(), "--epochs", "2", "--quiet", "--threads", "2")));
        assertEquals("2", Checkpoints.load(last).metadata().get("train.epoch"));
    }
}
