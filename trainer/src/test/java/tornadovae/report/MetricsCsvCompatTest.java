package tornadovae.report;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** metrics.csv gained the reconstruction metrics; files written before them must still be read (resume, compare). */
class MetricsCsvCompatTest {
    @TempDir Path dir;

    @Test
    void anOldFileReadsWithNaNMetricsAndIsRewrittenWithTheNewColumns() throws Exception {
        Path f = dir.resolve("metrics.csv");
        Files.writeString(f, String.join(",", Metrics.OLD_COLUMNS) + "\n1,10,2.0,1.5,0.5,2.5,2.0,0.5,3.0,100.0,1.0\n"
                + "2,20,1.0,0.5,0.5,1.5,1.0,0.5,3.0,100.0,1.0\n");
        List<EpochMetrics> rows = Metrics.readCsv(f, 1);
        assertEquals(1, rows.size());
        assertEquals(2.5, rows.get(0).testLoss());
        assertTrue(Double.isNaN(rows.get(0).testPsnr()));
        assertEquals(2, Metrics.readAll(f).size());
        Metrics.writeCsv(f, rows);   // what a resumed run does
        assertEquals(String.join(",", Metrics.COLUMNS), Files.readAllLines(f).get(0));
        assertTrue(Double.isNaN(Metrics.readCsv(f, 1).get(0).testMse()));
    }

    @Test
    void theNewColumnsRoundTrip() throws Exception {
        Path f = dir.resolve("metrics.csv");
        Metrics.writeCsv(f, List.of(new EpochMetrics(1, 5, 2, 1, 1, 3, 2, 1, 4, 50, 2, 0.02, 0.3, 18.5)));
        EpochMetrics m = Metrics.readAll(f).get(0);
        assertEquals(0.02, m.testMse());
        assertEquals(0.3, m.testBce());
        assertEquals(18.5, m.testPsnr());
    }
}
