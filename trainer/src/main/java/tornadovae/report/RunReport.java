package tornadovae.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import tornadovae.engine.VaeSession;
import tornadovae.io.AtomicFiles;
import tornadovae.io.data.Dataset;
import tornadovae.io.report.MetricsCsv;

/**
 * The run's latent pictures and its index.html, rewritten atomically after every epoch: the
 * settings, the metrics table, the loss curves, the latest sample and reconstruction grids, the
 * latent PCA, an interpolation strip and the KL of every latent dimension. Images are linked by
 * relative paths, so the folder opens from disk (or anywhere it is copied) with no server.
 *
 * The latent pictures are redrawn after the first epoch, after the last, and in between only once
 * {@link #LATENT_REDRAW_SECONDS} have passed since the last drawing. Drawing them costs ~100 ms an
 * epoch here (over half a second the first time, and the JIT's time for the plotting code): a tenth
 * of a 2-second MNIST epoch, for pictures that a page reloading every 30 s would mostly never show.
 */
public final class RunReport {
    /** Test images in the latent PCA: enough to see the classes, few enough to draw in a moment. */
    static final int PCA_POINTS = 5000;
    static final int INTERPOLATION_STEPS = 10;
    /** A 2-D latent space also gets its decoded manifold, this many codes a side. */
    static final int MANIFOLD_SIDE = 20;
    /** The page reloads itself this often while training runs; the latent pictures need not change faster. */
    static final int RELOAD_SECONDS = 30;
    static final int LATENT_REDRAW_SECONDS = RELOAD_SECONDS;

    /** The encoded test set of one epoch, and the KL of each latent dimension over it. */
    public record Latents(float[] muLogvar, int count, double[] klPerDim, int active) {}

    private final Path dir;
    private final Map<String, String> settings;
    private final int latent;
    /** Per epoch of this process (a resumed run starts a new table), the KL of each latent dimension. */
    private final java.util.SortedMap<Integer, double[]> klHistory = new java.util.TreeMap<>();
    private final LongSupplier nanoClock;
    private long latentDrawnAt;
    private int latentEpoch;   // the epoch the latent pictures on disk show; 0: none drawn by this process

    public RunReport(Path dir, Map<String, String> settings, int latent) { this(dir, settings, latent, System::nanoTime); }

    /** With the clock that spaces the latent pictures' redrawing (tests pass their own). */
    RunReport(Path dir, Map<String, String> settings, int latent, LongSupplier nanoClock) {
        this.dir = dir;
        this.settings = settings;
        this.latent = latent;
        this.nanoClock = nanoClock;
    }

    /** The epoch whose latent pictures are on disk (0 before the first drawing). */
    int latentEpoch() { return latentEpoch; }

    /** From the [mu | logvar] rows an evaluation pass kept (the training loop's: no second pass over the test set). */
    public static Latents latents(float[] muLogvar, int count, int latent) {
        double[] kl = LatentPictures.klPerDim(muLogvar, count, latent);
        return new Latents(muLogvar, count, kl, LatentPictures.activeDims(kl));
    }

    public void writeEpoch(VaeSession s, Dataset test, Latents lat, List<EpochMetrics> history, boolean finished)
            throws IOException {
        int epoch = history.get(history.size() - 1).epoch();
        klHistory.put(epoch, lat.klPerDim());
        writeKlCsv();
        long now = nanoClock.getAsLong();
        if (latentEpoch == 0 || finished || now - latentDrawnAt >= LATENT_REDRAW_SECONDS * 1_000_000_000L) {
            writeLatentPictures(s, test, lat, epoch);
            latentDrawnAt = now;
            latentEpoch = epoch;
        }
        AtomicFiles.writeString(dir.resolve("index.html"), html(history, lat, finished));
    }

    private void writeLatentPictures(VaeSession s, Dataset test, Latents lat, int epoch) throws IOException {
        int n = Math.min(PCA_POINTS, lat.count());
        if (n >= 2)
            LatentPictures.writeLatentMeans(dir.resolve("latent_pca.png"), lat.muLogvar(), n, latent,
                    test.hasLabels() ? Arrays.copyOf(test.labels(), n) : null, test.classNames(),
                    "epoch " + epoch + ": latent means of " + n + " test images");
        if (lat.count() >= 2) writeInterpolation(s, test, lat);
        if (latent == 2)
            LatentPictures.writeManifold(dir.resolve("manifold.png"), LatentPictures.decodeAll(s,
                    LatentPictures.manifoldCodes(MANIFOLD_SIDE), MANIFOLD_SIDE * MANIFOLD_SIDE, Pictures.SAMPLE_COUNT),
                    MANIFOLD_SIDE, test.channels(), test.height(), test.width());
    }

    private void writeKlCsv() throws IOException {
        List<String> cols = new ArrayList<>(List.of("epoch", "active_dims"));
        for (int j = 0; j < latent; j++) cols.add("kl_" + j);
        MetricsCsv csv = MetricsCsv.create(dir.resolve("kl_per_dim.csv"), cols);
        for (var e : klHistory.entrySet()) {
            Object[] row = new Object[cols.size()];
            row[0] = e.getKey();
            row[1] = LatentPictures.activeDims(e.getValue());
            for (int j = 0; j < latent; j++) row[2 + j] = e.getValue()[j];
            csv.append(row);
        }
    }

    /** Test images 0 and 1, linearly, through the session's 64-code decode plan. */
    private void writeInterpolation(VaeSession s, Dataset test, Latents lat) throws IOException {
        int d = test.dim();
        float[] a = Arrays.copyOfRange(lat.muLogvar(), 0, latent), b = Arrays.copyOfRange(lat.muLogvar(), 2 * latent, 3 * latent);
        float[] walk = LatentPictures.decodeAll(s, LatentPictures.interpolate(a, b, INTERPOLATION_STEPS, false),
                INTERPOLATION_STEPS, Pictures.SAMPLE_COUNT);
        LatentPictures.writeStrip(dir.resolve("interpolation.png"), test.pixels().floats(0, 1), walk,
                INTERPOLATION_STEPS, test.pixels().floats(1, 1), test.channels(), test.height(), test.width());
    }

    private String html(List<EpochMetrics> history, Latents lat, boolean finished) {
        EpochMetrics last = history.get(history.size() - 1);
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
        if (!finished) h.append("<meta http-equiv=\"refresh\" content=\"").append(RELOAD_SECONDS).append("\">\n");
        h.append("<title>tornado-vae run: epoch ").append(last.epoch()).append("</title>\n<style>")
                .append("body{font-family:sans-serif;margin:2em;max-width:1200px}table{border-collapse:collapse;margin:1em 0}")
                .append("td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}th{background:#eee}")
                .append("td.k{text-align:left}img{max-width:100%;border:1px solid #ddd;margin:4px 0}")
                .append("figure{margin:1em 0}.bar{background:#4a90d9;height:10px;display:inline-block}</style></head><body>\n");
        h.append("<h1>tornado-vae run</h1>\n<p>").append(finished ? "Finished" : "Training (this page reloads every " + RELOAD_SECONDS + " s)")
                .append(": epoch ").append(last.epoch()).append(", test loss ").append(fmt(last.testLoss()))
                .append(" nats per image, ").append(lat.active()).append(" of ").append(latent)
                .append(" latent dimensions active (KL &gt; ").append(LatentPictures.ACTIVE_KL).append(").</p>\n");

        h.append("<h2>Loss curves</h2>\n<figure><img src=\"loss.png\" alt=\"loss curves\"></figure>\n");
        h.append("<h2>Samples and reconstructions, epoch ").append(last.epoch()).append("</h2>\n");
        img(h, "sample_" + last.epoch() + ".png", "64 samples decoded from fixed latent codes");
        img(h, "reconstruction_" + last.epoch() + ".png", "test images (top) and their reconstructions (bottom)");
        h.append("<h2>Latent space, epoch ").append(latentEpoch).append("</h2>\n");
        if (latentEpoch != last.epoch())
            h.append("<p>Redrawn at most every ").append(LATENT_REDRAW_SECONDS).append(" s while training runs, and after the last epoch.</p>\n");
        img(h, "latent_pca.png", latent == 2 ? "the latent means of the test set on the manifold's axes, coloured by label"
                : "PCA of the latent means of the test set, coloured by label");
        img(h, "interpolation.png", "linear interpolation between the means of test images 0 and 1, decoded");
        if (latent == 2) img(h, "manifold.png", "the 2-D latent space decoded over the Gaussian's 5% to 95% quantiles");

        h.append("<h2>Metrics per epoch</h2>\n<table><tr>");
        for (String c : Metrics.COLUMNS) h.append("<th>").append(c).append("</th>");
        h.append("<th>active dims</th></tr>\n");
        for (int i = 0; i < history.size(); i++) {
            EpochMetrics m = history.get(i);
            h.append("<tr>");
            for (Object v : new Object[]{m.epoch(), m.step(), m.trainLoss(), m.trainRecon(), m.trainKl(), m.testLoss(),
                    m.testRecon(), m.testKl(), m.gradNorm(), m.imagesPerSecond(), m.seconds(), m.testMse(), m.testBce(), m.testPsnr(),
                    klHistory.containsKey(m.epoch()) ? LatentPictures.activeDims(klHistory.get(m.epoch())) : ""})
                h.append("<td>").append(v instanceof Double d ? fmt(d) : v).append("</td>");
            h.append("</tr>\n");
        }
        h.append("</table>\n<p>Also as <a href=\"metrics.csv\">metrics.csv</a> and <a href=\"kl_per_dim.csv\">kl_per_dim.csv</a>.</p>\n");

        h.append("<h2>KL per latent dimension, epoch ").append(last.epoch()).append("</h2>\n<table><tr><th>dim</th><th>KL (nats)</th><th></th></tr>\n");
        double max = Arrays.stream(lat.klPerDim()).max().orElse(1);
        for (int j = 0; j < latent; j++) {
            double k = lat.klPerDim()[j];
            h.append("<tr><td>").append(j).append("</td><td>").append(String.format("%.3f", k))
                    .append("</td><td class=\"k\"><span class=\"bar\" style=\"width:")
                    .append(max > 0 ? Math.round(300 * k / max) : 0).append("px\"></span></td></tr>\n");
        }
        h.append("</table>\n<h2>Settings</h2>\n<table>\n");
        for (var e : settings.entrySet())
            h.append("<tr><td class=\"k\">").append(escape(e.getKey())).append("</td><td class=\"k\">")
                    .append(escape(e.getValue())).append("</td></tr>\n");
        // Records how many images loaded, for a headless browser check (RunReportBrowserTest) and for the curious.
        h.append("</table>\n<p id=\"images-status\"></p>\n<script>\nwindow.addEventListener('load', function () {\n")
                .append("  var imgs = document.images, ok = 0;\n")
                .append("  for (var i = 0; i < imgs.length; i++) if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++;\n")
                .append("  document.body.setAttribute('data-images-loaded', ok + '/' + imgs.length);\n")
                .append("  if (ok < imgs.length) document.getElementById('images-status').textContent = (imgs.length - ok) + ' image(s) did not load';\n")
                .append("});\n</script>\n</body></html>\n");
        return h.toString();
    }

    private static void img(StringBuilder h, String src, String caption) {
        h.append("<figure><img src=\"").append(escape(src)).append("\" alt=\"").append(escape(caption))
                .append("\"><figcaption>").append(escape(caption)).append("</figcaption></figure>\n");
    }

    /** NaN (a metric an older run did not record) shows as a dash. */
    private static String fmt(double v) { return Double.isNaN(v) ? "–" : String.format(v != 0 && Math.abs(v) < 0.01 ? "%.5f" : "%.3f", v); }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
