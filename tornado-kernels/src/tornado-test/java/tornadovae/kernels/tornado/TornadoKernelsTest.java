package tornadovae.kernels.tornado;

import static tornadovae.kernels.tornado.Harness.assertMatchesReference;

import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.Buf;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.Scalars;
import tornadovae.kernels.plan.Slice;
import tornadovae.kernels.plan.Workspace;

/**
 * Every kernel of {@link TornadoKernels} against its reference loop: odd shapes, odd offsets,
 * operands spread over several arenas (and sharing one), each op run as a one-op plan through
 * {@link TornadoBackend} so that the op-to-task mapping is tested too. Every resident buffer is
 * compared afterwards, so a kernel that writes outside its slice fails as well.
 */
class TornadoKernelsTest {
    private static final int SIZE = 6007;
    private static final double TOL = 1e-4;

    private static Workspace ws(long seed) { return Harness.randomWorkspace(SIZE, seed); }

    @Test
    void fill() {
        var a = new Harness.Alloc(1);
        assertMatchesReference("fill", ws(1), List.of(
                new Op.Fill(a.take(Buf.GRADS, 1237), 0f),
                new Op.Fill(a.take(Buf.ACTS, 3), -2.5f)), 2, TOL);
    }

    @Test
    void biasAddAndBiasGrad() {
        var a = new Harness.Alloc(2);
        int rows = 13, cols = 37;
        assertMatchesReference("bias", ws(2), List.of(
                new Op.BiasAdd(a.take(Buf.ACTS, rows * cols), a.take(Buf.PARAMS, cols), rows, cols),
                new Op.BiasGrad(a.take(Buf.GRADS, cols), a.take(Buf.ACTS, rows * cols), rows, cols),
                new Op.BiasGrad(a.take(Buf.GRADS, 1), a.take(Buf.ACTS, 129), 129, 1)), 2, TOL);
    }

    /**
     * A conv layer's bias gradient (a sum per image and channel plane, then per channel): planes of a tail only (7),
     * of whole sixteen-lane steps (16), of both (37), and longer than a GPU work-group's 256 lanes (300); one channel
     * and several; with the legacy kernels and both families.
     */
    @ParameterizedTest(name = "kernels {0}")
    @CsvSource({"2", "4", "5"})
    void channelBiasGrad(int kernels) {
        var a = new Harness.Alloc(9);
        assertMatchesReference("channel-bias", ws(9), List.of(
                new Op.ChannelBiasGrad(a.take(Buf.GRADS, 3), a.take(Buf.ACTS, 5 * 3 * 7), 5, 3, 7),
                new Op.ChannelBiasGrad(a.take(Buf.GRADS, 4), a.take(Buf.ACTS, 3 * 4 * 16), 3, 4, 16),
                new Op.ChannelBiasGrad(a.take(Buf.GRADS, 1), a.take(Buf.ACTS, 6 * 37), 6, 1, 37),
                new Op.ChannelBiasGrad(a.take(Buf.GRADS, 9), a.take(Buf.ACTS, 2 * 9 * 37), 2, 9, 37),
                new Op.ChannelBiasGrad(a.take(Buf.GRADS, 2), a.take(Buf.ACTS, 2 * 2 * 300), 2, 2, 300)), kernels, TOL);
    }

    @ParameterizedTest
    @EnumSource(ActivationKind.class)
    void activations(ActivationKind kind) {
        var a = new Harness.Alloc(3);
        Workspace w = ws(3 + kind.ordinal());
        for (int i = 0; i < w.array(Buf.ACTS).length; i++) w.array(Buf.ACTS)[i] *= 3f;
        int n = 1001;
        Slice in = a.take(Buf.ACTS, n), out = a.take(Buf.ACTS, n), dout = a.take(Buf.GRADS, n);
        Slice shared = a.take(Buf.ACTS, n), sharedOut = a.take(Buf.ACTS, n);
        assertMatchesReference("act-" + kind, w, List.of(
                new Op.ActForward(kind, 0.1f, out, in, n),
                new Op.ActBackward(kind, 0.1f, a.take(Buf.GRADS, n), out, dout, n),
                // in place: forward over its own input, backward with dinp aliasing dout
                new Op.ActForward(kind, 0.1f, sharedOut, sharedOut, n),
                new Op.ActBackward(kind, 0.1f, shared, sharedOut, shared, n)), 2, TOL);
    }

    @Test
    void reparamForwardAndBackward() {
        var a = new Harness.Alloc(4);
        int batch = 7, latent = 5;
        Slice ml = a.take(Buf.ACTS, 2 * batch * latent), eps = a.take(Buf.NOISE, batch * latent);
        assertMatchesReference("reparam", ws(4), List.of(
                new Op.Reparam(a.take(Buf.ACTS, batch * latent), ml, eps, batch, latent),
                new Op.ReparamBackward(a.take(Buf.GRADS, 2 * batch * latent), a.take(Buf.GRADS, batch * latent),
                        ml, eps, batch, latent)), 2, TOL);
    }

    @Test
    void klForwardAndBackward() {
        var a = new Harness.Alloc(5);
        Workspace w = ws(5);
        w.scalars()[Scalars.KL_WEIGHT] = 0.7f;
        int batch = 9, latent = 11;
        Slice ml = a.take(Buf.ACTS, 2 * batch * latent);
        int frozen = 0;
        for (int j = 0; j < latent; j++) {
            double kl = 0;
            for (int b = 0; b < batch; b++) {
                double mu = w.array(Buf.ACTS)[ml.offset() + b * 2 * latent + j], lv = w.array(Buf.ACTS)[ml.offset() + b * 2 * latent + latent + j];
                kl += -0.5 * (1 + lv - mu * mu - Math.exp(lv)) / batch;
            }
            if (kl < 0.25) frozen++;
        }
        org.junit.jupiter.api.Assertions.assertTrue(frozen > 0 && frozen < latent, "free bits must freeze some dimensions, not all: " + frozen);
        assertMatchesReference("kl", w, List.of(
                new Op.KlForward(a.take(Buf.OUT, batch), ml, batch, latent),
                new Op.KlBackward(a.take(Buf.GRADS, 2 * batch * latent), ml, batch, latent),
                // free bits: λ near the batch-mean KL of dimensions with entries in [-1, 1], so some pass and some do not
                new Op.KlBackwardFreeBits(a.take(Buf.GRADS, 2 * batch * latent), ml, 0.25f, batch, latent)), 2, TOL);
    }

    /** The loss with the legacy kernels, the CPU class's (a vector loop per sample) and the GPU class's (a work-group each). */
    @ParameterizedTest(name = "wBce {0}, wMse {1}, kernels {2}")
    @CsvSource({"1,0,2", "0,1,2", "1,1,2", "0.5,2,2", "1,0,4", "0.5,2,4", "1,0,5", "0.5,2,5"})
    void reconstructionLoss(float wBce, float wMse, int kernels) {
        var a = new Harness.Alloc(6);
        Workspace w = ws(6);
        for (int i = 0; i < w.array(Buf.ACTS).length; i++) w.array(Buf.ACTS)[i] *= 6f; // logits in [-6, 6]
        int batch = 6, dim = 599;   // more than a work-group's 256 lanes and not a multiple of them
        Slice logits = a.take(Buf.ACTS, batch * dim), target = a.take(Buf.INPUT, batch * dim);
        assertMatchesReference("recon", w, List.of(
                new Op.ReconLoss(a.take(Buf.OUT, batch), logits, target, wBce, wMse, batch, dim),
                new Op.ReconLossBackward(a.take(Buf.GRADS, batch * dim), logits, target, wBce, wMse, batch, dim)),
                kernels, TOL);
    }

    @Test
    void globalNormAndClip() {
        var a = new Harness.Alloc(7);
        Slice big = a.take(Buf.GRADS, 4999), tiny = a.take(Buf.GRADS, 1), mid = a.take(Buf.ACTS, 1500);
        Slice n1 = a.take(Buf.OUT, 1), n2 = a.take(Buf.OUT, 1), n3 = a.take(Buf.OUT, 1);
        assertMatchesReference("norm", ws(7), List.of(
                new Op.GlobalNorm(n1, big),
                new Op.GlobalNorm(n2, tiny),
                new Op.GlobalNorm(n3, mid),
                new Op.ClipByNorm(big, n1, 1.0f),      // clips: the norm is about 40
                new Op.ClipByNorm(mid, n3, 1000f)),    // leaves it alone
                2, TOL);
    }

    @ParameterizedTest
    @CsvSource({"0", "0.01"})
    void adam(float weightDecay) {
        Workspace w = ws(8);
        float[] sc = w.scalars();
        sc[Scalars.LEARNING_RATE] = 1e-2f;
        sc[Scalars.ADAM_BC1] = (float) (1 - Math.pow(0.9, 3));
        sc[Scalars.ADAM_BC2] = (float) (1 - Math.pow(0.999, 3));
        int n = SIZE - 17;
        assertMatchesReference("adam", w, List.of(new Op.Adam(new Slice(Buf.PARAMS, 17, n), new Slice(Buf.GRADS, 17, n),
                new Slice(Buf.ADAM_M, 17, n), new Slice(Buf.ADAM_V, 17, n), 0.9f, 0.999f, 1e-8f, weightDecay)), 2, TOL);
    }

    /** Adam with the gradient norm folded in (Fusion): the norm's two tasks, then the update. */
    @Test
    void adamWithItsGradientNorm() {
        Workspace w = ws(9);
        float[] sc = w.scalars();
        sc[Scalars.LEARNING_RATE] = 1e-2f;
        sc[Scalars.ADAM_BC1] = 0.1f;
        sc[Scalars.ADAM_BC2] = 0.01f;
        int n = SIZE - 5;
        assertMatchesReference("adam+norm", w, List.of(new Op.Adam(new Slice(Buf.PARAMS, 5, n), new Slice(Buf.GRADS, 5, n),
                new Slice(Buf.ADAM_M, 5, n), new Slice(Buf.ADAM_V, 5, n), 0.9f, 0.999f, 1e-8f, 0f, new Slice(Buf.OUT, 3, 1))),
                2, TOL);
    }
}
