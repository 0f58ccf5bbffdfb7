package tornadovae.trainer;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Creates a run's output folder, or says in one sentence why it cannot. */
final class RunFolder {
    private RunFolder() {}

    static Path create(Path out) throws IOException {
        if (Files.exists(out) && !Files.isDirectory(out))
            throw new IOException("cannot use " + out + " as the run folder: it is a file");
        if (Files.exists(out.resolve("last.safetensors")))
            throw new IOException("run folder " + out + " already holds a run (last.safetensors); choose another --out");
        try {
            Files.createDirectories(out);
        } catch (FileAlreadyExistsException e) {
            throw new IOException("cannot create the run folder " + out + ": " + e.getFile() + " is a file");
        } catch (IOException e) {
            throw new IOException("cannot create the run folder " + out + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
        Path probe = out.resolve(".write-test");
        try {
            Files.deleteIfExists(probe);
            Files.createFile(probe);
            Files.delete(probe);
        } catch (IOException e) {
            throw new IOException("cannot write into the run folder " + out + " (permission denied or read-only)");
        }
        return out;
    }

    /**
     * The folder of a run being resumed. Temporary files left by a process killed in the middle of a write
     * ({@code name.tmp-XXXX}, see AtomicFiles) are removed: the file they were meant to replace is intact.
     */
    static Path reopen(Path out) throws IOException {
        try (var files = Files.list(out)) {
            for (Path p : (Iterable<Path>) files::iterator)
                if (p.getFileName().toString().matches(".+\\.tmp-[0-9a-f]+")) Files.deleteIfExists(p);
        }
        return out;
    }
}
