package tornadovae.io.report;

import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import tornadovae.io.AtomicFiles;

/**
 * Several charts stacked in one PNG, each overlaying series that have their own x values (runs of
 * different lengths compared epoch by epoch). XChart draws each chart off-screen; they are then
 * painted one below the other, so one file holds, say, the test loss and a metric of every run.
 */
public final class OverlayPlot {
    static {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    public static final int WIDTH = 800, PANEL_HEIGHT = 420;

    /** One chart: named series, each as {xs, ys}; non-finite points are left out. */
    public record Panel(String title, String yAxis, Map<String, double[][]> series) {}

    private OverlayPlot() {}

    /** Draws the panels top to bottom into {@code png}, atomically; a panel with nothing finite shows a note instead. */
    public static void write(Path png, String xAxis, List<Panel> panels) throws IOException {
        if (panels.isEmpty()) throw new IllegalArgumentException("nothing to plot: no panels");
        BufferedImage all = new BufferedImage(WIDTH, PANEL_HEIGHT * panels.size(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        try {
            for (int p = 0; p < panels.size(); p++)
                g.drawImage(BitmapEncoder.getBufferedImage(chart(panels.get(p), xAxis)), 0, p * PANEL_HEIGHT, null);
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ImageIO.write(all, "png", bytes);
        AtomicFiles.writeBytes(png, bytes.toByteArray());
    }

    private static XYChart chart(Panel panel, String xAxis) {
        List<String> empty = new ArrayList<>();
        XYChart chart = new XYChartBuilder().width(WIDTH).height(PANEL_HEIGHT).xAxisTitle(xAxis).yAxisTitle(panel.yAxis()).build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        for (Map.Entry<String, double[][]> s : panel.series().entrySet()) {
            double[] x = s.getValue()[0], y = s.getValue()[1];
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            for (int i = 0; i < Math.min(x.length, y.length); i++)
                if (Double.isFinite(x[i]) && Double.isFinite(y[i])) {
                    xs.add(x[i]);
                    ys.add(y[i]);
                }
            if (xs.isEmpty()) {   // XChart cannot draw an empty series (an older run without this metric)
                empty.add(s.getKey());
                continue;
            }
            chart.addSeries(s.getKey(), xs, ys).setMarker(xs.size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
        }
        chart.setTitle(panel.title() + (empty.isEmpty() ? "" : " (no values: " + String.join(", ", empty) + ")"));
        if (chart.getSeriesMap().isEmpty()) chart.addSeries("no values", new double[]{0}, new double[]{0});
        return chart;
    }
}
