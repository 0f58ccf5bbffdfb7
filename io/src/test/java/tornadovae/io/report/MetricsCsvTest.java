package tornadovae.io.report;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.io.DataFormatException;

class MetricsCsvTest {
    @TempDir Path dir;
    private static final List<String> COLUMNS = List.of("epoch", "train_loss", "test_loss", "note");

    @Test
    void writesTheHeaderThenOneRowPerEpoch() throws IOException {
        Path file = dir.resolve("metrics.csv");
        MetricsCsv csv = MetricsCsv.create(file, COLUMNS);
        assertEquals("epoch,train_loss,test_loss,note\n", Files.readString(file));
        csv.append(1, 164.25, Double.NaN, null);
        csv.append(2, 121.5f, 118.0, "lr=1e-3, warm \"restart\"\nthen on");
        assertEquals("epoch,train_loss,test_loss,note\n1,164.25,NaN,\n2,121.5,118.0,\"lr=1e-3, warm \"\"restart\"\" then on\"\n",
                Files.readString(file));
        assertEquals(2, csv.rowCount());
        assertThrows(IllegalArgumentException.class, () -> csv.append(3, 1.0));
    }

    @Test
    void resumeKeepsEarlierRowsAndTruncatesToTheCheckpoint() throws IOException {
        Path file = dir.resolve("metrics.csv");
        MetricsCsv first = MetricsCsv.create(file, COLUMNS);
        for (int e = 1; e <= 5; e++) first.append(e, 100.0 / e, 90.0 / e, "a,b");
        MetricsCsv resumed = MetricsCsv.resume(file, COLUMNS);
        assertEquals(5, resumed.rowCount());
        resumed.truncate(3);   // the checkpoint being resumed is from epoch 3
        resumed.append(4, 1.0, 2.0, null);
        List<String> lines = Files.readAllLines(file);
        assertEquals(5, lines.size());
        assertEquals("3,33.333333333333336,30.0,\"a,b\"", lines.get(3));
        assertEquals("4,1.0,2.0,", lines.get(4));
        assertEquals(0, MetricsCsv.resume(dir.resolve("new.csv"), COLUMNS).rowCount());
    }

    @Test
    void resumingATableOfOtherColumnsOrTornRowsIsRefused() throws IOException {
        Path file = Files.writeString(dir.resolve("metrics.csv"), "epoch,loss\n1,2.0\n");
        DataFormatException e = assertThrows(DataFormatException.class, () -> MetricsCsv.resume(file, COLUMNS));
        assertEquals(file + ": has columns epoch,loss but this run writes epoch,train_loss,test_loss,note", e.getMessage());

        Files.writeString(file, "epoch,train_loss,test_loss,note\n1,2.0,3.0,\n2,1.5\n");
        e = assertThrows(DataFormatException.class, () -> MetricsCsv.resume(file, COLUMNS));
        assertEquals(file + ": line 3 has 2 fields, expected 4", e.getMessage());
    }

    @Test
    void aRowWhoseWriteFailedIsNotKept() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("run"));
        Path file = sub.resolve("metrics.csv");
        MetricsCsv csv = MetricsCsv.create(file, COLUMNS);
        csv.append(1, 1.0, 1.0, null);
        String good = Files.readString(file);
        // Root may write anywhere, so make the next write fail by putting a file where the folder was.
        Files.delete(file);
        Files.delete(sub);
        Files.writeString(sub, "not a folder");
        assertThrows(IOException.class, () -> csv.append(2, 2.0, 2.0, null));
        assertEquals(1, csv.rowCount(), "the failed row is not kept for the next write");
        Files.delete(sub);
        Files.createDirectory(sub);
        csv.append(2, 2.0, 2.0, null);
        assertEquals(good + "2,2.0,2.0,\n", Files.readString(file));
    }
}
