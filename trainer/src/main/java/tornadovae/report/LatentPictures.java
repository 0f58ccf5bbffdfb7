package tornadovae.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.commons.math3.distribution.NormalDistribution;
import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealMatrix;
import org.apache.commons.math3.stat.correlation.Covariance;
import tornadovae.engine.Noise;
import tornadovae.engine.Progress;
import tornadovae.engine.VaeSession;
import tornadovae.io.report.ImageGrid;
import tornadovae.io.report.ScatterPlot;

/**
 * What the latent space looks like: encodings of a data set, their PCA coloured by class, the
 * decoded manifold of a 2-D latent space, and walks between two images.
 */
public final class LatentPictures {
    private LatentPictures() {}

    /** [mu | logvar] of images[0..count) as [count][2L], with the eval plans of {@code batch} (and the remainder). */
    public static float[] encode(VaeSession s, float[] images, int count, int batch) {
        return encode(s, images, count, batch, Progress.none());
    }

    /** As {@link #encode(VaeSession, float[], int, int)}, stepping {@code progress} by one per image. */
    public static float[] encode(VaeSession s, float[] images, int count, int batch, Progress progress) {
        int l2 = 2 * s.vae().latent();
        float[] ml = new float[count * l2];
        Noise unused = new Noise(0); // the eval plan samples z; only mu and logvar are kept
        for (int from = 0; from < count; from += batch) {
            int nb = Math.min(batch, count - from);
            s.evalBatch(images, from, nb, unused);
            System.arraycopy(s.lastMuLogvar(nb), 0, ml, from * l2, nb * l2);
            progress.stepBy(nb);
        }
        return ml;
    }

    /** Column j of the means in [n][2L] rows. */
    static double[][] means(float[] muLogvar, int count, int latent) {
        double[][] m = new double[count][latent];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < latent; j++) m[i][j] = muLogvar[i * 2 * latent + j];
        return m;
    }

    /** A projection onto principal components and the share of variance each explains. */
    public record Pca(double[][] projected, double[] explained) {}

    /** The first {@code components} principal components of the rows of {@code data} (Commons Math). */
    public static Pca pca(double[][] data, int components) {
        int n = data.length, d = data[0].length;
        if (n < 2) throw new IllegalArgumentException("a PCA needs at least 2 points, got " + n);
        RealMatrix x = new Array2DRowRealMatrix(data, false);
        double[] mean = new double[d];
        for (double[] row : data) for (int j = 0; j < d; j++) mean[j] += row[j] / n;
        RealMatrix cov = new Covariance(x, false).getCovarianceMatrix();
        EigenDecomposition eig = new EigenDecomposition(cov);
        double[] values = eig.getRealEigenvalues();
        Integer[] order = new Integer[d];
        for (int j = 0; j < d; j++) order[j] = j;
        Arrays.sort(order, (a, b) -> Double.compare(values[b], values[a]));
        double total = Arrays.stream(values).map(v -> Math.max(v, 0)).sum();
        int c = Math.min(components, d);
        double[][] proj = new double[n][c];
        double[] explained = new double[c];
        for (int k = 0; k < c; k++) {
            double[] v = eig.getEigenvector(order[k]).toArray();
            // a fixed sign, so the same model always gives the same picture
            int big = 0;
            for (int j = 1; j < d; j++) if (Math.abs(v[j]) > Math.abs(v[big])) big = j;
            if (v[big] < 0) for (int j = 0; j < d; j++) v[j] = -v[j];
            explained[k] = total > 0 ? Math.max(values[order[k]], 0) / total : 0;
            for (int i = 0; i < n; i++) {
                double acc = 0;
                for (int j = 0; j < d; j++) acc += (data[i][j] - mean[j]) * v[j];
                proj[i][k] = acc;
            }
        }
        return new Pca(proj, explained);
    }

    /**
     * The PCA of the latent means as a scatter plot, coloured by label when labels is not null, the legend naming
     * each label by its class name when {@code classNames} has one ({@link ScatterPlot#seriesName}).
     * A 1-D latent space is drawn against a zero second axis.
     */
    public static Pca writePcaScatter(Path png, float[] muLogvar, int count, int latent, int[] labels, List<String> classNames,
                                      String title) throws IOException {
        Pca p = pca(means(muLogvar, count, latent), 2);
        double[] x = new double[count], y = new double[count];
        for (int i = 0; i < count; i++) {
            x[i] = p.projected()[i][0];
            y[i] = p.projected()[i].length > 1 ? p.projected()[i][1] : 0;
        }
        double e2 = p.explained().length > 1 ? p.explained()[1] : 0;
        ScatterPlot.write(png, title, String.format("PC1 (%.0f%% of variance)", 100 * p.explained()[0]),
                String.format("PC2 (%.0f%%)", 100 * e2), ScatterPlot.byLabel(x, y, labels, classNames, count > 3000 ? 3 : 5));
        return p;
    }

    /** Decodes codes z [n][L] through decode plans of {@code planBatch} codes, padding the last run. */
    public static float[] decodeAll(VaeSession s, float[] z, int n, int planBatch) {
        int lat = s.vae().latent(), d = s.vae().inputDim();
        float[] images = new float[n * d];
        float[] chunk = new float[planBatch * lat];
        for (int from = 0; from < n; from += planBatch) {
            int m = Math.min(planBatch, n - from);
            Arrays.fill(chunk, 0);
            System.arraycopy(z, from * lat, chunk, 0, m * lat);
            float[] out = s.decode(chunk, planBatch);
            System.arraycopy(out, 0, images, from * d, m * d);
        }
        return images;
    }

    /** Codes of a {@code side}×{@code side} grid over the Gaussian's quantiles (5% to 95%), first latent left to right. */
    public static float[] manifoldCodes(int side) {
        if (side < 2) throw new IllegalArgumentException("--side must be at least 2, got " + side);
        NormalDistribution g = new NormalDistribution(0, 1);
        float[] z = new float[side * side * 2];
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++) {
                int i = r * side + c;
                z[2 * i] = (float) g.inverseCumulativeProbability(0.05 + 0.9 * c / (side - 1));
                z[2 * i + 1] = (float) g.inverseCumulativeProbability(0.95 - 0.9 * r / (side - 1)); // up is positive
            }
        return z;
    }

    /**
     * {@code steps} codes from a to b: linear, or spherical (slerp, which keeps the norm of codes
     * drawn from a high-dimensional Gaussian typical instead of cutting through the origin).
     */
    public static float[] interpolate(float[] a, float[] b, int steps, boolean slerp) {
        if (steps < 2) throw new IllegalArgumentException("--steps must be at least 2, got " + steps);
        int l = a.length;
        float[] z = new float[steps * l];
        double dot = 0, na = 0, nb = 0;
        for (int j = 0; j < l; j++) { dot += a[j] * b[j]; na += a[j] * a[j]; nb += b[j] * b[j]; }
        double omega = Math.acos(Math.max(-1, Math.min(1, dot / Math.sqrt(na * nb + 1e-30))));
        boolean spherical = slerp && Math.sin(omega) > 1e-6;
        for (int s = 0; s < steps; s++) {
            double t = (double) s / (steps - 1);
            double wa = 1 - t, wb = t;
            if (spherical) {
                wa = Math.sin((1 - t) * omega) / Math.sin(omega);
                wb = Math.sin(t * omega) / Math.sin(omega);
            }
            for (int j = 0; j < l; j++) z[s * l + j] = (float) (wa * a[j] + wb * b[j]);
        }
        return z;
    }

    /** One row: the first image, the decoded walk, the last image. */
    public static void writeStrip(Path png, float[] first, float[] walk, int steps, float[] last, int c, int h, int w) throws IOException {
        int d = c * h * w;
        float[] row = new float[(steps + 2) * d];
        System.arraycopy(first, 0, row, 0, d);
        System.arraycopy(walk, 0, row, d, steps * d);
        System.arraycopy(last, 0, row, (steps + 1) * d, d);
        ImageGrid.writeGrid(png, row, 0, steps + 2, c, h, w, steps + 2, Pictures.scale(h), 2);
    }

    /**
     * A side×side grid of decoded codes (from {@link #manifoldCodes}), without gaps so the digits read as one surface,
     * inside z axes with ticks ({@link LatentPlane}).
     */
    public static void writeManifold(Path png, float[] images, int side, int c, int h, int w) throws IOException {
        var grid = ImageGrid.render(images, 0, side * side, c, h, w, side, side > 12 ? 1 : Pictures.scale(h), 0);
        LatentPlane.write(png, LatentPlane.withAxes(grid, side, "the latent space decoded, " + side + "×" + side + " codes"));
    }

    /** The plot of a 2-D latent space's means: on the axes of a manifold of this many codes a side, 28 pixels each. */
    public static final int PLANE_SIDE = 20, PLANE_CELL = 28;

    /**
     * The latent means as a picture: a 2-D latent space directly on the manifold's axes ({@link LatentPlane}), a
     * larger one as its first two principal components. Returns the PCA, or null for a 2-D latent space.
     */
    public static Pca writeLatentMeans(Path png, float[] muLogvar, int count, int latent, int[] labels,
                                       List<String> classNames, String title) throws IOException {
        if (latent != 2)
            return writePcaScatter(png, muLogvar, count, latent, labels, classNames, title + ", PCA of " + latent + " dimensions");
        LatentPlane.writeMeans(png, muLogvar, count, labels, PLANE_SIDE, PLANE_CELL, title);
        return null;
    }

    /** Per latent dimension, the mean KL(q(z_j|x) || N(0,1)) over the images: a collapsed dimension is near 0. */
    public static double[] klPerDim(float[] muLogvar, int count, int latent) {
        double[] kl = new double[latent];
        for (int i = 0; i < count; i++)
            for (int j = 0; j < latent; j++) {
                double mu = muLogvar[i * 2 * latent + j], lv = muLogvar[i * 2 * latent + latent + j];
                kl[j] += -0.5 * (1 + lv - mu * mu - Math.exp(lv)) / count;
            }
        return kl;
    }

    /** The labels to colour points by, or one sentence saying the data set has none. */
    public static int[] requireLabels(tornadovae.io.data.Dataset d, int count) {
        if (!d.hasLabels())
            throw new IllegalArgumentException(d.name() + " has no labels to colour the PCA by; use --colour none");
        return Arrays.copyOf(d.labels(), count);
    }

    /** Dimensions whose mean KL exceeds this are counted active. */
    public static final double ACTIVE_KL = 0.01;

    public static int activeDims(double[] klPerDim) {
        int n = 0;
        for (double k : klPerDim) if (k > ACTIVE_KL) n++;
        return n;
    }
}
