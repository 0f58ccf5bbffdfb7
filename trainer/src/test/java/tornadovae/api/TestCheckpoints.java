package tornadovae.api;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import tornadovae.engine.Checkpoints;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.Loss;
import tornadovae.model.Shape;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/** A small freshly initialised MNIST-shaped model saved as a checkpoint (no training needed to test the API). */
final class TestCheckpoints {
    private TestCheckpoints() {}

    static Path write(Path file) throws IOException {
        Vae vae = new VaeSpec("mlp", Shape.of(1, 28, 28), new int[]{48}, 5, ActivationKind.RELU, 0.2f, Loss.BCE).build();
        float[] params = new float[vae.paramCount()];
        vae.initParams(params, 3);
        Checkpoints.save(file, vae, params, Map.of());
        return file;
    }

    /** Deterministic images with pixels in [0, 1]. */
    static float[][] images(int n, long seed) {
        java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
        float[][] x = new float[n][784];
        for (float[] img : x) for (int i = 0; i < img.length; i++) img[i] = (float) r.nextDouble();
        return x;
    }
}
