package tornadovae.report;

/** One epoch's numbers, per sample: a row of metrics.csv, the report's table and a checkpoint's metadata. */
public record EpochMetrics(int epoch, long step, double trainLoss, double trainRecon, double trainKl,
                           double testLoss, double testRecon, double testKl, double gradNorm,
                           double imagesPerSecond, double seconds) {}
