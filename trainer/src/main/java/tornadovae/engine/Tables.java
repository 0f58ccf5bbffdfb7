package tornadovae.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import tornadovae.io.data.CsvTable;
import tornadovae.io.data.Dataset;

/**
 * A CSV file as data sets ({@code --dataset csv}): each row is a 1×1×D "image" of its scaled feature columns. The
 * training and test splits are chosen by a hash of the row's position among the rows read (so, as for a folder of
 * images, the same file splits the same way every time); the scaler is fitted on the training split alone.
 */
public final class Tables {
    private Tables() {}

    /**
     * The default β for table rows: scaled columns lie in [0, 1], and the mse loss with β = 1 is a Gaussian of standard
     * deviation 0.7 about them, so wide that the KL wins and the latent collapses (the model learns the mean row).
     * β = 0.001 makes it a Gaussian of standard deviation sqrt(β / 2) ≈ 0.022, about 2% of a column's training range
     * ({@link AnomalyScore}).
     */
    public static final float DEFAULT_BETA = 0.001f;

    /** Share of the rows put in the test split. */
    public static final double TEST_FRACTION = 0.1;

    /** Both splits, scaled, the scaler fitted on the training one, and the table as read. */
    public record Split(Dataset train, Dataset test, Scaler scaler, CsvTable table) {}

    public static Split load(Path file, CsvTable.Options o, Scaler.Kind kind, Consumer<String> log) throws IOException {
        CsvTable t = CsvTable.read(file, o, log);
        int d = t.columns().size();
        List<Integer> train = new ArrayList<>(), test = new ArrayList<>();
        for (int i = 0; i < t.rows(); i++) (inTest(i) ? test : train).add(i);
        if (train.isEmpty() || test.isEmpty())
            throw new IllegalArgumentException(file + " has only " + t.rows() + " rows: too few to split into training and test rows");
        float[] trainRows = gather(t, train), testRows = gather(t, test);
        Scaler s = Scaler.fit(kind, t.columns(), trainRows, train.size());
        s.applyInPlace(trainRows, train.size());
        s.applyInPlace(testRows, test.size());
        Labels labels = labels(t);
        log.accept(file.getFileName() + ": " + d + " columns (" + String.join(",", t.columns()) + ")"
                + (t.labelColumn() != null ? ", label " + t.labelColumn() : "") + ", " + kind.cliName() + " scaling");
        return new Split(dataset(t, trainRows, train, labels), dataset(t, testRows, test, labels), s, t);
    }

    /** Every row of a table, scaled by a model's scaler (for scoring), in file order. */
    public static Dataset scaled(CsvTable t, Scaler s) {
        float[] v = t.values().clone();
        s.applyInPlace(v, t.rows());
        List<Integer> all = new ArrayList<>();
        for (int i = 0; i < t.rows(); i++) all.add(i);
        return dataset(t, v, all, labels(t));
    }

    /** A fixed pseudo-random choice by row position (a 64-bit mix; the same on every JVM). */
    static boolean inTest(int row) {
        long z = (row + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return (z >>> 11) * 0x1.0p-53 < TEST_FRACTION;
    }

    private static float[] gather(CsvTable t, List<Integer> rows) {
        int d = t.columns().size();
        float[] r = new float[rows.size() * d];
        for (int k = 0; k < rows.size(); k++) System.arraycopy(t.values(), rows.get(k) * d, r, k * d, d);
        return r;
    }

    /**
     * Integer labels for the rows, and class names when the label cells are not all small non-negative integers
     * (then each distinct cell is a class, numbered in order of first appearance). Null labels without a label column.
     */
    private record Labels(int[] values, List<String> names) {}

    private static Labels labels(CsvTable t) {
        if (t.labels() == null) return new Labels(null, List.of());
        int[] v = new int[t.rows()];
        boolean numbers = true;
        for (int i = 0; i < v.length && numbers; i++) {
            String s = t.labels().get(i);
            numbers = s.matches("\\d{1,6}");
            if (numbers) v[i] = Integer.parseInt(s);
        }
        if (numbers) return new Labels(v, List.of());
        Map<String, Integer> ids = new HashMap<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < v.length; i++)
            v[i] = ids.computeIfAbsent(t.labels().get(i), k -> { names.add(k); return names.size() - 1; });
        return new Labels(v, names);
    }

    private static Dataset dataset(CsvTable t, float[] rows, List<Integer> which, Labels l) {
        int[] labels = null;
        if (l.values() != null) {
            labels = new int[which.size()];
            for (int k = 0; k < labels.length; k++) labels[k] = l.values()[which.get(k)];
        }
        int d = t.columns().size();
        return new Dataset(t.file().getFileName().toString(), rows, labels, l.names(), which.size(), 1, 1, d);
    }
}
