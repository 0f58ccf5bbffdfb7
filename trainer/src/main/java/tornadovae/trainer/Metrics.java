package tornadovae.trainer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tornadovae.io.report.LossCurvePlot;
import tornadovae.io.report.MetricsCsv;

/** metrics.csv and loss.png of a run, rewritten each epoch. */
final class Metrics {
    private Metrics() {}

    static final List<String> COLUMNS = List.of("epoch", "step", "train_loss", "train_recon", "train_kl",
            "test_loss", "test_recon", "test_kl", "grad_norm", "images_per_s", "seconds");

    static void writeCsv(Path file, List<Trainer.EpochMetrics> history) throws IOException {
        MetricsCsv csv = MetricsCsv.create(file, COLUMNS);
        for (Trainer.EpochMetrics m : history)
            csv.append(m.epoch(), m.step(), m.trainLoss(), m.trainRecon(), m.trainKl(), m.testLoss(), m.testRecon(),
                    m.testKl(), m.gradNorm(), m.imagesPerSecond(), m.seconds());
    }

    static void writeLossCurve(Path png, List<Trainer.EpochMetrics> history) throws IOException {
        int n = history.size();
        double[] epochs = new double[n];
        Map<String, double[]> series = new LinkedHashMap<>();
        for (String s : List.of("train loss", "test loss", "test reconstruction", "test KL")) series.put(s, new double[n]);
        for (int i = 0; i < n; i++) {
            Trainer.EpochMetrics m = history.get(i);
            epochs[i] = m.epoch();
            series.get("train loss")[i] = m.trainLoss();
            series.get("test loss")[i] = m.testLoss();
            series.get("test reconstruction")[i] = m.testRecon();
            series.get("test KL")[i] = m.testKl();
        }
        LossCurvePlot.write(png, "loss per sample", "nats per image", epochs, series);
    }
}
