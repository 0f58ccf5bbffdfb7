package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.engine.Checkpoints;
import tornadovae.io.data.ImageFolderOptions;

/** The run report and the checkpoints list the settings that apply to the run, and read older ones that list more. */
class RunSettingsTest {
    static final List<String> FOLDER_ONLY = List.of("image_size", "image_channels", "test_fraction", "skip_bad_images");

    @TempDir Path tmp;

    @Test
    void anMnistRunListsNoImageFolderSettings() throws Exception {
        Path data = TinyMnist.write(tmp.resolve("data"), 64, 32), run = tmp.resolve("run");
        String[] r = LimitOptionTest.vae(List.of("train", "--data-dir", data.toString(), "--epochs", "1", "--batch-size", "32",
                "--hidden", "16", "--latent", "2", "--quiet", "--threads", "1", "--out", run.toString()));
        assertEquals("0", r[0], r[2]);
        String report = Files.readString(run.resolve("index.html"));
        assertTrue(report.contains("train.batch_size"), "the report lists the settings");
        for (String file : List.of("last.safetensors", "best.safetensors", "resume.safetensors")) {
            Map<String, String> meta = Checkpoints.load(run.resolve(file)).metadata();
            assertEquals("32", meta.get("train.batch_size"), file);
            for (String key : FOLDER_ONLY) {
                assertFalse(meta.containsKey("train." + key), key + " in " + file);
                assertFalse(report.contains(key), key + " in the report");
            }
        }
    }

    /** Checkpoints written before: an MNIST run's metadata had the folder settings, with their defaults. */
    @Test
    void oldMetadataWithFolderSettingsStillReads() {
        Map<String, String> m = new HashMap<>(Map.of("train.dataset", "mnist", "train.data_dir", "data/mnist", "train.epochs", "2",
                "train.batch_size", "32", "train.lr", "0.001", "train.beta", "1.0", "train.clip_grad_norm", "0.0",
                "train.weight_decay", "0.0", "train.seed", "7", "train.backend", "jvm"));
        TrainOptions now = CheckpointMetadata.options(m, null, tmp, 1, true);
        assertEquals(ImageFolderOptions.defaults(), now.imageFolder(), "absent: the defaults");
        m.putAll(Map.of("train.image_size", "64", "train.image_channels", "3", "train.test_fraction", "0.1",
                "train.skip_bad_images", "false"));
        TrainOptions old = CheckpointMetadata.options(m, null, tmp, 1, true);
        assertEquals(now.imageFolder(), old.imageFolder());
        assertEquals(32, old.batchSize());
    }
}
