package tornadovae.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.apache.commons.math3.distribution.NormalDistribution;
import tornadovae.io.AtomicFiles;
import tornadovae.io.report.ScatterPlot;

/**
 * The plane of a 2-D latent space, drawn the same way for the decoded manifold and for the encoded test images, so
 * that a point of one picture lies where the other shows it. The manifold decodes a grid spaced evenly in the
 * Gaussian's quantiles (5% to 95%), so the axes are too: z is placed by Φ(z), and the ticks name z itself.
 */
public final class LatentPlane {
    private LatentPlane() {}

    /** The quantiles of the first and last grid cell's centre. */
    public static final double LOW = 0.05, HIGH = 0.95;
    /** Margins around the plot: tick labels and axis names left and below, the title above. */
    public static final int LEFT = 64, RIGHT = 16, TOP = 32, BOTTOM = 52;
    static final double[] TICKS = {-1.5, -1, -0.5, 0, 0.5, 1, 1.5};
    private static final NormalDistribution N01 = new NormalDistribution(0, 1);

    /** Where z lies across a plot of {@code side} cells, in cells from its left (or top) edge. */
    static double cell(double z, int side) {
        return 0.5 + (N01.cumulativeProbability(z) - LOW) / (HIGH - LOW) * (side - 1);
    }

    /** The plot (side cells of plot.getWidth()/side pixels each way) inside axes with ticks, labels and a title. */
    public static BufferedImage withAxes(BufferedImage plot, int side, String title) {
        int w = plot.getWidth(), h = plot.getHeight();
        BufferedImage all = new BufferedImage(LEFT + w + RIGHT, TOP + h + BOTTOM, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = all.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, all.getWidth(), all.getHeight());
        g.drawImage(plot, LEFT, TOP, null);
        g.setColor(Color.DARK_GRAY);
        g.setStroke(new BasicStroke(1));
        g.drawRect(LEFT - 1, TOP - 1, w + 1, h + 1);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        for (double z : TICKS) {
            String label = z == Math.rint(z) ? Integer.toString((int) z) : Double.toString(z);
            int x = LEFT + (int) Math.round(cell(z, side) * w / side);
            g.drawLine(x, TOP + h, x, TOP + h + 5);
            g.drawString(label, x - fm.stringWidth(label) / 2, TOP + h + 7 + fm.getAscent());
            int y = TOP + (int) Math.round((side - cell(z, side)) * h / side);   // up is positive z₁
            g.drawLine(LEFT - 6, y, LEFT - 1, y);
            g.drawString(label, LEFT - 9 - fm.stringWidth(label), y + fm.getAscent() / 2 - 1);
        }
        String x0 = "z\u2080 (placed by its N(0,1) quantile, 5% to 95%)";
        g.drawString(x0, LEFT + (w - fm.stringWidth(x0)) / 2, TOP + h + 2 * fm.getHeight() + 12);
        var rotation = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString("z\u2081", -(TOP + h / 2) - fm.stringWidth("z\u2081") / 2, 16);
        g.setTransform(rotation);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        g.drawString(title, LEFT + (w - g.getFontMetrics().stringWidth(title)) / 2, TOP - 10);
        g.dispose();
        return all;
    }

    /**
     * Points (x, y) = (z₀, z₁) on a plot of {@code size} pixels laid out as the manifold's {@code side} cells,
     * coloured by label when labels is not null. Returns how many fell inside the plot (the rest are not drawn).
     */
    static int drawPoints(BufferedImage plot, int side, double[] x, double[] y, int[] labels, int radius) {
        Graphics2D g = plot.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, plot.getWidth(), plot.getHeight());
        int inside = 0;
        for (int i = 0; i < x.length; i++) {
            double px = cell(x[i], side) * plot.getWidth() / side, py = (side - cell(y[i], side)) * plot.getHeight() / side;
            if (px < 0 || py < 0 || px >= plot.getWidth() || py >= plot.getHeight()) continue;
            inside++;
            g.setColor(ScatterPlot.classColor(labels == null ? 0 : labels[i]));
            g.fillOval((int) Math.round(px) - radius, (int) Math.round(py) - radius, 2 * radius, 2 * radius);
        }
        g.dispose();
        return inside;
    }

    /** Writes the latent means [mu | logvar] of a 2-D latent space as points on the manifold's plane; returns how many fell inside it. */
    public static int writeMeans(Path png, float[] muLogvar, int count, int[] labels, int side, int cellPixels, String title)
            throws IOException {
        double[] x = new double[count], y = new double[count];
        for (int i = 0; i < count; i++) {
            x[i] = muLogvar[i * 4];
            y[i] = muLogvar[i * 4 + 1];
        }
        BufferedImage plot = new BufferedImage(side * cellPixels, side * cellPixels, BufferedImage.TYPE_INT_RGB);
        int inside = drawPoints(plot, side, x, y, labels, count > 3000 ? 2 : 3);
        write(png, withAxes(plot, side, title + " (" + inside + " of " + count + " inside the plot)"));
        return inside;
    }

    static void write(Path png, BufferedImage img) throws IOException {
        AtomicFiles.write(png, out -> {
            if (!ImageIO.write(img, "png", out)) throw new IOException("no PNG writer in this Java runtime");
        });
    }
}
