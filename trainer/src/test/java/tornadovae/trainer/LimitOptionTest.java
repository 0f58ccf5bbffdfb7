package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.cli.VaeCommand;
import tornadovae.engine.Checkpoints;

/** `vae train --limit N --test-limit M`: a quick try on the first images, kept by --resume. */
class LimitOptionTest {
    @TempDir static Path tmp;
    static Path data;

    @BeforeAll
    static void data() throws Exception { data = TinyMnist.write(tmp.resolve("data"), 300, 64); }

    static List<String> args(String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--data-dir", data.toString(), "--batch-size", "32",
                "--hidden", "16", "--latent", "2", "--quiet", "--threads", "1"));
        a.addAll(List.of(more));
        return a;
    }

    /** Runs vae; returns {exit code, stdout, stderr}. */
    static String[] vae(List<String> args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        PrintStream old = System.out;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        try {
            int rc = VaeCommand.execute(new PrintWriter(err, true), args.toArray(String[]::new));
            return new String[]{Integer.toString(rc), out.toString(StandardCharsets.UTF_8), err.toString()};
        } finally {
            System.setOut(old);
        }
    }

    @Test
    void trainsOnTheFirstImagesAndResumeKeepsTheLimits() throws Exception {
        Path run = tmp.resolve("run");
        String[] r = vae(args("--epochs", "1", "--limit", "100", "--test-limit", "20", "--out", run.toString()));
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("100 training and 20 test images"), r[1]);
        var meta = Checkpoints.load(run.resolve("last.safetensors")).metadata();
        assertEquals("100", meta.get("train.limit"));
        assertEquals("20", meta.get("train.test_limit"));

        String[] resumed = vae(List.of("train", "--resume", run.toString(), "--epochs", "2", "--quiet"));
        assertEquals("0", resumed[0], resumed[2]);
        assertTrue(resumed[1].contains("100 training and 20 test images"), resumed[1]);

        String[] contradicts = vae(List.of("train", "--resume", run.toString(), "--epochs", "3", "--limit", "50"));
        assertEquals("1", contradicts[0]);
        assertTrue(contradicts[2].contains("--limit 50 contradicts"), contradicts[2]);
    }

    @Test
    void withoutLimitsTheMetadataHasNone() throws Exception {
        Path run = tmp.resolve("all");
        String[] r = vae(args("--epochs", "1", "--out", run.toString()));
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("300 training and 64 test images"), r[1]);
        var meta = Checkpoints.load(run.resolve("last.safetensors")).metadata();
        assertNull(meta.get("train.limit"));
        assertNull(meta.get("train.test_limit"));
    }

    @Test
    void aNegativeLimitIsOneSentenceNamingTheOption() {
        for (String option : List.of("--limit", "--test-limit")) {
            String[] r = vae(args("--epochs", "1", option, "-1", "--out", tmp.resolve("bad").toString()));
            assertEquals("1", r[0]);
            assertTrue(r[2].contains(option + " must be ≥ 0"), r[2]);
            assertEquals(1, r[2].strip().lines().count(), r[2]);
        }
    }
}
