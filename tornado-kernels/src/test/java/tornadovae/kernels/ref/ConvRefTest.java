package tornadovae.kernels.ref;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static tornadovae.kernels.ref.GradCheck.*;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import tornadovae.kernels.plan.ConvGeometry;

/**
 * The convolution references against finite differences in double precision. The loss is
 * L = Σ r·out for a random r, so dL/dout = r and each backward is checked through one scalar.
 * The forwards differentiated here are written as scatters (the references are gathers), so the
 * forward check compares two different loops.
 */
class ConvRefTest {

    /** out[n][o] += in[n][c] ⊛ w, written as a scatter from every input pixel; conv2d when !transposed. */
    static double[] forwardScatter(double[] in, double[] w, double[] b, ConvGeometry g, boolean transposed) {
        double[] out = new double[g.outSize()];
        int k = g.kernel(), s = g.stride(), p = g.pad();
        int plane = g.outH() * g.outW();
        for (int n = 0; n < g.batch(); n++)
            for (int o = 0; o < g.outC(); o++)
                for (int q = 0; q < plane; q++) out[(n * g.outC() + o) * plane + q] = b[o];
        if (transposed) {
            for (int n = 0; n < g.batch(); n++) for (int c = 0; c < g.inC(); c++)
                for (int a = 0; a < g.inH(); a++) for (int bb = 0; bb < g.inW(); bb++) {
                    double v = in[((n * g.inC() + c) * g.inH() + a) * g.inW() + bb];
                    for (int o = 0; o < g.outC(); o++) for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) {
                        int y = a * s - p + i, x = bb * s - p + j;
                        if (y < 0 || y >= g.outH() || x < 0 || x >= g.outW()) continue;
                        out[((n * g.outC() + o) * g.outH() + y) * g.outW() + x] += v * w[((c * g.outC() + o) * k + i) * k + j];
                    }
                }
        } else {
            for (int n = 0; n < g.batch(); n++) for (int c = 0; c < g.inC(); c++)
                for (int iy = 0; iy < g.inH(); iy++) for (int ix = 0; ix < g.inW(); ix++) {
                    double v = in[((n * g.inC() + c) * g.inH() + iy) * g.inW() + ix];
                    for (int o = 0; o < g.outC(); o++) for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) {
                        int ty = iy + p - i, tx = ix + p - j;
                        if (ty < 0 || tx < 0 || ty % s != 0 || tx % s != 0) continue;
                        int y = ty / s, x = tx / s;
                        if (y >= g.outH() || x >= g.outW()) continue;
                        out[((n * g.outC() + o) * g.outH() + y) * g.outW() + x] += v * w[((o * g.inC() + c) * k + i) * k + j];
                    }
                }
        }
        return out;
    }

    static ConvGeometry geometry(boolean transposed, int batch, int inC, int h, int w, int outC, int k, int s, int p, int op) {
        return transposed ? ConvGeometry.convTranspose2d(batch, inC, h, w, outC, k, s, p, op)
                : ConvGeometry.conv2d(batch, inC, h, w, outC, k, s, p);
    }

    @ParameterizedTest(name = "transposed={0} N={1} C={2} {3}x{4} O={5} k={6} s={7} p={8} op={9}")
    @CsvSource({
            "false, 2, 3, 5, 7, 4, 3, 1, 0, 0",
            "false, 2, 2, 7, 6, 3, 3, 2, 1, 0",
            "false, 1, 3, 6, 5, 2, 4, 2, 1, 0",
            "false, 2, 1, 8, 9, 2, 4, 2, 0, 0",
            "true,  2, 3, 4, 5, 2, 3, 1, 0, 0",
            "true,  2, 2, 4, 3, 3, 3, 2, 1, 1",
            "true,  1, 3, 3, 4, 2, 4, 2, 1, 0",
            "true,  2, 2, 3, 5, 2, 3, 2, 0, 1",
            "true,  1, 2, 3, 3, 2, 4, 2, 1, 1",
    })
    void backwardMatchesFiniteDifferences(boolean transposed, int batch, int inC, int h, int w, int outC,
                                          int k, int s, int p, int op) {
        ConvGeometry g = geometry(transposed, batch, inC, h, w, outC, k, s, p, op);
        Random rnd = new Random(31 * h + w + (transposed ? 7 : 0));
        float[] in = signed(rnd, g.inSize(), 0.2, 1.0), wt = signed(rnd, g.weightSize(), 0.2, 1.0);
        float[] bias = signed(rnd, outC, 0.2, 1.0), r = signed(rnd, g.outSize(), 0.2, 1.0);
        double[] inD = toDouble(in), wD = toDouble(wt), bD = toDouble(bias);

        // forward: reference (gather) against the scatter written here
        int off = 3;
        float[] out = output(new float[g.outSize()], off);
        if (transposed) ConvRef.convTranspose2d(out, off, input(in, 2), 2, input(wt, 1), 1, input(bias, 4), 4, g);
        else ConvRef.conv2d(out, off, input(in, 2), 2, input(wt, 1), 1, input(bias, 4), 4, g);
        assertClose("forward", forwardScatter(inD, wD, bD, g, transposed), out, off, 1e-6, 1e-6);
        assertPaddingUntouched("forward", out, off, g.outSize());

        // numeric gradients of L = Σ r·out
        double[] numIn = numericGradient(x -> dot(r, forwardScatter(x, wD, bD, g, transposed)), inD);
        double[] numW = numericGradient(x -> dot(r, forwardScatter(inD, x, bD, g, transposed)), wD);
        double[] numB = numericGradient(x -> dot(r, forwardScatter(inD, wD, x, g, transposed)), bD);
        assertNotTrivial("conv", numIn, numW, numB);

        float[] dIn = output(new float[g.inSize()], 5), dW = output(new float[g.weightSize()], 2), dB = output(new float[outC], 1);
        float[] rIn = input(r, 6);
        if (transposed) {
            ConvRef.convTranspose2dInputGrad(dIn, 5, rIn, 6, input(wt, 3), 3, g);
            ConvRef.convTranspose2dWeightGrad(dW, 2, rIn, 6, input(in, 1), 1, g);
        } else {
            ConvRef.conv2dInputGrad(dIn, 5, rIn, 6, input(wt, 3), 3, g);
            ConvRef.conv2dWeightGrad(dW, 2, rIn, 6, input(in, 1), 1, g);
        }
        ConvRef.channelBiasGrad(dB, 1, rIn, 6, batch, outC, g.outH() * g.outW());
        assertGradient("dIn", numIn, dIn, 5, RTOL);
        assertGradient("dW", numW, dW, 2, RTOL);
        assertGradient("dBias", numB, dB, 1, RTOL);
        assertPaddingUntouched("dIn", dIn, 5, g.inSize());
        assertPaddingUntouched("dW", dW, 2, g.weightSize());
        assertPaddingUntouched("dBias", dB, 1, outC);
    }

    @Test
    void geometriesFollowPyTorchsFormulas() {
        ConvGeometry c = ConvGeometry.conv2d(1, 1, 28, 28, 32, 3, 2, 1);
        assertEquals(14, c.outH());
        ConvGeometry t = ConvGeometry.convTranspose2d(1, 64, 7, 7, 32, 3, 2, 1, 1);
        assertEquals(14, t.outH());
        assertEquals(64, ConvGeometry.conv2d(1, 3, 128, 128, 32, 4, 2, 1).outH());
        // an output padding as large as the stride is not a ConvTranspose2d
        assertThrows(IllegalArgumentException.class, () -> ConvGeometry.convTranspose2d(1, 32, 7, 7, 64, 3, 2, 1, 2));
    }

    @Test
    void replicateAndSumCopiesAreAdjoint() {
        float[] in = {1, 2, 3}, out = new float[9], back = new float[3];
        ConvRef.replicate(out, 0, in, 0, 3, 3);
        ConvRef.sumCopies(back, 0, out, 0, 3, 3, 0.5f);
        assertEquals(1.5f, back[0]);
        assertEquals(4.5f, back[2]);
        assertEquals(3f, out[8]);
    }
}
