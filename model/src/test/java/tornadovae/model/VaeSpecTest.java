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
            ws.checkFits(vae.lossPlan(b));
            ws.checkFits(vae.decodePlan(b));
        }
        assertEquals(vae.paramCount(), ws.array(Buf.ADAM_V).length);
    }

    /** A test pass runs the loss plan: the eval plan's losses and codes, bit for bit, and no reconstructions. */
    @Test
    void lossPlanGivesTheEvalPlansLossesAndCodesWithoutTheReconstructions() {
        Vae vae = VaeSpec.mnistDefault().build();
        int batch = 5;
        var ws = vae.newWorkspace(batch);
        vae.initParams(ws.params(), 11);
        java.util.Random r = new java.util.Random(2);
        for (int i = 0; i < batch * vae.inputDim(); i++) ws.input()[i] = r.nextFloat();
        for (int i = 0; i < batch * vae.latent(); i++) ws.noise()[i] = (float) r.nextGaussian();
        var eval = vae.evalPlan(batch);
        var loss = vae.lossPlan(batch);
        var be = tornadovae.kernels.plan.HostBackend.reference();
        be.prepare(ws, java.util.List.of(eval, loss));
        be.run(eval);
        float[] byEval = ws.out().clone();
        java.util.Arrays.fill(ws.out(), Float.NaN);
        be.run(loss);
        int codesEnd = vae.outMuLogvar(batch).end();
        for (var s : java.util.List.of(vae.outRecon(batch), vae.outKl(batch), vae.outMuLogvar(batch)))
            assertArrayEquals(java.util.Arrays.copyOfRange(byEval, s.offset(), s.end()),
                    java.util.Arrays.copyOfRange(ws.out(), s.offset(), s.end()), s.toString());
        assertEquals(codesEnd, loss.readBack().end(), "the loss plan reads back losses and codes only");
        var rec = vae.outReconstructions(batch);
        assertTrue(rec.offset() >= codesEnd, "reconstructions must follow the codes in OUT");
        for (int i = rec.offset(); i < rec.end(); i++) assertTrue(Float.isNaN(ws.out()[i]), "loss plan wrote a reconstruction at " + i);
        for (int i = rec.offset(); i < rec.end(); i++) assertTrue(byEval[i] > 0f && byEval[i] < 1f, "eval plan reconstruction at " + i);
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
