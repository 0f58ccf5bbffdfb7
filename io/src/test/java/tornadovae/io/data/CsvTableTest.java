package tornadovae.io.data;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.io.DataFormatException;

class CsvTableTest {
    @TempDir Path tmp;

    Path file(String text) throws Exception {
        Path f = tmp.resolve("t.csv");
        Files.writeString(f, text);
        return f;
    }

    @Test
    void readsQuotedFieldsAByteOrderMarkAndPicksTheNumericColumns() throws Exception {
        Path f = file("\uFEFFname,\"x, in m\",y,kind\r\n\"Smith, \"\"J\"\"\",1.5,-2e3,a\r\n\r\nbob, .25 ,+7,b\n");
        CsvTable t = CsvTable.read(f, new CsvTable.Options(List.of(), "kind", false), s -> fail(s));
        assertEquals(List.of("x, in m", "y"), t.columns());
        assertEquals(2, t.rows());
        assertArrayEquals(new float[]{1.5f, -2000f, 0.25f, 7f}, t.values());
        assertEquals(List.of("a", "b"), t.labels());
        assertArrayEquals(new int[]{2, 4}, t.lines(), "line numbers count the header and the blank line");
        assertEquals(List.of("name", "x, in m", "y", "kind"), CsvTable.header(f));
    }

    @Test
    void chosenColumnsComeInTheOrderAsked() throws Exception {
        CsvTable t = CsvTable.read(file("a,b,c\n1,2,3\n4,5,6\n"), new CsvTable.Options(List.of("c", "a"), null, false), s -> {});
        assertArrayEquals(new float[]{3, 1, 6, 4}, t.values());
        assertNull(t.labels());
    }

    @Test
    void onlyPlainDecimalNumbersAreNumbers() {
        for (String ok : new String[]{"0", "-1", "+2.5", ".5", "5.", "1e-3", " 3 "}) assertNotNull(CsvTable.number(ok), ok);
        for (String bad : new String[]{"", " ", "NaN", "Infinity", "-inf", "1f", "0x10", "1,5", "1e", "--1", "1e999"})
            assertNull(CsvTable.number(bad), bad);
    }

    @Test
    void skippedLinesAreCountedAndTheFirstNamed() throws Exception {
        Path f = file("a,b\n1,2\n3,x\n5\n7,8\n");
        List<String> log = new ArrayList<>();
        CsvTable t = CsvTable.read(f, new CsvTable.Options(List.of(), null, true), log::add);
        assertArrayEquals(new float[]{1, 2, 7, 8}, t.values());
        assertEquals(List.of("warning: skipped 2 bad lines of " + f + "; the first: " + f + ": line 3, column 'b': 'x' is not a finite number"), log);
        var e = assertThrows(DataFormatException.class, () -> CsvTable.read(f, CsvTable.Options.defaults(), s -> {}));
        assertEquals(f + ": line 3, column 'b': 'x' is not a finite number", e.getMessage());
    }

    @Test
    void badHeadersAndOptionsAreRefused() throws Exception {
        assertEquals(file("a,a\n1,2\n") + ": has two columns named 'a' in its header",
                assertThrows(DataFormatException.class, () -> CsvTable.read(tmp.resolve("t.csv"), CsvTable.Options.defaults(), s -> {})).getMessage());
        assertEquals(file("a,\"b\n1,2\n") + ": line 1 has a quote that is not closed (a field cannot span lines)",
                assertThrows(DataFormatException.class, () -> CsvTable.read(tmp.resolve("t.csv"), CsvTable.Options.defaults(), s -> {})).getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CsvTable.Options(List.of("a", "a"), null, false));
        assertThrows(IllegalArgumentException.class, () -> new CsvTable.Options(List.of("a"), "a", false));
    }
}
