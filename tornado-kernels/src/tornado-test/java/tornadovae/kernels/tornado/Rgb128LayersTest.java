package tornadovae.kernels.tornado;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.Buf;
import tornadovae.kernels.plan.ConvGeometry;
import tornadovae.kernels.plan.Epilogue;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.Slice;

/**
 * Every convolution of rgb128-conv (kernel 4, stride 2, padding 1; 3→32→…→512 channels, 128→…→4 pixels, and the
 * mirrored ConvTranspose2d decoder) at batch 2 with the CPU GEMM family, against the reference: the shapes where
 * the small ones of {@code TornadoConvTest} do not reach (columns of C past 16 blocks, K up to 4096, P from 4096
 * down to 16).
 */
class Rgb128LayersTest {
    private static final double TOL = 2e-4;

    @ParameterizedTest(name = "{0}→{1} channels at {2}×{2}")
    @CsvSource({"3, 32, 128", "32, 64, 64", "64, 128, 32", "128, 256, 16", "256, 512, 8"})
    void layerMatchesReference(int inC, int outC, int side) {
        ConvGeometry c = ConvGeometry.conv2d(2, inC, side, side, outC, 4, 2, 1);
        ConvGeometry t = ConvGeometry.convTranspose2d(2, outC, side / 2, side / 2, inC, 4, 2, 1, 0);
        int acts = 4 * (c.inSize() + c.outSize()) + 4 * (t.inSize() + t.outSize()) + 1000;
        int params = 2 * (c.weightSize() + t.weightSize()) + 2 * (inC + outC) + 1000;
        var a = new Harness.Alloc(side);
        List<Op> ops = new ArrayList<>();
        Slice col = a.take(Buf.ACTS, 1);
        ops.add(new Op.Conv(a.take(Buf.ACTS, c.outSize()), a.take(Buf.ACTS, c.inSize()), a.take(Buf.PARAMS, c.weightSize()),
                a.take(Buf.PARAMS, outC), col, c, Epilogue.activation(ActivationKind.LEAKY_RELU, 0.2f)));
        ops.add(new Op.ConvInputGrad(a.take(Buf.ACTS, c.inSize()), a.take(Buf.ACTS, c.outSize()), a.take(Buf.PARAMS, c.weightSize()),
                col, c, Epilogue.derivative(ActivationKind.LEAKY_RELU, 0.2f, a.take(Buf.ACTS, c.inSize()))));
        ops.add(new Op.ConvWeightGrad(a.take(Buf.GRADS, c.weightSize()), a.take(Buf.ACTS, c.outSize()), a.take(Buf.ACTS, c.inSize()), col, c));
        ops.add(new Op.Conv(a.take(Buf.ACTS, t.outSize()), a.take(Buf.ACTS, t.inSize()), a.take(Buf.PARAMS, t.weightSize()),
                a.take(Buf.PARAMS, inC), col, t, Epilogue.activation(ActivationKind.SIGMOID, 0f)));
        ops.add(new Op.ConvInputGrad(a.take(Buf.ACTS, t.inSize()), a.take(Buf.ACTS, t.outSize()), a.take(Buf.PARAMS, t.weightSize()),
                col, t, Epilogue.derivative(ActivationKind.LEAKY_RELU, 0.2f, a.take(Buf.ACTS, t.inSize()))));
        ops.add(new Op.ConvWeightGrad(a.take(Buf.GRADS, t.weightSize()), a.take(Buf.ACTS, t.outSize()), a.take(Buf.ACTS, t.inSize()), col, t));
        var ws = new tornadovae.kernels.plan.Workspace(params, acts, 1, 1, 1);
        var r = new java.util.Random(side * 7L + inC);
        for (Buf b : List.of(Buf.PARAMS, Buf.GRADS, Buf.ADAM_M, Buf.ADAM_V, Buf.ACTS)) {
            float[] x = ws.array(b);
            for (int i = 0; i < x.length; i++) x[i] = 2 * r.nextFloat() - 1;
        }
        Harness.assertMatchesReference("rgb128 " + c, ws, ops, TornadoBackend.CPU_FAMILY, TOL);
    }
}
