package tornadovae.io.report;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;
import tornadovae.io.AtomicFiles;

/** Scatter plots as PNG, drawn with XChart off-screen: latent spaces coloured by class, toy data sets. */
public final class ScatterPlot {
    static {
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    public static final int WIDTH = 800, HEIGHT = 700;

    /** One set of points drawn in one colour, with a legend entry. */
    public record Series(String name, double[] x, double[] y, Color color, int markerSize) {
        public Series {
            if (x.length != y.length) throw new IllegalArgumentException("series " + name + ": " + x.length + " x for " + y.length + " y");
        }
    }

    private ScatterPlot() {}

    /** Ten well-separated colours (Tableau's), repeated for more classes. */
    public static Color classColor(int label) {
        int[] rgb = {0x1f77b4, 0xff7f0e, 0x2ca02c, 0xd62728, 0x9467bd, 0x8c564b, 0xe377c2, 0x7f7f7f, 0xbcbd22, 0x17becf};
        return new Color(rgb[Math.floorMod(label, rgb.length)]);
    }

    /** Points coloured by label (one series per label, in label order), or all in one colour when labels is null. */
    public static List<Series> byLabel(double[] x, double[] y, int[] labels, int markerSize) {
        return byLabel(x, y, labels, List.of(), markerSize);
    }

    /**
     * As {@link #byLabel(double[], double[], int[], int)}, each series named by its class name when {@code classNames}
     * has one for its label ({@link #seriesName}).
     */
    public static List<Series> byLabel(double[] x, double[] y, int[] labels, List<String> classNames, int markerSize) {
        if (labels == null) return List.of(new Series("all", x, y, classColor(0), markerSize));
        if (labels.length != x.length) throw new IllegalArgumentException(labels.length + " labels for " + x.length + " points");
        Map<Integer, List<Integer>> groups = new TreeMap<>();
        for (int i = 0; i < labels.length; i++) groups.computeIfAbsent(labels[i], l -> new ArrayList<>()).add(i);
        List<Series> series = new ArrayList<>();
        java.util.Set<String> used = new java.util.HashSet<>();
        for (var g : groups.entrySet()) {
            double[] gx = new double[g.getValue().size()], gy = new double[gx.length];
            for (int i = 0; i < gx.length; i++) {
                gx[i] = x[g.getValue().get(i)];
                gy[i] = y[g.getValue().get(i)];
            }
            String name = seriesName(g.getKey(), classNames);
            if (!used.add(name)) name += " (" + g.getKey() + ")";   // XChart refuses two series of one name
            series.add(new Series(name, gx, gy, classColor(g.getKey()), markerSize));
        }
        return series;
    }

    /** A label's legend entry: its class name, or the number when the names are unknown (an old checkpoint, MNIST). */
    public static String seriesName(int label, List<String> classNames) {
        return label >= 0 && label < classNames.size() ? classNames.get(label) : Integer.toString(label);
    }

    /** The chart as an image, for composing several side by side. */
    public static BufferedImage render(String title, String xAxis, String yAxis, List<Series> series, int width, int height) {
        XYChart chart = new XYChartBuilder().width(width).height(height).title(title).xAxisTitle(xAxis).yAxisTitle(yAxis).build();
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(Color.WHITE);
        int drawn = 0;
        for (Series s : series) {
            if (s.x().length == 0) continue;
            XYSeries xy = chart.addSeries(s.name(), s.x(), s.y());
            xy.setMarker(SeriesMarkers.CIRCLE);
            xy.setMarkerColor(s.color());
            drawn++;
            chart.getStyler().setMarkerSize(s.markerSize());
        }
        if (drawn == 0) throw new IllegalArgumentException("nothing to plot: no points");
        return BitmapEncoder.getBufferedImage(chart);
    }

    public static void write(Path png, String title, String xAxis, String yAxis, List<Series> series) throws IOException {
        writeImage(png, render(title, xAxis, yAxis, series, WIDTH, HEIGHT));
    }

    /** Images placed left to right on white, as one PNG. */
    public static void writeSideBySide(Path png, List<BufferedImage> panels) throws IOException {
        int w = panels.stream().mapToInt(BufferedImage::getWidth).sum();
        int h = panels.stream().mapToInt(BufferedImage::getHeight).max().orElseThrow();
        BufferedImage all = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        int x = 0;
        for (BufferedImage p : panels) {
            g.drawImage(p, x, 0, null);
            x += p.getWidth();
        }
        g.dispose();
        writeImage(png, all);
    }

    static void writeImage(Path png, BufferedImage img) throws IOException {
        AtomicFiles.write(png, out -> {
            if (!ImageIO.write(img, "png", out)) throw new IOException("no PNG writer in this Java runtime");
        });
    }
}
