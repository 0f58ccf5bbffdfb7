package tornadovae.io.data;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import tornadovae.io.DataFormatException;

/**
 * Reads a tar stream entry by entry: enough of ustar, GNU long names and pax paths to unpack an npm package
 * without an archive library. Each entry's content is read through {@link #content()} before the next call
 * to {@link #next()}, which skips whatever was left unread.
 */
final class TarReader {
    private static final int BLOCK = 512;
    /** Pax and GNU long-name records are short; a bigger one means a corrupt archive. */
    private static final long MAX_META = 1 << 20;

    record Entry(String name, long size, char type) {
        boolean isFile() { return type == '0' || type == '\0' || type == '7'; }
    }

    private final InputStream in;
    private final Path archive;
    private long position;        // bytes consumed from in
    private long remaining;       // unread content bytes of the current entry
    private long padding;         // bytes after the content up to the next block

    TarReader(InputStream in, Path archive) {
        this.in = in;
        this.archive = archive;
    }

    /** The next entry, or {@code null} at the end of the archive. */
    Entry next() throws IOException {
        skip(remaining + padding);
        remaining = padding = 0;
        String longName = null;
        while (true) {
            byte[] header = new byte[BLOCK];
            int n = in.readNBytes(header, 0, BLOCK);
            if (n == 0 || isZero(header)) return null;   // a missing end marker is harmless
            if (n < BLOCK) throw corrupt("it ends inside an entry header");
            position += BLOCK;
            checkChecksum(header);
            char type = (char) header[156];
            long size = parseSize(header);
            String name = longName != null ? longName : headerName(header);
            if (type == 'L' || type == 'x' || type == 'g') {
                String meta = readMeta(size);
                if (type == 'L') longName = meta.substring(0, meta.indexOf('\0') >= 0 ? meta.indexOf('\0') : meta.length());
                if (type == 'x') longName = paxPath(meta, longName);
                continue;   // these describe the entry that follows
            }
            remaining = size;
            padding = (BLOCK - size % BLOCK) % BLOCK;
            return new Entry(name, size, type);
        }
    }

    /** The current entry's bytes; ends where the entry ends. */
    InputStream content() {
        return new InputStream() {
            @Override public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
            }

            @Override public int read(byte[] b, int off, int len) throws IOException {
                if (remaining == 0) return -1;
                int n = in.read(b, off, (int) Math.min(len, remaining));
                if (n < 0) throw corrupt("it is truncated inside an entry");
                remaining -= n;
                position += n;
                return n;
            }
        };
    }

    private String readMeta(long size) throws IOException {
        if (size > MAX_META) throw corrupt("an extended header of " + size + " bytes at byte " + position + " is implausibly large");
        byte[] data = new byte[(int) size];
        readFully(data);
        skip((BLOCK - size % BLOCK) % BLOCK);
        return new String(data, StandardCharsets.UTF_8);
    }

    /** Pax records are "LENGTH key=value\n"; only the path matters here. */
    private static String paxPath(String meta, String fallback) {
        for (String record : meta.split("\n")) {
            int space = record.indexOf(' '), eq = record.indexOf('=');
            if (space > 0 && eq > space && record.substring(space + 1, eq).equals("path")) return record.substring(eq + 1);
        }
        return fallback;
    }

    private static String headerName(byte[] h) {
        String name = text(h, 0, 100);
        boolean ustar = text(h, 257, 6).startsWith("ustar");
        String prefix = ustar ? text(h, 345, 155) : "";
        return prefix.isEmpty() ? name : prefix + "/" + name;
    }

    private long parseSize(byte[] h) throws DataFormatException {
        if ((h[124] & 0x80) != 0) {   // GNU base-256 for sizes of 8 GiB and more
            long size = h[124] & 0x7f;
            for (int i = 125; i < 136; i++) {
                if (size >>> 55 != 0) throw corrupt("an entry size at byte " + position + " is too large");
                size = size << 8 | (h[i] & 0xff);
            }
            return size;
        }
        return parseOctal(h, 124, 12, "entry size");
    }

    private void checkChecksum(byte[] h) throws DataFormatException {
        long stored = parseOctal(h, 148, 8, "header checksum");
        long sum = 0;
        for (int i = 0; i < BLOCK; i++) sum += (i >= 148 && i < 156) ? ' ' : h[i] & 0xff;
        if (sum != stored) throw corrupt("the header checksum at byte " + (position - BLOCK) + " is wrong");
    }

    private long parseOctal(byte[] h, int off, int len, String what) throws DataFormatException {
        long value = 0;
        int i = off, end = off + len;
        while (i < end && (h[i] == ' ' || h[i] == 0)) i++;
        for (; i < end && h[i] != ' ' && h[i] != 0; i++) {
            if (h[i] < '0' || h[i] > '7' || value >>> 60 != 0)
                throw corrupt("the " + what + " at byte " + (position - BLOCK + off) + " is not an octal number");
            value = value * 8 + (h[i] - '0');
        }
        return value;
    }

    private static String text(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) end++;
        return new String(h, off, end - off, StandardCharsets.UTF_8);
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) if (b != 0) return false;
        return true;
    }

    private void readFully(byte[] data) throws IOException {
        try {
            new java.io.DataInputStream(in).readFully(data);
            position += data.length;
        } catch (EOFException e) {
            throw corrupt("it is truncated inside an entry");
        }
    }

    private void skip(long n) throws IOException {
        while (n > 0) {
            long skipped = in.skip(n);
            if (skipped <= 0) {
                if (in.read() < 0) throw corrupt("it is truncated inside an entry");
                skipped = 1;
            }
            n -= skipped;
            position += skipped;
        }
    }

    private DataFormatException corrupt(String problem) {
        return new DataFormatException(archive, "is not a readable tar archive: " + problem);
    }
}
