package tornadovae.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.EnumSet;
import java.util.List;
import tornadovae.kernels.plan.Fusion;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.Epilogue;
import tornadovae.kernels.plan.HostBackend;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.Scalars;
import tornadovae.kernels.plan.StepPlan;
import tornadovae.kernels.plan.Workspace;
import tornadovae.model.layers.Reshape;

/** Conv VAEs: whole-model gradients, presets, shape errors, metadata, Monte-Carlo samples. */
class ConvVaeTest {

    /** 1×6×5 images (odd, non-square: the decoder needs output padding 1 on one axis only). */
    static VaeSpec small(ActivationKind act) {
        return new VaeSpec("conv", Shape.of(1, 6, 5), new int[]{4}, 2, act, 0.2f, Loss.BCE,
                new ConvSpec(new int[]{2, 3}, 3, 2, 1, 0));
    }

    static Workspace workspace(Vae vae, int batch, int mc) {
        Workspace ws = vae.newWorkspace(batch, mc);
        vae.initParams(ws.params(), 7);
        Random r = new Random(1);
        for (int i = 0; i < batch * vae.inputDim(); i++) ws.input()[i] = r.nextFloat();
        for (int i = 0; i < mc * batch * vae.latent(); i++) ws.noise()[i] = (float) r.nextGaussian();
        ws.scalars()[Scalars.KL_WEIGHT] = 0.7f;
        ws.scalars()[Scalars.LEARNING_RATE] = 0f; // Adam with lr 0 leaves the parameters alone
        ws.scalars()[Scalars.ADAM_BC1] = 0.1f;
        ws.scalars()[Scalars.ADAM_BC2] = 0.001f;
        return ws;
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = ActivationKind.class, names = {"TANH", "SILU", "GELU"})
    void wholeModelGradientsMatchFiniteDifferences(ActivationKind act) {
        Vae vae = small(act).build();
        int batch = 3;
        Workspace ws = workspace(vae, batch, 1);
        StepPlan train = vae.trainPlan(batch, Optimizer.adam()), eval = vae.evalPlan(batch);
        HostBackend be = HostBackend.reference();
        be.prepare(ws, List.of(train, eval));
        be.run(train);
        float[] grads = ws.grads().clone(), p = ws.params();
        int checked = 0, nonZero = 0;
        for (int i = 0; i < p.length; i++) {
            float orig = p[i], h = 1e-2f;
            p[i] = orig + h;
            double lp = VaeGradientTest.loss(be, eval, vae, ws, batch, 0.7f);
            p[i] = orig - h;
            double lm = VaeGradientTest.loss(be, eval, vae, ws, batch, 0.7f);
            p[i] = orig;
            double fd = (lp - lm) / (2 * h);
            assertEquals(fd, grads[i], 2e-2 * Math.max(1, Math.abs(fd)), act + ": gradient of parameter " + i + " of " + p.length);
            if (Math.abs(grads[i]) > 1e-3) nonZero++;
            checked++;
        }
        assertTrue(checked == vae.paramCount() && nonZero > p.length / 2, nonZero + " non-zero of " + p.length);
    }

    @Test
    void mnistConvPresetIsThePytorchModel() {
        Vae vae = VaeSpec.preset("mnist-conv", 0, ActivationKind.RELU, Loss.BCE).build();
        // conv 1·32·9+32, 32·64·9+64, fc 3136·256+256, head 2·(256·20+20), fc 20·256+256, 256·3136+3136, deconv 64·32·9+32, 32·9+1
        int expected = 320 + 18_496 + 803_072 + 10_280 + 5_376 + 805_952 + 18_464 + 289;
        assertEquals(expected, vae.paramCount());
        String table = vae.layerTable();
        assertTrue(table.contains("32×14×14") && table.contains("64×7×7") && table.contains("3136") && table.contains("1×28×28"), table);
        assertArrayEquals(new int[]{64, 32, 3, 3}, vae.layout().get("decoder.deconv.0.weight").shape());
        assertArrayEquals(new int[]{32, 1, 3, 3}, vae.layout().get("encoder.conv.0.weight").shape());
    }

    /**
     * An activation whose f' needs its input (SiLU, GELU) keeps its forward apart (the backward names the
     * pre-activation) while its backward still folds into the input gradient; the JVM backend, which fuses,
     * then gives the reference's unfused training step.
     */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = ActivationKind.class, names = {"SILU", "GELU"})
    void inputDerivativeActivationsFuseOnlyTheirBackwardAndMatchTheReferenceOnTheJvm(ActivationKind act) {
        Vae vae = small(act).build();
        int batch = 4;
        StepPlan train = vae.trainPlan(batch, Optimizer.adam());
        List<Op> fused = Fusion.fuse(train.ops(), Fusion.ALL);
        assertTrue(fused.stream().noneMatch(o -> o instanceof Op.Conv c && !c.epilogue().isNone()),
                "the pre-activation is read by the backward: the forward must keep writing it");
        assertTrue(fused.stream().anyMatch(o -> o instanceof Op.ConvInputGrad c && c.epilogue().isDerivative()),
                "the backward folds, with f' from the input");
        Workspace ref = workspace(vae, batch, 1), jvm = workspace(vae, batch, 1);
        try (HostBackend r = HostBackend.reference(); HostBackend j = tornadovae.kernels.jvm.JvmKernels.backend(2)) {
            r.prepare(ref, List.of(train));
            j.prepare(jvm, List.of(train));
            r.run(train);
            j.run(train);
        }
        float[] a = ref.grads(), b = jvm.grads();
        for (int i = 0; i < a.length; i++)
            assertEquals(a[i], b[i], 1e-4 * Math.max(1, Math.abs(a[i])), act + ": gradient " + i);
    }

    /** Every ReLU of mnist-conv that follows a convolution is folded into it, forward and backward, by the epilogue rule. */
    @Test
    void mnistConvFoldsItsActivationsIntoTheConvolutions() {
        Vae vae = VaeSpec.preset("mnist-conv", 0, ActivationKind.RELU, Loss.BCE).build();
        List<Op> built = vae.trainPlan(8, Optimizer.adam()).ops();
        assertTrue(built.stream().noneMatch(o -> o instanceof Op.Conv c && !c.epilogue().isNone()), "plans are built unfused");
        List<Op> ops = Fusion.fuse(built, EnumSet.of(Fusion.Rule.ACTIVATION_EPILOGUES));
        int activations = 0, derivatives = 0;
        for (int i = 0; i < ops.size(); i++) {
            Epilogue e = switch (ops.get(i)) {
                case Op.Conv o -> o.epilogue();
                case Op.ConvInputGrad o -> o.epilogue();
                default -> Epilogue.NONE;
            };
            if (e.isDerivative()) derivatives++;
            else if (!e.isNone()) activations++;
            if (!e.isNone()) assertEquals(ActivationKind.RELU, e.kind());
            boolean conv = ops.get(i) instanceof Op.Conv || ops.get(i) instanceof Op.ConvInputGrad;
            if (conv && i + 1 < ops.size())
                assertFalse(ops.get(i + 1) instanceof Op.ActForward || ops.get(i + 1) instanceof Op.ActBackward,
                        "left unfused after " + ops.get(i));
        }
        // conv1, conv2 and deconv1 forward; the input gradients of deconv2, deconv1 and conv2
        assertEquals(3, activations);
        assertEquals(3, derivatives);
    }

    @Test
    void otherPresetsBuild() {
        Vae v4 = VaeSpec.preset("mnist-conv4", 0, ActivationKind.RELU, Loss.BCE).build();
        assertTrue(v4.layerTable().contains("128×7×7"), v4.layerTable());
        Vae rgb = VaeSpec.preset("rgb128-conv", 0, ActivationKind.RELU, Loss.BCE).build();
        assertEquals(128, rgb.latent());
        assertTrue(rgb.layerTable().contains("512×4×4") && rgb.layerTable().contains("3×128×128"), rgb.layerTable());
    }

    @Test
    void aPresetOnTheWrongImageSizeNamesTheLayerAndBothSizes() {
        VaeSpec cifar = VaeSpec.preset("mnist-conv", 0, ActivationKind.RELU, Loss.BCE).withInput(Shape.of(3, 32, 32));
        var e = assertThrows(IllegalArgumentException.class, cifar::build);
        assertTrue(e.getMessage().contains("encoder.fc.0") && e.getMessage().contains("3136")
                && e.getMessage().contains("64×8×8 = 4096") && e.getMessage().contains("3×32×32"), e.getMessage());
        VaeSpec v4 = VaeSpec.preset("mnist-conv4", 0, ActivationKind.RELU, Loss.BCE).withInput(Shape.of(1, 32, 32));
        e = assertThrows(IllegalArgumentException.class, v4::build);
        assertTrue(e.getMessage().contains("mu|logvar") && e.getMessage().contains("6272"), e.getMessage());
    }

    @Test
    void badConvShapesAreRejectedWithASentence() {
        var e = assertThrows(IllegalArgumentException.class, () -> new VaeSpec("conv", Shape.of(1, 2, 2), new int[0], 2,
                ActivationKind.RELU, 0.2f, Loss.BCE, new ConvSpec(new int[]{4}, 5, 1, 0, 0)).build());
        assertTrue(e.getMessage().contains("encoder.conv.0") && e.getMessage().contains("1×2×2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Reshape("decoder.reshape", Shape.of(3136), Shape.of(128, 7, 7)));
        assertTrue(e.getMessage().contains("3136") && e.getMessage().contains("128×7×7"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new VaeSpec("conv", Shape.of(784), new int[0], 2,
                ActivationKind.RELU, 0.2f, Loss.BCE, new ConvSpec(new int[]{4}, 3, 1, 0, 0)));
        assertTrue(e.getMessage().contains("C×H×W"), e.getMessage());
    }

    @Test
    void generatedDecodersReproduceOddImageSizes() {
        for (int[] hw : new int[][]{{28, 28}, {29, 31}, {7, 12}, {32, 32}})
            for (int k : new int[]{3, 4, 5}) {
                VaeSpec s = new VaeSpec("conv", Shape.of(2, hw[0], hw[1]), new int[]{8}, 3, ActivationKind.RELU, 0.2f,
                        Loss.BCE, new ConvSpec(new int[]{4, 6}, k, 2, (k - 1) / 2, 0));
                assertEquals(s.input().size(), s.build().inputDim());   // build() checks the decoder's output shape
            }
    }

    @Test
    void convArchitecturesRoundTripThroughMetadata() {
        for (VaeSpec s : List.of(small(ActivationKind.TANH), VaeSpec.preset("mnist-conv", 0, ActivationKind.RELU, Loss.BCE),
                VaeSpec.preset("rgb128-conv", 64, ActivationKind.LEAKY_RELU, Loss.MSE), VaeSpec.mnistDefault())) {
            VaeSpec back = VaeSpec.fromMetadata(s.toMetadata());
            assertEquals(s, back);
            assertEquals(s.build().layout().size(), back.build().layout().size());
        }
        assertFalse(VaeSpec.mnistDefault().toMetadata().containsKey("channels"), "MLP metadata keeps its old keys");
    }

    // ---- Monte-Carlo samples ----

    private record Result(float[] grads, float[] recon) {}

    private static Result train(Vae vae, int batch, int mc, float[] noise) {
        Workspace ws = workspace(vae, batch, mc);
        System.arraycopy(noise, 0, ws.noise(), 0, noise.length);
        StepPlan train = vae.trainPlan(batch, Optimizer.adam(), mc);
        HostBackend be = HostBackend.reference();
        be.prepare(ws, List.of(train));
        be.run(train);
        float[] recon = new float[batch];
        System.arraycopy(ws.out(), vae.outRecon(batch).offset(), recon, 0, batch);
        return new Result(ws.grads().clone(), recon);
    }

    @Test
    void monteCarloLossIsTheMeanOfThePerDrawLosses() {
        Vae vae = small(ActivationKind.TANH).build();
        int batch = 3, rows = batch * vae.latent();
        Random r = new Random(9);
        float[] e0 = new float[rows], e1 = new float[rows], both = new float[2 * rows];
        for (int i = 0; i < rows; i++) { e0[i] = (float) r.nextGaussian(); e1[i] = (float) r.nextGaussian(); }
        System.arraycopy(e0, 0, both, 0, rows);
        System.arraycopy(e1, 0, both, rows, rows);
        Result one0 = train(vae, batch, 1, e0), one1 = train(vae, batch, 1, e1), two = train(vae, batch, 2, both);
        for (int b = 0; b < batch; b++) {
            assertNotEquals(one0.recon[b], one1.recon[b], "the two draws must differ for the test to mean anything");
            assertEquals((one0.recon[b] + one1.recon[b]) / 2, two.recon[b], 1e-4 * Math.abs(two.recon[b]), "recon of sample " + b);
        }
        // the KL gradient is the same for every draw, so mean-of-K gradients = mean of the K single-draw gradients
        for (int i = 0; i < two.grads.length; i++)
            assertEquals((one0.grads[i] + one1.grads[i]) / 2, two.grads[i], 1e-4 * Math.max(1, Math.abs(two.grads[i])), "grad " + i);
    }

    @Test
    void oneDrawRepeatedKTimesIsTheSingleDrawResult() {
        Vae vae = small(ActivationKind.TANH).build();
        int batch = 2, rows = batch * vae.latent();
        float[] e = new float[rows], thrice = new float[3 * rows];
        Random r = new Random(4);
        for (int i = 0; i < rows; i++) e[i] = (float) r.nextGaussian();
        for (int k = 0; k < 3; k++) System.arraycopy(e, 0, thrice, k * rows, rows);
        Result one = train(vae, batch, 1, e), three = train(vae, batch, 3, thrice);
        assertArrayEquals(one.recon, three.recon, 1e-4f);
        assertArrayEquals(one.grads, three.grads, 1e-4f);
        assertEquals(vae.trainPlan(batch, Optimizer.adam()).ops(), vae.trainPlan(batch, Optimizer.adam(), 1).ops());
    }
}
