package tornadovae.io.report;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;
import tornadovae.io.AtomicFiles;

/** Loss curves per epoch as a PNG, drawn with XChart off-screen (no display needed). */
public final class LossCurvePlot {
    static {
        // Servers and CI have no display; AWT must not try to open one. Respect an explicit choice.
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    public static final int WIDTH = 800, HEIGHT = 500;

    private LossCurvePlot() {}

    /** Train and test loss per epoch; a NaN marks an epoch without that value (e.g. no test run yet). */
    public static void write(Path png, String title, double[] epochs, double[] trainLoss, double[] testLoss) throws IOException {
        Map<String, double[]> series = new LinkedHashMap<>();
        series.put("train loss", trainLoss);
        if (testLoss != null) series.put("test loss", testLoss);
        write(png, title, "loss per image", epochs, series);
    }

    /**
     * Any number of named series over the same epochs (for instance reconstruction and KL terms beside the total),
     * drawn in map order. NaN and infinite values are left out, so a diverged run still gets its plot. Atomic.
     */
    public static void write(Path png, String title, String yAxis, double[] epochs, Map<String, double[]> series) throws IOException {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title).xAxisTitle("epoch").yAxisTitle(yAxis).build();
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.InsideNE);
        int drawn = 0;
        for (Map.Entry<String, double[]> s : series.entrySet()) {
            double[] values = s.getValue();
            if (values.length != epochs.length)
                throw new IllegalArgumentException("series " + s.getKey() + " has " + values.length + " values for " + epochs.length + " epochs");
            List<Double> xs = new ArrayList<>(), ys = new ArrayList<>();
            for (int i = 0; i < values.length; i++)
                if (Double.isFinite(values[i]) && Double.isFinite(epochs[i])) {
                    xs.add(epochs[i]);
                    ys.add(values[i]);
                }
            if (xs.isEmpty()) continue;   // XChart cannot draw an empty series
            chart.addSeries(s.getKey(), xs, ys).setMarker(xs.size() > 40 ? SeriesMarkers.NONE : SeriesMarkers.CIRCLE);
            drawn++;
        }
        if (drawn == 0) throw new IllegalArgumentException("nothing to plot: every series is empty or not finite");
        byte[] bytes = BitmapEncoder.getBitmapBytes(chart, BitmapEncoder.BitmapFormat.PNG);
        AtomicFiles.writeBytes(png, bytes);
    }
}
