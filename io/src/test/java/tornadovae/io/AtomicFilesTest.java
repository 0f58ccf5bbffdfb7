package tornadovae.io;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir Path dir;

    @Test
    void writesAndReplacesWithoutLeavingTemporaryFiles() throws IOException {
        Path file = dir.resolve("out.txt");
        AtomicFiles.writeString(file, "first");
        AtomicFiles.writeString(file, "second");
        assertEquals("second", Files.readString(file));
        assertEquals(1, countFiles());
    }

    @Test
    void failedWriterLeavesOldContentAndNoTemporaryFile() throws IOException {
        Path file = dir.resolve("out.txt");
        AtomicFiles.writeString(file, "old");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.write(file, out -> {
            out.write("half of the new".getBytes());
            throw new IOException("encoder failed");
        }));
        assertEquals("encoder failed", e.getMessage());
        assertEquals("old", Files.readString(file));
        assertEquals(1, countFiles());
    }

    @Test
    void writerMayCloseItsStream() throws IOException {
        Path file = dir.resolve("closed.bin");
        AtomicFiles.write(file, out -> {
            out.write(new byte[] {1, 2, 3});
            out.close();
        });
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(file));
    }

    @Test
    void missingFolderIsOneClearSentence() {
        Path file = dir.resolve("no/such/folder/out.png");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(file, "x"));
        assertEquals("cannot write " + file + ": folder " + file.getParent() + " does not exist", e.getMessage());
    }

    @Test
    void aFileWhereTheFolderShouldBeIsRefused() throws IOException {
        Path notAFolder = Files.writeString(dir.resolve("runs"), "I am a file");
        Path file = notAFolder.resolve("out.png");
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(file, "x"));
        assertEquals("cannot write " + file + ": " + notAFolder + " is not a folder", e.getMessage());
    }

    @Test
    void aFolderInTheWayIsRefused() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("out.png"));
        IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(folder, "x"));
        assertTrue(e.getMessage().endsWith("a folder of that name is in the way"), e.getMessage());
    }

    @Test
    void unwritableFolderIsOneClearSentence() throws IOException {
        Path locked = Files.createDirectory(dir.resolve("locked"));
        assumeNotRoot(locked);
        try {
            Path file = locked.resolve("out.png");
            IOException e = assertThrows(IOException.class, () -> AtomicFiles.writeString(file, "x"));
            assertEquals("cannot write " + file + ": folder " + locked + " is not writable", e.getMessage());
        } finally {
            locked.toFile().setWritable(true);
        }
    }

    /** Root may write anywhere, so the permission check can only be seen as an ordinary user. */
    private static void assumeNotRoot(Path folder) {
        folder.toFile().setWritable(false, false);
        org.junit.jupiter.api.Assumptions.assumeFalse(Files.isWritable(folder), "running as root: permissions are not enforced");
    }

    private long countFiles() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    /**
     * A full disk: the JVM's error ("File too large" here, "No space left on device" on a full file system) names
     * no file; the error must say which write failed. A child JVM under `ulimit -f` hits a real file-size limit.
     */
    @Test
    void aFileSystemErrorNamesTheFile() throws Exception {
        Path file = dir.resolve("last.safetensors");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder("bash", "-c", "ulimit -f 64 && exec \"$0\" -cp \"$1\" \"$2\" \"$3\"",
                java, System.getProperty("java.class.path"), FullDisk.class.getName(), file.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assertEquals(0, p.waitFor(), out);
        assertTrue(out.startsWith("cannot write " + file + ": File too large"), out);
        assertFalse(Files.exists(file));
        try (Stream<Path> left = Files.list(dir)) {
            assertEquals(0, left.count(), "no temporary file left");
        }
    }

    /** Writes 1 MiB atomically (more than the child's 64 KiB file-size limit) and prints the error. */
    public static final class FullDisk {
        public static void main(String[] args) {
            try {
                AtomicFiles.writeBytes(Path.of(args[0]), new byte[1 << 20]);
                System.out.println("written");
            } catch (IOException e) {
                System.out.println(e.getMessage());
            }
        }
    }
}
