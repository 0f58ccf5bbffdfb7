package tornadovae.report;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.Color;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;
import tornadovae.io.report.ScatterPlot;

/** A 2-D latent space's means and its decoded manifold share their axes: a code lands where the manifold decodes it. */
class LatentPlaneTest {
    @Test
    void everyManifoldCodeIsTheCentreOfItsCell() {
        int side = 5;
        float[] z = LatentPictures.manifoldCodes(side);
        for (int r = 0; r < side; r++)
            for (int c = 0; c < side; c++) {
                int i = r * side + c;
                assertEquals(c + 0.5, LatentPlane.cell(z[2 * i], side), 1e-5, "column " + c);
                assertEquals(r + 0.5, side - LatentPlane.cell(z[2 * i + 1], side), 1e-5, "row " + r + " (up is positive)");
            }
    }

    @Test
    void aMeanIsDrawnOverTheManifoldCellThatDecodesIt() {
        int side = LatentPictures.PLANE_SIDE, cellPx = 10;   // 20 cells: the plot ends at the quantiles 2.6% and 97.4%
        float[] z = LatentPictures.manifoldCodes(side);
        int i = 1 * side + 3;   // row 1, column 3
        BufferedImage plot = new BufferedImage(side * cellPx, side * cellPx, BufferedImage.TYPE_INT_RGB);
        int inside = LatentPlane.drawPoints(plot, side, new double[]{z[2 * i], 9}, new double[]{z[2 * i + 1], 0}, new int[]{4, 4}, 2);
        assertEquals(1, inside, "z₀ = 9 is outside the plot's range, not drawn at its edge");
        int centreX = 3 * cellPx + cellPx / 2, centreY = 1 * cellPx + cellPx / 2;
        assertEquals(ScatterPlot.classColor(4).getRGB(), plot.getRGB(centreX, centreY));
        assertEquals(Color.WHITE.getRGB(), plot.getRGB(cellPx / 2, cellPx / 2));
    }

    @Test
    void theAxesFrameThePlotWithTicksAndLabels() {
        BufferedImage plot = new BufferedImage(100, 100, BufferedImage.TYPE_INT_RGB);
        BufferedImage all = LatentPlane.withAxes(plot, 5, "title");
        assertEquals(LatentPlane.LEFT + 100 + LatentPlane.RIGHT, all.getWidth());
        assertEquals(LatentPlane.TOP + 100 + LatentPlane.BOTTOM, all.getHeight());
        int x0 = LatentPlane.LEFT + (int) Math.round(LatentPlane.cell(0, 5) * 100 / 5);
        assertNotEquals(Color.WHITE.getRGB(), all.getRGB(x0, LatentPlane.TOP + 100 + 3), "the z₀ = 0 tick");
        assertEquals(Color.BLACK.getRGB(), all.getRGB(LatentPlane.LEFT + 50, LatentPlane.TOP + 50), "the plot itself");
    }
}
