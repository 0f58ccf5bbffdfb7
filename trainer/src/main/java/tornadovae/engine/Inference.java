package tornadovae.engine;

import tornadovae.kernels.plan.Backend;
import tornadovae.model.Optimizer;

/** A session for a trained model that only encodes, reconstructs and decodes. */
public final class Inference {
    private Inference() {}

    public static VaeSession open(Checkpoints.Loaded ckpt, String backend, String device, int threads,
                                  int[] evalBatches, int[] decodeBatches) {
        Backend be = Backends.create(backend, device, threads);
        VaeSession s = new VaeSession(ckpt.vae(), be, Optimizer.adam(), new int[0], evalBatches, decodeBatches);
        System.arraycopy(ckpt.params(), 0, s.workspace().params(), 0, ckpt.params().length);
        s.prepare();
        return s;
    }
}
