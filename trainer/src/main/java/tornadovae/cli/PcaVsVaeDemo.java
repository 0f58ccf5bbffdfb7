package tornadovae.cli;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import tornadovae.engine.Noise;
import tornadovae.engine.VaeSession;
import tornadovae.io.report.ScatterPlot;
import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.Backend;
import tornadovae.model.Loss;
import tornadovae.model.Optimizer;
import tornadovae.model.Shape;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;
import tornadovae.report.LatentPictures;

/**
 * The tutorials' comparison: 2-D correlated Gaussian data, compressed to one number by PCA (one
 * component) and by a VAE with a 1-D latent, both reconstructions drawn over the data.
 *
 * <p>The decoder ends in a sigmoid, so the points are mapped affinely into [0, 1] (±4 standard
 * deviations) and the VAE uses the mse loss: a Gaussian decoder. At that scale the data's
 * variance is far below the Gaussian's implied variance of 1/2, and with β = 1 the KL term wins
 * and the latent collapses (the VAE draws every point at the mean); a small β is the same as a
 * decoder variance of β/2, which is what a model of this data needs.
 */
public final class PcaVsVaeDemo {
    private PcaVsVaeDemo() {}

    public record Result(double pcaMse, double vaeMse, double[][] data, double[][] pca, double[][] vae) {}

    /** x = g₁, y = ρ·g₁ + √(1−ρ²)·g₂ with ρ = 0.8, then shifted and scaled by the same amount into [0, 1]. */
    static float[] toyData(int n, long seed) {
        float[] xy = new float[2 * n];
        float[] g = new float[2 * n];
        new Noise(seed).gaussian(g, 0, 2 * n);
        for (int i = 0; i < n; i++) {
            double x = g[2 * i], y = 0.8 * g[2 * i] + 0.6 * g[2 * i + 1];
            xy[2 * i] = (float) clamp01(0.5 + x / 8);
            xy[2 * i + 1] = (float) clamp01(0.5 + y / 8);
        }
        return xy;
    }

    private static double clamp01(double v) { return Math.max(0, Math.min(1, v)); }

    public static Result run(int n, int epochs, float beta, long seed, Backend backend) {
        float[] data = toyData(n, seed);
        double[][] points = new double[n][2];
        for (int i = 0; i < n; i++) points[i] = new double[]{data[2 * i], data[2 * i + 1]};

        // PCA: project on the first component and back
        LatentPictures.Pca p = LatentPictures.pca(points, 2);
        double[] mean = new double[2];
        for (double[] q : points) { mean[0] += q[0] / n; mean[1] += q[1] / n; }
        double[] v = firstComponent(points, p);
        double[][] pca = new double[n][2];
        for (int i = 0; i < n; i++) {
            double t = p.projected()[i][0];
            pca[i] = new double[]{mean[0] + t * v[0], mean[1] + t * v[1]};
        }

        // VAE: 2-32-1 encoder, 1-32-2 decoder, tanh, mse
        VaeSpec spec = new VaeSpec("mlp", Shape.of(2), new int[]{32}, 1, ActivationKind.TANH, 0.2f, Loss.MSE);
        Vae vae = spec.build();
        int batch = Math.min(100, n);
        int[] trainBatches = VaeSession.batchSizes(n, batch);
        double[][] rec = new double[n][2];
        try (VaeSession s = new VaeSession(vae, backend, Optimizer.adam(), trainBatches, new int[]{n}, new int[]{n})) {
            vae.initParams(s.workspace().params(), seed);
            s.prepare();
            Noise noise = new Noise(seed + 1);
            int[] order = new int[n];
            for (int i = 0; i < n; i++) order[i] = i;
            for (int e = 0; e < epochs; e++) {
                noise.shuffle(order);
                for (int from = 0; from < n; from += batch)
                    s.trainStep(data, order, from, Math.min(batch, n - from), 3e-3f, beta, noise);
            }
            s.evalBatch(data, 0, n, noise);
            float[] ml = s.lastMuLogvar(n);
            float[] mu = new float[n];
            for (int i = 0; i < n; i++) mu[i] = ml[2 * i];
            float[] out = s.decode(mu, n);
            for (int i = 0; i < n; i++) rec[i] = new double[]{out[2 * i], out[2 * i + 1]};
        }
        return new Result(mse(points, pca), mse(points, rec), points, pca, rec);
    }

    private static double[] firstComponent(double[][] points, LatentPictures.Pca p) {
        // the direction is the regression of the points on their first projection: v = Σ t·(x−mean) / Σ t²
        double[] v = new double[2];
        double tt = 0, mx = 0, my = 0;
        for (double[] q : points) { mx += q[0] / points.length; my += q[1] / points.length; }
        for (int i = 0; i < points.length; i++) {
            double t = p.projected()[i][0];
            v[0] += t * (points[i][0] - mx);
            v[1] += t * (points[i][1] - my);
            tt += t * t;
        }
        v[0] /= tt;
        v[1] /= tt;
        return v;
    }

    static double mse(double[][] a, double[][] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (a[i][0] - b[i][0]) * (a[i][0] - b[i][0]) + (a[i][1] - b[i][1]) * (a[i][1] - b[i][1]);
        return s / a.length;
    }

    /** Data in gray, reconstructions in colour, one panel per method, axes in the [0, 1] units the models saw. */
    public static void plot(Path png, Result r) throws IOException {
        var pcaPanel = ScatterPlot.render(String.format("PCA, 1 component: MSE %.5f", r.pcaMse()), "x", "y",
                List.of(series("data", r.data(), new Color(160, 160, 160)), series("PCA reconstruction", r.pca(), new Color(0xd62728))),
                600, 560);
        var vaePanel = ScatterPlot.render(String.format("VAE, 1-D latent: MSE %.5f", r.vaeMse()), "x", "y",
                List.of(series("data", r.data(), new Color(160, 160, 160)), series("VAE reconstruction", r.vae(), new Color(0x1f77b4))),
                600, 560);
        ScatterPlot.writeSideBySide(png, List.of(pcaPanel, vaePanel));
    }

    private static ScatterPlot.Series series(String name, double[][] pts, Color c) {
        double[] x = new double[pts.length], y = new double[pts.length];
        for (int i = 0; i < pts.length; i++) { x[i] = pts[i][0]; y[i] = pts[i][1]; }
        return new ScatterPlot.Series(name, x, y, c, 4);
    }
}
