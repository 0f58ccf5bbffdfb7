package tornadovae.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tornadovae.io.report.LossCurvePlot;
import tornadovae.io.report.MetricsCsv;

/** metrics.csv and loss.png of a run, rewritten each epoch. */
public final class Metrics {
    private Metrics() {}

    /** The columns before the reconstruction metrics were added: such files are still read (as NaN metrics). */
    static final List<String> OLD_COLUMNS = List.of("epoch", "step", "train_loss", "train_recon", "train_kl",
            "test_loss", "test_recon", "test_kl", "grad_norm", "images_per_s", "seconds");
    /** New columns go at the end, so that scripts reading the old ones by position keep working. */
    static final List<String> COLUMNS = java.util.stream.Stream.concat(OLD_COLUMNS.stream(),
            java.util.stream.Stream.of("test_mse", "test_bce", "test_psnr")).toList();

    public static void writeCsv(Path file, List<EpochMetrics> history) throws IOException {
        MetricsCsv csv = MetricsCsv.create(file, COLUMNS);
        for (EpochMetrics m : history)
            csv.append(m.epoch(), m.step(), m.trainLoss(), m.trainRecon(), m.trainKl(), m.testLoss(), m.testRecon(),
                    m.testKl(), m.gradNorm(), m.imagesPerSecond(), m.seconds(), m.testMse(), m.testBce(), m.testPsnr());
    }

    /** The first {@code epochs} rows of a run's metrics.csv (a resumed run continues the table; later rows are dropped). */
    public static List<EpochMetrics> readCsv(Path file, int epochs) throws IOException {
        if (epochs == 0) return new java.util.ArrayList<>();
        List<EpochMetrics> rows = read(file, epochs);
        if (rows.size() < epochs)
            throw new tornadovae.io.DataFormatException(file, "has " + rows.size() + " epochs but the checkpoint being resumed is after epoch " + epochs);
        return rows;
    }

    /** Every row of a run's metrics.csv, in the current or the older column set (for comparisons). */
    public static List<EpochMetrics> readAll(Path file) throws IOException { return read(file, Integer.MAX_VALUE); }

    private static List<EpochMetrics> read(Path file, int epochs) throws IOException {
        List<EpochMetrics> rows = new java.util.ArrayList<>();
        List<String> lines = java.nio.file.Files.readAllLines(file);
        boolean old = !lines.isEmpty() && lines.get(0).equals(String.join(",", OLD_COLUMNS));
        MetricsCsv.resume(file, old ? OLD_COLUMNS : COLUMNS);   // checks the columns and that every row is whole
        for (int i = 1; i < lines.size() && rows.size() < epochs; i++) {
            if (lines.get(i).isEmpty()) continue;
            String[] f = lines.get(i).split(",");
            try {
                EpochMetrics m = old
                        ? new EpochMetrics(Integer.parseInt(f[0]), Long.parseLong(f[1]),
                                d(f[2]), d(f[3]), d(f[4]), d(f[5]), d(f[6]), d(f[7]), d(f[8]), d(f[9]), d(f[10]))
                        : new EpochMetrics(Integer.parseInt(f[0]), Long.parseLong(f[1]), d(f[2]), d(f[3]), d(f[4]),
                                d(f[5]), d(f[6]), d(f[7]), d(f[8]), d(f[9]), d(f[10]), d(f[11]), d(f[12]), d(f[13]));
                if (m.epoch() != rows.size() + 1)
                    throw new tornadovae.io.DataFormatException(file, "line " + (i + 1) + " is epoch " + m.epoch() + ", expected " + (rows.size() + 1));
                rows.add(m);
            } catch (NumberFormatException e) {
                throw new tornadovae.io.DataFormatException(file, "line " + (i + 1) + " has a bad number: " + e.getMessage());
            }
        }
        return rows;
    }

    private static double d(String s) { return Double.parseDouble(s); }

    public static void writeLossCurve(Path png, List<EpochMetrics> history) throws IOException {
        int n = history.size();
        double[] epochs = new double[n];
        Map<String, double[]> series = new LinkedHashMap<>();
        for (String s : List.of("train loss", "test loss", "test reconstruction", "test KL")) series.put(s, new double[n]);
        for (int i = 0; i < n; i++) {
            EpochMetrics m = history.get(i);
            epochs[i] = m.epoch();
            series.get("train loss")[i] = m.trainLoss();
            series.get("test loss")[i] = m.testLoss();
            series.get("test reconstruction")[i] = m.testRecon();
            series.get("test KL")[i] = m.testKl();
        }
        LossCurvePlot.write(png, "loss per sample", "nats per image", epochs, series);
    }
}
