package tornadovae.io.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import tornadovae.io.DataFormatException;

class TarReaderTest {
    private static final Path ARCHIVE = Path.of("pkg.tgz");

    @Test
    void readsNamesTypesAndContents() throws IOException {
        byte[] big = new byte[1500];
        for (int i = 0; i < big.length; i++) big[i] = (byte) i;
        String longPath = "package/" + "deep/".repeat(25) + "file.bin";
        String paxPath = "package/" + "é".repeat(120) + ".txt";
        String gnuPath = "package/" + "g".repeat(150);
        byte[] tar = new TarBuilder()
                .folder("package/")
                .file("package/a.txt", bytes("hello"))
                .file("package/big.bin", big)
                .file(longPath, bytes("deep"))
                .paxFile(paxPath, bytes("pax"))
                .gnuLongNameFile(gnuPath, bytes("gnu"))
                .file("package/empty", new byte[0])
                .tar();

        TarReader reader = new TarReader(new ByteArrayInputStream(tar), ARCHIVE);
        List<String> seen = new ArrayList<>();
        for (TarReader.Entry e; (e = reader.next()) != null; ) {
            byte[] content = e.name().equals("package/a.txt") ? reader.content().readAllBytes() : null;  // others skipped unread
            seen.add(e.name() + ":" + e.size() + ":" + e.isFile());
            if (content != null) assertEquals("hello", new String(content, StandardCharsets.UTF_8));
            if (e.name().equals("package/big.bin")) assertArrayEquals(big, reader.content().readAllBytes());
            if (e.name().equals(paxPath)) assertEquals("pax", new String(reader.content().readAllBytes(), StandardCharsets.UTF_8));
            if (e.name().equals(gnuPath)) assertEquals("gnu", new String(reader.content().readAllBytes(), StandardCharsets.UTF_8));
        }
        assertEquals(List.of("package/:0:false", "package/a.txt:5:true", "package/big.bin:1500:true", longPath + ":4:true",
                paxPath + ":3:true", gnuPath + ":3:true", "package/empty:0:true"), seen);
    }

    @Test
    void truncatedArchiveIsRefused() throws IOException {
        byte[] tar = new TarBuilder().file("package/big.bin", new byte[3000]).tar();
        TarReader cutInContent = new TarReader(new ByteArrayInputStream(Arrays.copyOf(tar, 2000)), ARCHIVE);
        cutInContent.next();
        DataFormatException e = assertThrows(DataFormatException.class, () -> cutInContent.content().readAllBytes());
        assertEquals("pkg.tgz: is not a readable tar archive: it is truncated inside an entry", e.getMessage());

        TarReader cutInHeader = new TarReader(new ByteArrayInputStream(Arrays.copyOf(tar, 300)), ARCHIVE);
        e = assertThrows(DataFormatException.class, cutInHeader::next);
        assertEquals("pkg.tgz: is not a readable tar archive: it ends inside an entry header", e.getMessage());
    }

    @Test
    void corruptHeaderIsRefused() {
        byte[] tar = new TarBuilder().file("package/a.txt", bytes("hello")).tar();
        tar[3] ^= 1;
        TarReader reader = new TarReader(new ByteArrayInputStream(tar), ARCHIVE);
        DataFormatException e = assertThrows(DataFormatException.class, reader::next);
        assertEquals("pkg.tgz: is not a readable tar archive: the header checksum at byte 0 is wrong", e.getMessage());
    }

    @Test
    void somethingElseEntirelyIsRefused() {
        byte[] html = bytes("<html><body>Not Found</body></html>" + " ".repeat(600));
        TarReader reader = new TarReader(new ByteArrayInputStream(html), ARCHIVE);
        DataFormatException e = assertThrows(DataFormatException.class, reader::next);
        assertTrue(e.getMessage().startsWith("pkg.tgz: is not a readable tar archive: "), e.getMessage());
    }

    private static byte[] bytes(String s) { return s.getBytes(StandardCharsets.UTF_8); }
}
