import java.util.Random;
import tornadovae.api.VaeModel;
import tornadovae.api.VaeTrainer;

/** Trains a VAE on rows in memory, stops when the loss levels off, and scores new rows. Writes no file. */
public class TrainExample {
    public static void main(String[] args) throws Exception {
        Random random = new Random(42);
        float[][] rows = new float[10_000][];
        for (int i = 0; i < rows.length; i++) rows[i] = normalRow(random);

        double[] best = {Double.MAX_VALUE};
        int[] epochs = {0};
        try (VaeModel model = new VaeTrainer()
                .mlp(64, 32).latent(2)
                .epochs(100).batchSize(128).learningRate(1e-3f).seed(7)
                .onEpoch(e -> {                        // stop once an epoch improves the loss by less than 1%
                    epochs[0] = e.epoch();
                    boolean better = e.trainLoss() < 0.99 * best[0];
                    best[0] = Math.min(best[0], e.trainLoss());
                    return better;
                })
                .train(rows)) {                         // columns are scaled to [0, 1]; the loss is mse

            float[][] fresh = {normalRow(random), normalRow(random), normalRow(random)};
            float[][] odd = {normalRow(random), normalRow(random), normalRow(random)};
            for (float[] row : odd) row[3] += 25;       // one column far off the others' pattern
            double normal = 0, anomalous = 0;
            for (VaeModel.Score s : model.scoreRaw(fresh)) normal += s.score() / fresh.length;
            for (VaeModel.Score s : model.scoreRaw(odd)) anomalous += s.score() / odd.length;
            System.out.printf("stopped after epoch %d of 100; mean anomaly score: normal rows %.3f, odd rows %.3f%n",
                    epochs[0], normal, anomalous);
        }
    }

    /** Six columns driven by two hidden factors, plus a little noise. */
    static float[] normalRow(Random r) {
        double a = r.nextGaussian(), b = r.nextGaussian();
        float[] row = {(float) a, (float) b, (float) (a + b), (float) (a - b), (float) (2 * a), (float) (3 * b)};
        for (int j = 0; j < row.length; j++) row[j] += (float) (0.1 * r.nextGaussian());
        return row;
    }
}
