package tornadovae.report;

/**
 * One epoch's numbers, per sample: a row of metrics.csv, the report's table and a checkpoint's metadata.
 * testMse, testBce and testPsnr are the loss-independent metrics of the test set's reconstructions at
 * z = mu ({@link tornadovae.engine.ReconMetrics}); NaN in rows of runs written before they existed.
 */
public record EpochMetrics(int epoch, long step, double trainLoss, double trainRecon, double trainKl,
                           double testLoss, double testRecon, double testKl, double gradNorm,
                           double imagesPerSecond, double seconds, double testMse, double testBce, double testPsnr) {
    /** Without the reconstruction metrics (a metrics.csv row of an older run). */
    public EpochMetrics(int epoch, long step, double trainLoss, double trainRecon, double trainKl, double testLoss,
                        double testRecon, double testKl, double gradNorm, double imagesPerSecond, double seconds) {
        this(epoch, step, trainLoss, trainRecon, trainKl, testLoss, testRecon, testKl, gradNorm, imagesPerSecond, seconds,
                Double.NaN, Double.NaN, Double.NaN);
    }
}
