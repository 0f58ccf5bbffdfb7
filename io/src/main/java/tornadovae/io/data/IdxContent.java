package tornadovae.io.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import tornadovae.io.DataFormatException;

/**
 * The bytes of an IDX file, plain or gzip-compressed (recognised by its first two bytes, whatever its name),
 * with the content length known before anything is allocated from the header's counts.
 *
 * <p>For a plain file the length is the file size. For gzip it is the trailer's ISIZE field (the uncompressed
 * size modulo 2^32), which an attacker could fake; so it is also capped by deflate's best possible ratio
 * (about 1032:1), and the reader checks while decompressing that the data really ends where the header says.
 */
final class IdxContent implements AutoCloseable {
    /** Deflate cannot expand one compressed byte into more than 1032 output bytes. */
    private static final long MAX_DEFLATE_RATIO = 1032;

    final Path file;
    final boolean gzipped;
    final long length;
    final DataInputStream in;

    private IdxContent(Path file, boolean gzipped, long length, InputStream in) {
        this.file = file;
        this.gzipped = gzipped;
        this.length = length;
        this.in = new DataInputStream(in);
    }

    static IdxContent open(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new DataFormatException(file, "is a folder, not an IDX file");
        if (!Files.isReadable(file)) throw new DataFormatException(file, "cannot be read (check its permissions)");
        long size = Files.size(file);
        if (!startsWithGzipMagic(file, size))
            return new IdxContent(file, false, size, new BufferedInputStream(Files.newInputStream(file), 1 << 16));
        if (size < 18) throw new DataFormatException(file, "is a truncated gzip file (" + size + " bytes)");
        long isize = gzipTrailerSize(file, size);
        InputStream raw = Files.newInputStream(file);
        try {
            return new IdxContent(file, true, isize, new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16));
        } catch (ZipException e) {
            raw.close();
            throw new DataFormatException(file, "is not a valid gzip file (" + e.getMessage() + ")", e);
        } catch (EOFException e) {   // GZIPInputStream reads the gzip header at once; a cut header ends it early
            raw.close();
            throw new DataFormatException(file, "is not a valid gzip file (its gzip header is truncated)", e);
        }
    }

    /**
     * Checks the header's claimed content size against what this file can hold, before anything is allocated.
     * @param what e.g. "60000 images of 28×28", for the message
     */
    void checkLength(long expected, String what) throws DataFormatException {
        if (gzipped) {
            long compressedSize = sizeOrZero();
            if ((expected & 0xffffffffL) != length || expected > compressedSize * MAX_DEFLATE_RATIO)
                throw new DataFormatException(file, "its gzip trailer gives " + length + " uncompressed bytes, but its header announces "
                        + what + " (" + expected + " bytes): the file is truncated or not what its header says");
        } else if (length < expected) {
            throw new DataFormatException(file, "is truncated: its header announces " + what + " (" + expected
                    + " bytes) but the file has only " + length + " bytes");
        } else if (length > expected) {
            throw new DataFormatException(file, "has " + (length - expected) + " bytes after the " + what
                    + " its header announces (" + expected + " bytes expected)");
        }
    }

    /** Reads exactly {@code len} bytes; an early end becomes {@code truncatedProblem}, a sentence about this file. */
    void readFully(byte[] buf, int len, String truncatedProblem) throws IOException {
        try {
            in.readFully(buf, 0, len);
        } catch (EOFException e) {
            throw new DataFormatException(file, truncatedProblem, e);
        } catch (ZipException e) {
            throw new DataFormatException(file, "has corrupt gzip data (" + e.getMessage() + ")", e);
        }
    }

    /** After the announced content: for gzip the length was only a claim, so check nothing follows. */
    void checkAtEnd(long expected) throws IOException {
        int next;
        try {
            next = in.read();
        } catch (ZipException | EOFException e) {
            throw new DataFormatException(file, "has corrupt gzip data at its end (" + e.getMessage() + ")", e);
        }
        if (next != -1) throw new DataFormatException(file, "has data after the " + expected + " bytes its header announces");
    }

    private long sizeOrZero() {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return 0;
        }
    }

    private static boolean startsWithGzipMagic(Path file, long size) throws IOException {
        if (size < 2) return false;
        try (InputStream in = Files.newInputStream(file)) {
            return in.read() == 0x1f && in.read() == 0x8b;
        }
    }

    private static long gzipTrailerSize(Path file, long size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            raf.seek(size - 4);
            int b0 = raf.read(), b1 = raf.read(), b2 = raf.read(), b3 = raf.read();
            return (b0 | b1 << 8 | b2 << 16 | (long) b3 << 24) & 0xffffffffL;
        }
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
