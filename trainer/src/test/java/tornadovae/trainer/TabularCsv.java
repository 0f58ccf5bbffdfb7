package tornadovae.trainer;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.TreeSet;

/**
 * A CSV file of tabular data with planted anomalies, for the --dataset csv and `vae score` tests: each normal row's
 * columns are fixed linear mixes of 3 hidden Gaussian factors plus a little noise, on columns of different offsets and
 * scales. Anomalies, labelled "anomaly" in the kind column: half break the mix (the second half of the columns follow
 * other factors than the first: each column alone looks normal), half have one column 6 of its standard deviations off.
 * {@code main} writes a large one for a run by hand.
 */
final class TabularCsv {
    private TabularCsv() {}

    /** Writes the file; returns the 0-based data rows that are anomalies. */
    static TreeSet<Integer> write(Path file, int rows, int cols, int anomalies, long seed) throws IOException {
        Random r = new Random(seed);
        double[][] w = new double[cols][3];
        double[] offset = new double[cols], scale = new double[cols];
        for (int j = 0; j < cols; j++) {
            for (int k = 0; k < 3; k++) w[j][k] = r.nextGaussian();
            offset[j] = 100 * r.nextGaussian();
            scale[j] = Math.exp(2 * r.nextDouble());
        }
        TreeSet<Integer> odd = new TreeSet<>();
        while (odd.size() < anomalies) odd.add(r.nextInt(rows));
        try (BufferedWriter out = Files.newBufferedWriter(file)) {
            out.write("id");
            for (int j = 0; j < cols; j++) out.write(",c" + j);
            out.write(",kind\n");
            for (int i = 0; i < rows; i++) {
                double[] f = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
                double[] g = {r.nextGaussian(), r.nextGaussian(), r.nextGaussian()};
                boolean anomaly = odd.contains(i), mixBroken = anomaly && odd.headSet(i).size() % 2 == 0;
                int offColumn = anomaly && !mixBroken ? r.nextInt(cols) : -1;
                out.write("row" + i);
                for (int j = 0; j < cols; j++) {
                    double[] h = mixBroken && j >= cols / 2 ? g : f;
                    double x = w[j][0] * h[0] + w[j][1] * h[1] + w[j][2] * h[2] + 0.1 * r.nextGaussian();
                    double sd = Math.sqrt(w[j][0] * w[j][0] + w[j][1] * w[j][1] + w[j][2] * w[j][2] + 0.01);
                    if (j == offColumn) x += 6 * sd;
                    out.write("," + (float) (offset[j] + scale[j] * x));
                }
                out.write(anomaly ? ",anomaly\n" : ",normal\n");
            }
        }
        return odd;
    }

    /** {@code TabularCsv FILE ROWS COLS ANOMALIES}: writes a file for a run by hand and prints the anomalies' rows. */
    public static void main(String[] args) throws IOException {
        System.out.println(write(Path.of(args[0]), Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]), 11));
    }
}
