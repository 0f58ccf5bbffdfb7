package tornadovae.io.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPInputStream;
import tornadovae.io.AtomicFiles;

/** Stores downloaded files only once their size and SHA-256 are right, and checks files already there. */
final class VerifiedFiles {
    private VerifiedFiles() {}

    /**
     * Copies {@code in} to {@code dir/expected.name()} atomically; a wrong size or checksum leaves nothing behind.
     * @param from where the bytes came from, for the message
     */
    static void store(Path dir, ExpectedFile expected, InputStream in, String from) throws IOException {
        Path target = dir.resolve(expected.name());
        AtomicFiles.write(target, out -> {
            MessageDigest sha = sha256();
            byte[] buf = new byte[1 << 16];
            long total = 0;
            for (int n; (n = in.read(buf)) > 0; ) {
                total += n;
                if (total > expected.size())
                    throw new IOException(from + " gave more than the " + expected.size() + " bytes of " + expected.name());
                sha.update(buf, 0, n);
                out.write(buf, 0, n);
            }
            String actual = HexFormat.of().formatHex(sha.digest());
            if (total != expected.size())
                throw new IOException(from + " gave " + total + " bytes of " + expected.name() + ", expected " + expected.size());
            if (!actual.equals(expected.sha256()))
                throw new IOException(from + " gave " + expected.name() + " with SHA-256 " + actual + ", expected " + expected.sha256());
        });
    }

    /** Whether {@code dir} holds the file, plain or as {@code .gz}, with the right size and checksum. */
    static boolean isPresent(Path dir, ExpectedFile expected) throws IOException {
        Path plain = dir.resolve(expected.name());
        if (Files.isRegularFile(plain))
            return Files.size(plain) == expected.size() && hashOf(Files.newInputStream(plain)).equals(expected.sha256());
        Path gz = dir.resolve(expected.name() + ".gz");
        if (!Files.isRegularFile(gz)) return false;
        try {
            return hashOf(new GZIPInputStream(Files.newInputStream(gz))).equals(expected.sha256());
        } catch (IOException corruptGzip) {
            return false;
        }
    }

    private static String hashOf(InputStream stream) throws IOException {
        try (InputStream in = stream) {
            MessageDigest sha = sha256();
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) sha.update(buf, 0, n);
            return HexFormat.of().formatHex(sha.digest());
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError("every JDK has SHA-256", e);
        }
    }
}
