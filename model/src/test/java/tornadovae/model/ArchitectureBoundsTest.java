package tornadovae.model;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import tornadovae.kernels.ActivationKind;

/** Vae.paramCount(spec) is the layers' own count, for every kind of model, and absurd architectures are one sentence. */
class ArchitectureBoundsTest {
    static VaeSpec conv(Shape in, int[] channels, int kernel, int stride, int pad, int... fc) {
        return new VaeSpec("conv", in, fc, 2, ActivationKind.RELU, 0.2f, Loss.BCE, new ConvSpec(channels, kernel, stride, pad, 0));
    }

    @Test
    void theStaticCountIsTheArenaTheModelBuilds() {
        VaeSpec[] specs = {VaeSpec.mnistDefault(), VaeSpec.preset("mnist-conv", 0, ActivationKind.RELU, Loss.BCE),
                VaeSpec.preset("mnist-conv4", 0, ActivationKind.RELU, Loss.BCE),
                VaeSpec.preset("rgb128-conv", 0, ActivationKind.LEAKY_RELU, Loss.BCE),
                conv(Shape.of(1, 28, 28), new int[]{4, 8}, 3, 2, 1, 8), conv(Shape.of(3, 12, 12), new int[]{4}, 4, 2, 1)};
        for (VaeSpec s : specs) {
            Vae vae = s.build();
            long sum = 0;
            for (ParamLayout.Entry e : vae.layout().entries()) sum += e.size();
            assertEquals(vae.paramCount(), Vae.paramCount(s), s.model());
            assertEquals(sum, Vae.paramCount(s), s.model());
        }
        // rgb128-conv by hand: 5 convs and 5 transposed convs of kernel 4, the mu|logvar head and the decoder's dense layer
        int[] ch = {3, 32, 64, 128, 256, 512};
        long convs = 0;
        for (int i = 0; i + 1 < ch.length; i++) convs += 2L * ch[i] * ch[i + 1] * 16 + ch[i] + ch[i + 1];
        long dense = 8192L * 256 + 256 + 128L * 8192 + 8192;
        assertEquals(convs + dense, Vae.paramCount(VaeSpec.preset("rgb128-conv", 0, ActivationKind.RELU, Loss.BCE)));
    }

    static void refused(String what, Runnable build) {
        IllegalArgumentException e = assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertThrows(IllegalArgumentException.class, build::run, what));
        assertFalse(e.getMessage().isBlank(), what);
    }

    @Test
    void absurdArchitecturesAreRefusedInLongArithmeticBeforeAnythingIsAllocated() {
        Shape mnist = Shape.of(1, 28, 28);
        refused("30000 channels", () -> conv(mnist, new int[]{30000}, 3, 1, 1));
        refused("50000,50000 channels", () -> conv(mnist, new int[]{50000, 50000}, 3, 2, 1));
        // each field in bounds, the products not: 4096² · 64² weights, a 4096-channel 4033² activation
        refused("weights past 2^31", () -> Vae.paramCount(conv(mnist, new int[]{4096, 4096}, 64, 1, 32)));
        refused("activations past the per-sample cap", () -> Vae.paramCount(conv(Shape.of(1, 4096, 4096), new int[]{4096}, 1, 1, 0)));
        refused("im2col scratch", () -> Vae.paramCount(conv(Shape.of(1, 2048, 2048), new int[]{1}, 64, 1, 32)));
        refused("a dense layer past the arena", () -> Vae.paramCount(new VaeSpec("mlp", Shape.of(1, 4096, 4096), new int[]{65536},
                2, ActivationKind.RELU, 0.2f, Loss.BCE)));
        refused("an input past the cap", () -> Shape.of(3, 65536, 65536));
        refused("a latent past the cap", () -> new VaeSpec("mlp", mnist, new int[]{4}, 1 << 20, ActivationKind.RELU, 0.2f, Loss.BCE));
        refused("too many layers", () -> conv(mnist, new int[40], 3, 2, 1));
        refused("a kernel past the cap", () -> conv(mnist, new int[]{4}, 1000, 2, 1));
        refused("a NaN slope", () -> new VaeSpec("mlp", mnist, new int[]{4}, 2, ActivationKind.LEAKY_RELU, Float.NaN, Loss.BCE));
    }

    @Test
    void aBatchTooLargeForTheModelIsASentence() {
        Vae vae = conv(Shape.of(3, 512, 512), new int[]{16}, 3, 1, 1).build();   // 4·10^6 values per sample after the conv
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vae.evalPlan(1024));
        assertTrue(e.getMessage().contains("a batch of 1024 is too large"), e.getMessage());
    }
}
