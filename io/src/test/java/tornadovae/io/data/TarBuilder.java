package tornadovae.io.data;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPOutputStream;

/** Builds ustar archives in memory for tests, the way npm and GNU tar lay them out. */
final class TarBuilder {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    TarBuilder file(String name, byte[] content) {
        return entry(name, content, '0');
    }

    TarBuilder folder(String name) {
        return entry(name, new byte[0], '5');
    }

    /** A file whose long path travels in a pax extended header before it. */
    TarBuilder paxFile(String path, byte[] content) {
        int recordBytes = (" path=" + path + "\n").getBytes(StandardCharsets.UTF_8).length;
        int len = recordBytes + 1;   // the length counts its own digits
        while (String.valueOf(len).length() + recordBytes != len) len++;
        entry("PaxHeader/x", (len + " path=" + path + "\n").getBytes(StandardCharsets.UTF_8), 'x');
        return entry("short-name-ignored", content, '0');
    }

    /** A file whose long path travels in a GNU ././@LongLink entry before it. */
    TarBuilder gnuLongNameFile(String path, byte[] content) {
        entry("././@LongLink", (path + "\0").getBytes(StandardCharsets.UTF_8), 'L');
        return entry(path.substring(0, 99), content, '0');
    }

    TarBuilder entry(String name, byte[] content, char type) {
        byte[] h = new byte[512];
        String prefix = "";
        if (name.length() > 100) {   // ustar splits long paths at a slash into prefix and name
            int slash = name.lastIndexOf('/', 155);
            prefix = name.substring(0, slash);
            name = name.substring(slash + 1);
        }
        put(h, 0, name);
        put(h, 100, "0000644");
        put(h, 108, "0001750");
        put(h, 116, "0001750");
        put(h, 124, String.format("%011o", content.length));
        put(h, 136, "14574762514");
        h[156] = (byte) type;
        put(h, 257, "ustar");
        put(h, 263, "00");
        put(h, 345, prefix);
        for (int i = 148; i < 156; i++) h[i] = ' ';
        int sum = 0;
        for (byte b : h) sum += b & 0xff;
        put(h, 148, String.format("%06o", sum));   // then NUL, then the space already there
        h[154] = 0;
        out.writeBytes(h);
        out.writeBytes(content);
        out.writeBytes(new byte[(512 - content.length % 512) % 512]);
        return this;
    }

    byte[] tar() {
        ByteArrayOutputStream done = new ByteArrayOutputStream();
        done.writeBytes(out.toByteArray());
        done.writeBytes(new byte[1024]);   // the end-of-archive marker
        return done.toByteArray();
    }

    byte[] tgz() throws IOException {
        return IdxFiles.gzip(tar());
    }

    private static void put(byte[] h, int off, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(b, 0, h, off, b.length);
    }
}
