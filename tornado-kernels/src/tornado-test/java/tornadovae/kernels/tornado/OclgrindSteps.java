package tornadovae.kernels.tornado;

import static tornadovae.kernels.tornado.Harness.assertClose;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.Buf;
import tornadovae.kernels.plan.ConvGeometry;
import tornadovae.kernels.plan.Epilogue;
import tornadovae.kernels.plan.HostBackend;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.Slice;
import tornadovae.kernels.plan.StepPlan;
import tornadovae.kernels.plan.Workspace;

/**
 * The step-level groups of the Oclgrind mode ({@link OclgrindCheck}): whole plans through {@link TornadoBackend} with
 * the GPU-class family ({@link TornadoBackend#GPU_FAMILY}) on the Oclgrind device, against the reference backend.
 * Reduced sizes: Oclgrind runs work-items one by one.
 */
final class OclgrindSteps {
    private OclgrindSteps() {}

    private static final double TOL = 1e-4;

    /** A training step and an evaluation of the hand-built MLP VAE (784-400-20's structure at 196-64-8, batch 4). */
    static void mlpStep(String device) {
        MlpVaePlans vae = new MlpVaePlans(196, 64, 8, 4, 3, ActivationKind.RELU, ActivationKind.TANH, 5f);
        StepPlan train = vae.train(), eval = vae.eval();
        Workspace devWs = vae.workspace(), refWs = vae.workspace();
        vae.init(devWs, 42);
        vae.init(refWs, 42);
        try (HostBackend ref = HostBackend.reference();
             TornadoBackend dev = new TornadoBackend(device, TornadoBackend.GPU_FAMILY, false, 0)) {
            ref.prepare(refWs, List.of(train, eval));
            dev.prepare(devWs, List.of(train, eval));
            for (int t = 1; t <= 2; t++) {
                vae.nextStep(devWs, new Random(t), t);
                vae.nextStep(refWs, new Random(t), t);
                ref.run(train);
                dev.run(train);
                assertClose("step " + t + " OUT", slice(refWs.out(), train), slice(devWs.out(), train), TOL);
            }
            ref.run(eval);
            dev.run(eval);
            assertClose("eval OUT", slice(refWs.out(), eval), slice(devWs.out(), eval), TOL);
            dev.pullState();
            assertClose("PARAMS", refWs.params(), devWs.params(), TOL, 1e-2);
        }
    }

    private static float[] slice(float[] out, StepPlan p) {
        return Arrays.copyOfRange(out, p.readBack().offset(), p.readBack().end());
    }

    /**
     * A model's convolutions as one plan: each layer's forward (with its leaky-ReLU epilogue), input gradient (with
     * the derivative epilogue), weight gradient and bias gradient; then the decoder's transposed convolutions.
     */
    static void convLayers(String device, int images, int[] channels, int size, int kernel, int[] outputPads) {
        var a = new Harness.Alloc(images * 31 + size);
        List<Op> ops = new ArrayList<>();
        Slice col = a.take(Buf.ACTS, 1);
        int s = size;
        List<ConvGeometry> layers = new ArrayList<>();
        for (int i = 0; i + 1 < channels.length; i++) {
            ConvGeometry g = ConvGeometry.conv2d(images, channels[i], s, s, channels[i + 1], kernel, 2, 1);
            layers.add(g);
            s = g.outH();
        }
        for (int i = channels.length - 1; i > 0; i--) {
            ConvGeometry g = ConvGeometry.convTranspose2d(images, channels[i], s, s, channels[i - 1], kernel, 2, 1,
                    outputPads[i - 1]);
            layers.add(g);
            s = g.outH();
        }
        for (ConvGeometry g : layers) {
            Slice in = a.take(Buf.ACTS, g.inSize()), out = a.take(Buf.ACTS, g.outSize());
            Slice w = a.take(Buf.PARAMS, g.weightSize()), b = a.take(Buf.PARAMS, g.outC());
            ops.add(new Op.Conv(out, in, w, b, col, g, Epilogue.activation(ActivationKind.LEAKY_RELU, 0.2f)));
            Slice dIn = a.take(Buf.ACTS, g.inSize());
            ops.add(new Op.ConvInputGrad(dIn, out, w, col, g, Epilogue.derivative(ActivationKind.LEAKY_RELU, 0.2f, in)));
            ops.add(new Op.ConvWeightGrad(a.take(Buf.GRADS, g.weightSize()), out, in, col, g));
            ops.add(new Op.ChannelBiasGrad(a.take(Buf.GRADS, g.outC()), out, images, g.outC(), g.outH() * g.outW()));
        }
        int end = 1;
        for (Op op : ops) for (Slice sl : op.slices()) end = Math.max(end, sl.end());
        Harness.assertMatchesReference("convs " + layers, Harness.randomWorkspace(end + 16, 5), ops,
                TornadoBackend.GPU_FAMILY, TOL, device);
    }
}
