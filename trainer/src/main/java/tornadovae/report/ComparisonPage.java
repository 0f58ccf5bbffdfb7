package tornadovae.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import tornadovae.io.AtomicFiles;
import tornadovae.io.report.MetricsCsv;
import tornadovae.io.report.OverlayPlot;

/**
 * The files of a comparison, in one folder: compare.md and compare.csv (the table), compare.png
 * (every run's test loss, PSNR and pixel MSE per epoch, overlaid) and compare.html, which shows
 * all of it with each run's latest sample and reconstruction grids side by side. The grids are
 * copied into the folder (run1_sample.png, …) rather than linked, so the page opens from disk, or
 * from a copy of the folder alone, like a run's index.html.
 */
public final class ComparisonPage {
    private ComparisonPage() {}

    /** Writes every file into {@code out} (created if needed); returns the Markdown table. */
    public static String write(Path out, List<Comparison.Run> runs) throws IOException {
        Files.createDirectories(out);
        List<Comparison.Run> ranked = Comparison.ranked(runs);
        List<String> keys = Comparison.differingKeys(runs);
        List<String> columns = Comparison.columns(keys);
        List<List<String>> rows = Comparison.rows(ranked, keys);
        String md = Comparison.markdown(columns, rows, 1 + keys.size());
        AtomicFiles.writeString(out.resolve("compare.md"), md + "\n" + Comparison.CAPTION + "\n");
        MetricsCsv csv = MetricsCsv.create(out.resolve("compare.csv"), columns);
        for (List<String> row : rows) csv.append(row.stream().map(v -> v.equals("–") ? "" : v).toArray());
        writeCurves(out.resolve("compare.png"), ranked);
        List<String[]> grids = copyGrids(out, ranked);
        AtomicFiles.writeString(out.resolve("compare.html"), html(ranked, columns, rows, grids));
        return md;
    }

    private static void writeCurves(Path png, List<Comparison.Run> ranked) throws IOException {
        List<OverlayPlot.Panel> panels = new ArrayList<>();
        panels.add(panel("test loss per image (nats; scales differ between losses)", "nats", ranked, EpochMetrics::testLoss));
        panels.add(panel("test PSNR at z = mu, mean per image (higher is better)", "dB", ranked, EpochMetrics::testPsnr));
        panels.add(panel("test pixel MSE at z = mu, mean per image", "MSE", ranked, EpochMetrics::testMse));
        OverlayPlot.write(png, "epoch", panels);
    }

    private static OverlayPlot.Panel panel(String title, String y, List<Comparison.Run> runs, ToDoubleFunction<EpochMetrics> f) {
        Map<String, double[][]> series = new LinkedHashMap<>();
        for (int i = 0; i < runs.size(); i++) {
            List<EpochMetrics> h = runs.get(i).history();
            double[] xs = h.stream().mapToDouble(EpochMetrics::epoch).toArray(), ys = h.stream().mapToDouble(f).toArray();
            series.put((i + 1) + ". " + runs.get(i).name(), new double[][]{xs, ys});   // rank-prefixed: two runs may share a folder name
        }
        return new OverlayPlot.Panel(title, y, series);
    }

    /** Copies each run's latest sample and reconstruction grids; {sample, reconstruction} names per run, null where missing. */
    private static List<String[]> copyGrids(Path out, List<Comparison.Run> ranked) throws IOException {
        List<String[]> names = new ArrayList<>();
        for (int i = 0; i < ranked.size(); i++) {
            Comparison.Run r = ranked.get(i);
            String[] pair = new String[2];
            String[] kinds = {"sample", "reconstruction"};
            for (int k = 0; k < 2; k++) {
                Path src = r.dir().resolve(kinds[k] + "_" + r.last().epoch() + ".png");
                if (!Files.isRegularFile(src)) continue;
                pair[k] = "run" + (i + 1) + "_" + kinds[k] + ".png";
                AtomicFiles.writeBytes(out.resolve(pair[k]), Files.readAllBytes(src));
            }
            names.add(pair);
        }
        return names;
    }

    private static String html(List<Comparison.Run> ranked, List<String> columns, List<List<String>> rows, List<String[]> grids) {
        StringBuilder h = new StringBuilder();
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>tornado-vae: ").append(ranked.size())
                .append(" runs compared</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}")
                .append("td,th{border:1px solid #ccc;padding:2px 8px;text-align:right;vertical-align:top}th{background:#eee}")
                .append("td.k{text-align:left}img{max-width:100%;border:1px solid #ddd}</style></head><body>\n");
        h.append("<h1>").append(ranked.size()).append(" runs compared</h1>\n<p>").append(RunReport.escape(Comparison.CAPTION)).append("</p>\n<table><tr>");
        for (String c : columns) h.append("<th>").append(RunReport.escape(c)).append("</th>");
        h.append("</tr>\n");
        for (List<String> row : rows) {
            h.append("<tr>");
            for (int i = 0; i < row.size(); i++)
                h.append(i == 1 ? "<td class=\"k\">" : "<td>").append(RunReport.escape(row.get(i))).append("</td>");
            h.append("</tr>\n");
        }
        h.append("</table>\n<p>Also as <a href=\"compare.csv\">compare.csv</a> and <a href=\"compare.md\">compare.md</a>. Run folders:</p>\n<ol>\n");
        for (Comparison.Run r : ranked)
            h.append("<li><code>").append(RunReport.escape(r.dir().toAbsolutePath().normalize().toString())).append("</code></li>\n");
        h.append("</ol>\n<h2>Curves</h2>\n<figure><img src=\"compare.png\" alt=\"test loss, PSNR and pixel MSE per epoch, every run\"></figure>\n");
        h.append("<h2>Latest samples and reconstructions</h2>\n<table><tr><th></th>");
        for (int i = 0; i < ranked.size(); i++)
            h.append("<th>").append(i + 1).append(". ").append(RunReport.escape(ranked.get(i).name()))
                    .append(", epoch ").append(ranked.get(i).last().epoch()).append("</th>");
        h.append("</tr>\n");
        String[] labels = {"samples (fixed codes)", "test images (top), reconstructions (bottom)"};
        for (int k = 0; k < 2; k++) {
            h.append("<tr><td class=\"k\">").append(labels[k]).append("</td>");
            for (String[] g : grids)
                h.append("<td>").append(g[k] == null ? "(none)" : "<img src=\"" + RunReport.escape(g[k]) + "\" alt=\"" + labels[k] + "\">").append("</td>");
            h.append("</tr>\n");
        }
        // as in the run report: records how many images loaded, for a headless browser check
        h.append("</table>\n<p id=\"images-status\"></p>\n<script>\nwindow.addEventListener('load', function () {\n")
                .append("  var imgs = document.images, ok = 0;\n")
                .append("  for (var i = 0; i < imgs.length; i++) if (imgs[i].complete && imgs[i].naturalWidth > 0) ok++;\n")
                .append("  document.body.setAttribute('data-images-loaded', ok + '/' + imgs.length);\n")
                .append("  if (ok < imgs.length) document.getElementById('images-status').textContent = (imgs.length - ok) + ' image(s) did not load';\n")
                .append("});\n</script>\n</body></html>\n");
        return h.toString();
    }
}
