package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --image-cache, --augment and --crop on the command line: a wrong value is one sentence, before any data is read. */
class AugmentOptionsTest {
    @TempDir Path tmp;

    static void refused(String expected, String... args) {
        CliRun.Result r = CliRun.vae(args);
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains(expected), r.err());
        assertEquals(1, r.err().strip().lines().count(), "one sentence: " + r.err());
    }

    @Test
    void badValuesAreRefusedNamingTheOption() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("empty"));
        String d = dir.toString();
        refused("--crop must be none, center:SIZE or random:SIZE", "train", "--dataset", "folder", "--data-dir", d, "--crop", "middle:12");
        refused("--crop must be none, center:SIZE or random:SIZE", "train", "--dataset", "folder", "--data-dir", d, "--crop", "random:0");
        refused("--crop must be none, center:SIZE or random:SIZE", "train", "--dataset", "folder", "--data-dir", d, "--crop", "random");
        refused("--augment must be none or hflip", "train", "--dataset", "folder", "--data-dir", d, "--augment", "vflip");
        refused("--image-cache must be off, memory or file", "train", "--dataset", "folder", "--data-dir", d, "--image-cache", "disk");
        refused("--image-cache applies only to --dataset folder", "train", "--dataset", "mnist", "--data-dir", d, "--image-cache", "file");
        refused("--crop random:80 does not fit in the 64x64 images of folder (see --image-size)", "train", "--dataset", "folder",
                "--data-dir", d, "--crop", "random:80");
        try (var s = Files.list(dir)) {
            assertEquals(0, s.count(), "nothing written");
        }
    }

    @Test
    void theHelpListsTheOptions() {
        CliRun.Result r = CliRun.vae("train", "--help");
        for (String o : new String[]{"--image-cache", "--augment", "--crop"}) assertTrue(r.out().contains(o), o + " in " + r.out());
    }
}
