package tornadovae.model;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.Buf;

class VaeSpecTest {

    @Test
    void defaultMlpHasPytorchExampleParameterCount() {
        Vae vae = VaeSpec.mnistDefault().build();
        // fc1 784·400+400, fc21/fc22 2·(400·20+20), fc3 20·400+400, fc4 400·784+784
        assertEquals(314_000 + 16_040 + 8_400 + 314_384, vae.paramCount());
        assertEquals(vae.layout().get("mu.weight").offset() + 20 * 400, vae.layout().get("logvar.weight").offset(),
                "mu and logvar weights must be adjacent so one GEMM computes both");
        assertTrue(vae.layerTable().contains("652,824"), vae.layerTable());
    }

    @Test
    void metadataRoundTrip() {
        VaeSpec s = new VaeSpec("mlp", Shape.of(1, 28, 28), new int[]{512, 256}, 8, ActivationKind.LEAKY_RELU, 0.2f, Loss.BCE_MSE);
        assertEquals(s, VaeSpec.fromMetadata(s.toMetadata()));
    }

    @Test
    void impossibleArchitecturesAreRejectedWithASentence() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> new VaeSpec("mlp", Shape.of(784), new int[]{400}, 0, ActivationKind.RELU, 0.2f, Loss.BCE));
        assertTrue(e.getMessage().contains("latent size must be at least 1"), e.getMessage());
        assertThrows(IllegalArgumentException.class,
                () -> new VaeSpec("mlp", Shape.of(784), new int[]{400, -3}, 2, ActivationKind.RELU, 0.2f, Loss.BCE));
        assertThrows(IllegalArgumentException.class, () -> Shape.of(0, 28));
    }

    @Test
    void plansFitTheWorkspaceForSmallerBatches() {
        Vae vae = VaeSpec.mnistDefault().build();
        var ws = vae.newWorkspace(128);
        for (int b : new int[]{128, 96, 1}) {
            ws.checkFits(vae.trainPlan(b, Optimizer.adam()));
            ws.checkFits(vae.evalPlan(b));
            ws.checkFits(vae.decodePlan(b));
        }
        assertEquals(vae.paramCount(), ws.array(Buf.ADAM_V).length);
    }

    @Test
    void initialisationMatchesPytorchBounds() {
        Vae vae = VaeSpec.mnistDefault().build();
        float[] p = new float[vae.paramCount()];
        vae.initParams(p, 42);
        var w = vae.layout().get("encoder.0.weight");
        double bound = 1 / Math.sqrt(784), max = 0, sumSq = 0;
        for (int i = 0; i < w.size(); i++) {
            max = Math.max(max, Math.abs(p[w.offset() + i]));
            sumSq += p[w.offset() + i] * p[w.offset() + i];
        }
        assertTrue(max <= bound && max > 0.99 * bound);
        // uniform(-a, a) has variance a²/3
        assertEquals(bound * bound / 3, sumSq / w.size(), 0.02 * bound * bound);
    }
}
