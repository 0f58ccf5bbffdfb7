package tornadovae.trainer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Creates a run's output folder, or says in one sentence why it cannot. */
final class RunFolder {
    private RunFolder() {}

    static Path create(Path out) throws IOException {
        if (Files.exists(out) && !Files.isDirectory(out))
            throw new IOException("cannot use " + out + " as the run folder: it is a file");
        // resume.safetensors alone is a run stopped in its first epoch: a new run would overwrite what it has done
        for (String f : new String[]{"last.safetensors", ResumeCheckpoint.FILE})
            if (Files.exists(out.resolve(f)))
                throw new IOException("run folder " + out + " already holds a run (" + f + "); continue it with --resume "
                        + out + " or choose another --out");
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
     * Temporary files left in a resumed run's folder by a process killed in the middle of a write
     * ({@code name.tmp-XXXX}, see AtomicFiles) are removed: the file they were meant to replace is intact.
     * Only under the folder's {@link #lock}: a live run's temporary files are its writes in progress.
     */
    static void removeStaleTemporaries(Path out) throws IOException {
        try (var files = Files.list(out)) {
            for (Path p : (Iterable<Path>) files::iterator)
                if (p.getFileName().toString().matches(".+\\.tmp-[0-9a-f]+")) Files.deleteIfExists(p);
        }
    }

    /**
     * Deletes a run folder this process created when the run failed before writing anything into it (it holds only
     * its lock file); a failure to delete is added to {@code failure}, which stays the error reported.
     */
    static void removeIfOnlyLock(Path out, Throwable failure) {
        try {
            try (var files = Files.list(out)) {
                if (!files.allMatch(p -> p.getFileName().toString().equals(LOCK_FILE))) return;
            }
            Files.deleteIfExists(out.resolve(LOCK_FILE));
            Files.deleteIfExists(out);
        } catch (IOException e) {
            failure.addSuppressed(e);
        }
    }

    /** The lock file in a run folder, held by the process training into it. */
    static final String LOCK_FILE = ".lock";

    /** A run folder held for one training process; closing it lets the next one in. */
    static final class Lock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;
        private boolean closed;

        private Lock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        @Override
        public void close() throws IOException {
            if (closed) return;   // a resume's lock is closed by the trainer and again by its owner
            closed = true;
            try {
                if (lock != null) lock.release();
            } finally {
                channel.close();
            }
        }
    }

    /**
     * Takes the run folder for this process, or says which process has it. Two trainings writing one
     * folder (a second --resume, or a new run with the same --out) would interleave their checkpoints,
     * and a resume would delete the other's files in progress. The operating system releases the lock
     * when a process dies, so a killed run never leaves its folder locked.
     */
    static Lock lock(Path out) throws IOException { return lock(out, "wait for it to finish or choose another --out"); }

    /** As {@link #lock(Path)}, with {@code advice} ending the sentence when another process holds the folder. */
    static Lock lock(Path out, String advice) throws IOException {
        Path file = out.resolve(LOCK_FILE);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = ch.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null;   // held by this same JVM
        } catch (IOException e) {
            return new Lock(ch, null);   // a file system without locks (some network mounts): train unguarded
        }
        if (lock == null) {
            String holder = readHolder(ch);
            ch.close();
            throw new IOException("run folder " + out + " is in use by another training (" + holder + "); " + advice);
        }
        ch.truncate(0);
        ch.write(ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        return new Lock(ch, lock);
    }

    private static String readHolder(FileChannel ch) {
        try {
            ByteBuffer b = ByteBuffer.allocate(64);
            int n = ch.read(b, 0);
            String s = n <= 0 ? "" : new String(b.array(), 0, n, StandardCharsets.UTF_8).trim();
            return s.matches("pid [0-9]+") ? "process " + s.substring(4) : "its lock file " + LOCK_FILE + " is held";
        } catch (IOException e) {
            return "its lock file " + LOCK_FILE + " is held";
        }
    }
}
