package tornadovae.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.HostBackend;
import tornadovae.kernels.plan.Scalars;
import tornadovae.kernels.plan.StepPlan;
import tornadovae.kernels.plan.Workspace;

/** The whole compiled train plan, run on the reference kernels, against finite differences of the eval plan's loss. */
class VaeGradientTest {

    static VaeSpec small(ActivationKind act, Loss loss) {
        return new VaeSpec("mlp", Shape.of(1, 3, 4), new int[]{7, 5}, 3, act, 0.2f, loss);
    }

    /** Total loss Σ_b recon_b + w·kl_b as the eval plan computes it (same noise). */
    static double loss(HostBackend be, StepPlan eval, Vae vae, Workspace ws, int batch, float klWeight) {
        be.run(eval);
        double s = 0;
        float[] out = ws.out();
        for (int b = 0; b < batch; b++) s += out[vae.outRecon(batch).offset() + b] + klWeight * out[vae.outKl(batch).offset() + b];
        return s;
    }

    void checkGradients(ActivationKind act, Loss loss) {
        Vae vae = small(act, loss).build();
        int batch = 3;
        Workspace ws = vae.newWorkspace(batch);
        vae.initParams(ws.params(), 7);
        Random r = new Random(1);
        for (int i = 0; i < batch * vae.inputDim(); i++) ws.input()[i] = r.nextFloat();
        for (int i = 0; i < batch * vae.latent(); i++) ws.noise()[i] = (float) r.nextGaussian();
        float klWeight = 0.7f;
        ws.scalars()[Scalars.KL_WEIGHT] = klWeight;
        ws.scalars()[Scalars.LEARNING_RATE] = 0f; // Adam with lr 0 leaves the parameters alone
        ws.scalars()[Scalars.ADAM_BC1] = 0.1f;
        ws.scalars()[Scalars.ADAM_BC2] = 0.001f;
        StepPlan train = vae.trainPlan(batch, Optimizer.adam());
        StepPlan eval = vae.evalPlan(batch);
        HostBackend be = HostBackend.reference();
        be.prepare(ws, List.of(train, eval));
        be.run(train);
        float[] grads = ws.grads().clone();
        float[] p = ws.params();
        int checked = 0;
        for (int i = 0; i < p.length; i += 3) {
            float orig = p[i];
            float h = 1e-2f;
            p[i] = orig + h;
            double lp = loss(be, eval, vae, ws, batch, klWeight);
            p[i] = orig - h;
            double lm = loss(be, eval, vae, ws, batch, klWeight);
            p[i] = orig;
            double fd = (lp - lm) / (2 * h);
            assertEquals(fd, grads[i], 2e-2 * Math.max(1, Math.abs(fd)),
                    act + "/" + loss + ": gradient of parameter " + i + " of " + p.length);
            checked++;
        }
        assertTrue(checked > 50);
    }

    @Test void reluBce() { checkGradients(ActivationKind.RELU, Loss.BCE); }
    @Test void leakyMse() { checkGradients(ActivationKind.LEAKY_RELU, Loss.MSE); }
    @Test void tanhBceMse() { checkGradients(ActivationKind.TANH, Loss.BCE_MSE); }
    @Test void siluBce() { checkGradients(ActivationKind.SILU, Loss.BCE); }
    @Test void geluMse() { checkGradients(ActivationKind.GELU, Loss.MSE); }

    @Test
    void gradientsAreNotAllZero() {
        Vae vae = small(ActivationKind.TANH, Loss.BCE).build();
        Workspace ws = vae.newWorkspace(2);
        vae.initParams(ws.params(), 3);
        for (int i = 0; i < 2 * vae.inputDim(); i++) ws.input()[i] = (i % 3) / 2f;
        ws.scalars()[Scalars.KL_WEIGHT] = 1;
        ws.scalars()[Scalars.ADAM_BC1] = 1;
        ws.scalars()[Scalars.ADAM_BC2] = 1;
        HostBackend be = HostBackend.reference();
        StepPlan train = vae.trainPlan(2, Optimizer.adam());
        be.prepare(ws, List.of(train));
        be.run(train);
        int nonZero = 0;
        for (float g : ws.grads()) if (g != 0) nonZero++;
        assertTrue(nonZero > ws.grads().length / 2, "most gradients should be non-zero, got " + nonZero);
        assertTrue(ws.out()[vae.outGradNorm(2).offset()] > 0);
    }
}
