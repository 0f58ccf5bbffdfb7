package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run-folder lock (across processes: ResumeTest resumes into a folder a child JVM is training in). */
class RunFolderTest {
    @TempDir Path tmp;

    @Test
    void aHeldFolderIsRefusedNamingTheHolderAndIsFreeAgainOnceReleased() throws IOException {
        Path run = RunFolder.create(tmp.resolve("run"));
        try (RunFolder.Lock first = RunFolder.lock(run)) {
            assertEquals("pid " + ProcessHandle.current().pid(), Files.readString(run.resolve(RunFolder.LOCK_FILE)).trim());
            IOException e = assertThrows(IOException.class, () -> RunFolder.lock(run));
            assertEquals("run folder " + run + " is in use by another training (process " + ProcessHandle.current().pid()
                    + "); wait for it to finish or choose another --out", e.getMessage());
        }
        try (RunFolder.Lock again = RunFolder.lock(run)) {
            assertNotNull(again);
        }
    }

    @Test
    void onlyStaleTemporariesAreRemoved() throws IOException {
        Path run = RunFolder.create(tmp.resolve("run"));
        Files.writeString(run.resolve("last.safetensors.tmp-1a2b"), "half a file");
        Files.writeString(run.resolve("metrics.csv"), "epoch\n");
        RunFolder.removeStaleTemporaries(run);
        assertFalse(Files.exists(run.resolve("last.safetensors.tmp-1a2b")));
        assertTrue(Files.exists(run.resolve("metrics.csv")));
    }
}
