package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.engine.Checkpoints;

/** What happens to a run that stopped in the middle: resumed, it keeps its settings; rerun by mistake, it is kept. */
class InterruptedRunTest {
    @TempDir static Path tmp;
    static Path data;

    @BeforeAll
    static void data() throws Exception {
        data = TinyMnist.write(tmp.resolve("data"), 300, 64);   // batches of 32: 10 steps an epoch
    }

    @AfterEach
    void noHook() { Trainer.stepHookForTests = step -> {}; }

    /** Stops the training (as a kill would) right after this Adam step, before any checkpoint of that step. */
    static void stopAfterStep(long stop) {
        Trainer.stepHookForTests = step -> {
            if (step == stop) throw new IllegalStateException("stopped by the test at step " + stop);
        };
    }

    static List<String> args(Path out, String epochs, String... more) {
        var a = new java.util.ArrayList<>(List.of("train", "--data-dir", data.toString(), "--epochs", epochs, "--batch-size", "32",
                "--hidden", "32", "--latent", "4", "--quiet", "--seed", "3", "--threads", "1", "--out", out.toString()));
        a.addAll(List.of(more));
        return a;
    }

    static java.util.Map<String, String> resumeMeta(Path run) throws Exception {
        return Checkpoints.load(run.resolve(ResumeCheckpoint.FILE)).metadata();
    }

    @Test
    void aResumedRunKeepsItsCheckpointEvery() throws Exception {
        Path run = tmp.resolve("every");
        assertEquals(0, ResumeTest.vae(args(run, "1", "--checkpoint-every", "3")));
        stopAfterStep(17);   // epoch 2, batch 7: the last checkpoint within the epoch was at step 15
        assertNotEquals(0, ResumeTest.vae("train", "--resume", run.toString(), "--epochs", "2", "--quiet"));
        var m = resumeMeta(run);
        assertEquals("2", m.get("resume.epoch"), m.toString());
        assertEquals("5", m.get("resume.batch"), "written at step 15, as --checkpoint-every 3 asked: " + m);
        assertEquals("15", m.get("train.step"));
    }

    @Test
    void checkpointEveryGivenOnResumeWins() throws Exception {
        Path run = tmp.resolve("every0");
        assertEquals(0, ResumeTest.vae(args(run, "1", "--checkpoint-every", "3")));
        stopAfterStep(17);
        assertNotEquals(0, ResumeTest.vae("train", "--resume", run.toString(), "--epochs", "2", "--quiet", "--checkpoint-every", "0"));
        var m = resumeMeta(run);
        assertEquals("0", m.get("resume.batch"), "only the epoch-end checkpoint: " + m);
        assertEquals("10", m.get("train.step"));
    }

    @Test
    void aPlainRerunOverAnInterruptedFirstEpochIsRefused() throws Exception {
        Path run = tmp.resolve("ow");
        stopAfterStep(5);
        assertNotEquals(0, ResumeTest.vae(args(run, "2", "--checkpoint-every", "3")));
        noHook();
        assertFalse(Files.exists(run.resolve("last.safetensors")), "killed in its first epoch");
        byte[] before = Files.readAllBytes(run.resolve(ResumeCheckpoint.FILE));
        String err = ResumeTest.vaeError(args(run, "2").toArray(String[]::new));
        assertTrue(err.contains(run + " already holds a run") && err.contains("--resume"), err);
        assertEquals(1, err.strip().lines().count(), "one sentence: " + err);
        assertArrayEquals(before, Files.readAllBytes(run.resolve(ResumeCheckpoint.FILE)), "the interrupted run is kept");
        assertEquals(0, ResumeTest.vae("train", "--resume", run.toString(), "--quiet"), "and it can still be resumed");
    }
}
