package tornadovae.kernels.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;

import static tornadovae.kernels.tornado.Harness.assertMatchesReference;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tornadovae.kernels.plan.Buf;
import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.ConvGeometry;
import tornadovae.kernels.plan.Epilogue;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.Slice;

/** The TornadoVM convolution kernels against the reference loops, odd shapes and offsets, as one-op-per-task plans. */
class TornadoConvTest {
    private static final int SIZE = 12007;
    private static final double TOL = 1e-4;

    /** Kernel choices: 2 = legacy direct convolutions, 4 = im2col + the CPU GEMM family, 5 = im2col + the GPU family. */
    @ParameterizedTest(name = "kernels {9}: N={0} C={1} {2}x{3} O={4} k={5} s={6} p={7} op={8}")
    @CsvSource({
            "2, 3, 7, 6, 4, 3, 2, 1, 1, 2",
            "3, 2, 5, 8, 3, 4, 2, 1, 0, 2",
            "2, 2, 6, 5, 3, 3, 1, 0, 0, 2",
            "1, 4, 4, 4, 2, 4, 2, 1, 1, 2",
            "2, 3, 7, 6, 4, 3, 2, 1, 1, 4",
            "3, 2, 5, 8, 3, 4, 2, 1, 0, 4",
            "2, 2, 6, 5, 3, 3, 1, 0, 0, 4",
            "1, 4, 4, 4, 2, 4, 2, 1, 1, 4",
            "3, 9, 5, 5, 7, 4, 2, 1, 0, 4",
            "2, 3, 7, 6, 4, 3, 2, 1, 1, 5",
            "3, 9, 5, 5, 7, 4, 2, 1, 0, 5",
    })
    void convAndTransposedConv(int batch, int inC, int h, int w, int outC, int k, int s, int p, int op, int variant) {
        var a = new Harness.Alloc(batch * 31 + h);
        ConvGeometry c = ConvGeometry.conv2d(batch, inC, h, w, outC, k, s, p);
        ConvGeometry t = ConvGeometry.convTranspose2d(batch, inC, h, w, outC, k, s, p, op);
        Slice col = a.take(Buf.ACTS, 1);
        assertMatchesReference("conv " + c, Harness.randomWorkspace(SIZE, h * 7 + w), List.of(
                new Op.Conv(a.take(Buf.ACTS, c.outSize()), a.take(Buf.ACTS, c.inSize()), a.take(Buf.PARAMS, c.weightSize()),
                        a.take(Buf.PARAMS, outC), col, c),
                new Op.ConvInputGrad(a.take(Buf.ACTS, c.inSize()), a.take(Buf.ACTS, c.outSize()),
                        a.take(Buf.PARAMS, c.weightSize()), col, c),
                new Op.ConvWeightGrad(a.take(Buf.GRADS, c.weightSize()), a.take(Buf.ACTS, c.outSize()),
                        a.take(Buf.ACTS, c.inSize()), col, c),
                new Op.ChannelBiasGrad(a.take(Buf.GRADS, outC), a.take(Buf.ACTS, c.outSize()), batch, outC, c.outH() * c.outW()),
                new Op.Conv(a.take(Buf.ACTS, t.outSize()), a.take(Buf.ACTS, t.inSize()),
                        a.take(Buf.PARAMS, t.weightSize()), a.take(Buf.PARAMS, outC), col, t),
                new Op.ConvInputGrad(a.take(Buf.ACTS, t.inSize()), a.take(Buf.ACTS, t.outSize()),
                        a.take(Buf.PARAMS, t.weightSize()), col, t),
                new Op.ConvWeightGrad(a.take(Buf.GRADS, t.weightSize()), a.take(Buf.ACTS, t.outSize()),
                        a.take(Buf.ACTS, t.inSize()), col, t)), variant, TOL);
    }

    /** Convolutions with a fused activation (Epilogue): the kernels store f(acc) or acc·f'(actOut). */
    @ParameterizedTest(name = "{0}, kernels {1}")
    @CsvSource({"RELU, 2", "LEAKY_RELU, 2", "SIGMOID, 2", "TANH, 2", "SILU, 2", "GELU, 2",
            "RELU, 4", "LEAKY_RELU, 4", "SIGMOID, 4", "TANH, 4", "SILU, 4", "GELU, 4", "LEAKY_RELU, 5", "GELU, 5"})
    void convolutionsWithEpilogues(ActivationKind kind, int variant) {
        var a = new Harness.Alloc(17);
        ConvGeometry c = ConvGeometry.conv2d(2, 3, 7, 6, 4, 3, 2, 1);
        ConvGeometry t = ConvGeometry.convTranspose2d(2, 3, 5, 4, 2, 3, 2, 1, 1);
        Slice col = a.take(Buf.ACTS, 1);
        assertMatchesReference("epilogue " + kind, Harness.randomWorkspace(SIZE, 11), List.of(
                new Op.Conv(a.take(Buf.ACTS, c.outSize()), a.take(Buf.ACTS, c.inSize()), a.take(Buf.PARAMS, c.weightSize()),
                        a.take(Buf.PARAMS, c.outC()), col, c, Epilogue.activation(kind, 0.1f)),
                new Op.ConvInputGrad(a.take(Buf.ACTS, c.inSize()), a.take(Buf.ACTS, c.outSize()),
                        a.take(Buf.PARAMS, c.weightSize()), col, c, Epilogue.derivative(kind, 0.1f, a.take(Buf.ACTS, c.inSize()))),
                new Op.Conv(a.take(Buf.ACTS, t.outSize()), a.take(Buf.ACTS, t.inSize()),
                        a.take(Buf.PARAMS, t.weightSize()), a.take(Buf.PARAMS, t.outC()), col, t, Epilogue.activation(kind, 0.1f)),
                new Op.ConvInputGrad(a.take(Buf.ACTS, t.inSize()), a.take(Buf.ACTS, t.outSize()),
                        a.take(Buf.PARAMS, t.weightSize()), col, t, Epilogue.derivative(kind, 0.1f, a.take(Buf.ACTS, t.inSize())))),
                variant, TOL);
    }

    /** A batch whose col does not fit the scratch limit is lowered a group of images at a time (here 2 + 2 + 1). */
    @org.junit.jupiter.api.Test
    void lowersLargeBatchesInGroups() {
        long saved = DeviceConv.maxColFloats;
        ConvGeometry c = ConvGeometry.conv2d(5, 3, 7, 6, 4, 3, 2, 1);
        ConvGeometry t = ConvGeometry.convTranspose2d(5, 3, 5, 4, 2, 3, 2, 1, 1);
        DeviceConv.maxColFloats = 2L * Math.max(DeviceConv.taps(c) * DeviceConv.pixels(c), DeviceConv.taps(t) * DeviceConv.pixels(t));
        try {
            assertEquals(3, DeviceConv.groups(c));
            var a = new Harness.Alloc(23);
            Slice col = a.take(Buf.ACTS, 1);
            assertMatchesReference("groups", Harness.randomWorkspace(SIZE, 5), List.of(
                    new Op.Conv(a.take(Buf.ACTS, c.outSize()), a.take(Buf.ACTS, c.inSize()), a.take(Buf.PARAMS, c.weightSize()),
                            a.take(Buf.PARAMS, c.outC()), col, c, Epilogue.activation(ActivationKind.TANH, 0f)),
                    new Op.ConvInputGrad(a.take(Buf.ACTS, c.inSize()), a.take(Buf.ACTS, c.outSize()),
                            a.take(Buf.PARAMS, c.weightSize()), col, c, Epilogue.derivative(ActivationKind.RELU, 0f, a.take(Buf.ACTS, c.inSize()))),
                    new Op.ConvWeightGrad(a.take(Buf.GRADS, c.weightSize()), a.take(Buf.ACTS, c.outSize()),
                            a.take(Buf.ACTS, c.inSize()), col, c),
                    new Op.Conv(a.take(Buf.ACTS, t.outSize()), a.take(Buf.ACTS, t.inSize()),
                            a.take(Buf.PARAMS, t.weightSize()), a.take(Buf.PARAMS, t.outC()), col, t, Epilogue.activation(ActivationKind.SIGMOID, 0f)),
                    new Op.ConvInputGrad(a.take(Buf.ACTS, t.inSize()), a.take(Buf.ACTS, t.outSize()),
                            a.take(Buf.PARAMS, t.weightSize()), col, t, Epilogue.derivative(ActivationKind.TANH, 0f, a.take(Buf.ACTS, t.inSize()))),
                    new Op.ConvWeightGrad(a.take(Buf.GRADS, t.weightSize()), a.take(Buf.ACTS, t.outSize()),
                            a.take(Buf.ACTS, t.inSize()), col, t)), 4, TOL);
        } finally {
            DeviceConv.maxColFloats = saved;
        }
    }

    /**
     * The GPU family with -Dtornadovae.tornado.conv=implicit: the forward (Conv2d) and the input gradient
     * (ConvTranspose2d) read X itself, the weight gradients still lower it; in groups of 2 + 2 + 1 images, so that
     * each group's X and Y offsets are exercised too.
     */
    @Test
    void theGpuFamilyCanReadXWithoutIm2col() {
        long saved = DeviceConv.maxColFloats;
        ConvGeometry c = ConvGeometry.conv2d(5, 3, 7, 6, 4, 3, 2, 1);
        ConvGeometry t = ConvGeometry.convTranspose2d(5, 3, 5, 4, 2, 4, 2, 1, 1);
        DeviceConv.maxColFloats = 2L * Math.max(DeviceConv.taps(c) * DeviceConv.pixels(c), DeviceConv.taps(t) * DeviceConv.pixels(t));
        System.setProperty(DeviceConv.LOWERING_PROPERTY, "implicit");
        try {
            assertEquals(true, DeviceConv.implicit(new GpuGemm(0)));
            var a = new Harness.Alloc(29);
            Slice col = a.take(Buf.ACTS, 1);
            assertMatchesReference("implicit", Harness.randomWorkspace(SIZE, 9), List.of(
                    new Op.Conv(a.take(Buf.ACTS, c.outSize()), a.take(Buf.ACTS, c.inSize()), a.take(Buf.PARAMS, c.weightSize()),
                            a.take(Buf.PARAMS, c.outC()), col, c, Epilogue.activation(ActivationKind.LEAKY_RELU, 0.2f)),
                    new Op.ConvWeightGrad(a.take(Buf.GRADS, c.weightSize()), a.take(Buf.ACTS, c.outSize()),
                            a.take(Buf.ACTS, c.inSize()), col, c),
                    new Op.ConvInputGrad(a.take(Buf.ACTS, t.inSize()), a.take(Buf.ACTS, t.outSize()),
                            a.take(Buf.PARAMS, t.weightSize()), col, t, Epilogue.derivative(ActivationKind.TANH, 0f, a.take(Buf.ACTS, t.inSize()))),
                    new Op.ConvWeightGrad(a.take(Buf.GRADS, t.weightSize()), a.take(Buf.ACTS, t.outSize()),
                            a.take(Buf.ACTS, t.inSize()), col, t)), 5, TOL);
        } finally {
            System.clearProperty(DeviceConv.LOWERING_PROPERTY);
            DeviceConv.maxColFloats = saved;
        }
    }

    @Test
    void replicateAndSumCopies() {
        var a = new Harness.Alloc(5);
        Slice in = a.take(Buf.ACTS, 37), rep = a.take(Buf.ACTS, 3 * 37);
        assertMatchesReference("copies", Harness.randomWorkspace(SIZE, 5), List.of(
                new Op.Replicate(rep, in, 3),
                new Op.SumCopies(a.take(Buf.ACTS, 37), rep, 3, 1f / 3),
                new Op.SumCopies(a.take(Buf.GRADS, 41), a.take(Buf.ACTS, 2 * 41), 2, 1f)), 2, TOL);
    }
}
