package tornadovae.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file so that readers (and a crash) only ever see the old file or the complete new one.
 *
 * <p>The content goes to {@code name.tmp-XXXX} in the target's own folder (a rename is atomic only
 * within one file system), is forced to disk, then renamed over the target; the folder is forced too
 * so that the rename itself survives a power cut. On any failure the temporary file is deleted.
 */
public final class AtomicFiles {
    private AtomicFiles() {}

    /** Produces the content of a file; may throw to abandon the write (the target is then left untouched). */
    @FunctionalInterface
    public interface Writer {
        void writeTo(OutputStream out) throws IOException;
    }

    public static void write(Path target, Writer writer) throws IOException {
        Path folder = checkFolderWritable(target);
        Path tmp = createTemp(folder, target);
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                // A writer that closes its stream (some encoders do) must not close the channel before force().
                // The file system's errors are named here, where they happen; the writer's own (an encoder's, a
                // source's) pass through as they are.
                writer.writeTo(new FilterOutputStream(out) {
                    @Override public void write(byte[] b, int off, int len) throws IOException {
                        try {
                            out.write(b, off, len);
                        } catch (IOException e) {
                            throw naming(target, e);
                        }
                    }
                    @Override public void close() throws IOException { flush(); }
                    @Override public void flush() throws IOException {
                        try {
                            out.flush();
                        } catch (IOException e) {
                            throw naming(target, e);
                        }
                    }
                });
                try {
                    out.flush();
                    channel.force(true);
                } catch (IOException e) {
                    throw naming(target, e);
                }
            }
            try {
                moveIntoPlace(tmp, target);
            } catch (IOException e) {
                throw naming(target, e);
            }
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
        forceFolder(folder);
    }

    /**
     * The file system's own errors ("No space left on device", "Disk quota exceeded", "Input/output error") name
     * no file; the user needs to know which write failed. Errors that already name the target pass as they are.
     */
    static IOException naming(Path target, IOException e) {
        String m = e.getMessage();
        if (e instanceof NamedWriteError || e instanceof DataFormatException || (m != null && m.contains(target.toString()))) return e;
        String why = m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
        return new NamedWriteError("cannot write " + target + ": " + why, e);
    }

    /** A file-system error with the file's name added (passed on unchanged by the layers above). */
    static final class NamedWriteError extends IOException {
        NamedWriteError(String message, IOException cause) { super(message, cause); }
    }

    /** Not Files.createTempFile: it makes owner-only files, and the result should get the usual umask permissions. */
    private static Path createTemp(Path folder, Path target) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path tmp = folder.resolve(target.getFileName() + ".tmp-" + Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL));
            try {
                Files.newByteChannel(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
                return tmp;
            } catch (FileAlreadyExistsException e) {
                if (attempt > 100) throw e;
            } catch (AccessDeniedException e) {
                throw new IOException("cannot write " + target + ": folder " + displayFolder(target) + " is not writable", e);
            }
        }
    }

    public static void writeBytes(Path target, byte[] bytes) throws IOException {
        write(target, out -> out.write(bytes));
    }

    public static void writeString(Path target, String text) throws IOException {
        writeBytes(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Checks that {@code target} can be created or replaced, with one clear sentence if not, and returns its folder.
     * Folders are not created here: a typo in an output path should fail, not sprout directories.
     */
    public static Path checkFolderWritable(Path target) throws IOException {
        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        if (folder == null || target.getFileName() == null)
            throw new IOException("cannot write " + target + ": it is not a file path");
        if (Files.isDirectory(absolute))
            throw new IOException("cannot write " + target + ": a folder of that name is in the way");
        if (!Files.exists(folder))
            throw new IOException("cannot write " + target + ": folder " + displayFolder(target) + " does not exist");
        if (!Files.isDirectory(folder))
            throw new IOException("cannot write " + target + ": " + displayFolder(target) + " is not a folder");
        if (!Files.isWritable(folder))
            throw new IOException("cannot write " + target + ": folder " + displayFolder(target) + " is not writable");
        return folder;
    }

    private static Path displayFolder(Path target) {
        Path parent = target.getParent();
        return parent != null ? parent : target.toAbsolutePath().getParent();
    }

    private static void moveIntoPlace(Path tmp, Path target) throws IOException {
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            // Some file systems (certain network mounts) cannot; a plain replace is the best they offer.
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Makes the rename durable; not every platform can open a folder for syncing, and then there is nothing to do. */
    private static void forceFolder(Path folder) {
        try (FileChannel dir = FileChannel.open(folder, StandardOpenOption.READ)) {
            dir.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // Windows cannot open directories; its rename is already durable enough for our purpose.
        }
    }
}
