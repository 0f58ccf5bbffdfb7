package tornadovae.api;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tornadovae.engine.Checkpoints;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.Loss;
import tornadovae.model.Shape;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/**
 * "The same input always gets the same score": bit for bit, whether it is scored alone or in a batch of any
 * size at any position (was: 48 of 64 anomaly scores differed in their last bits).
 */
class VaeModelBatchTest {
    @TempDir Path tmp;

    Path checkpoint(String model) throws Exception {
        Vae vae = model.equals("mlp")
                ? new VaeSpec("mlp", Shape.of(1, 28, 28), new int[]{400}, 20, ActivationKind.RELU, 0.2f, Loss.BCE).build()
                : VaeSpec.preset(model, 0, ActivationKind.RELU, Loss.BCE).build();
        float[] params = new float[vae.paramCount()];
        vae.initParams(params, 5);
        Path file = tmp.resolve(model + ".safetensors");
        Checkpoints.save(file, vae, params, Map.of());
        return file;
    }

    @ParameterizedTest
    @ValueSource(strings = {"mlp", "mnist-conv"})
    void batchedAndSingleCallsAreBitIdentical(String name) throws Exception {
        float[][] x = TestCheckpoints.images(64, 21);
        try (VaeModel m = VaeModel.load(checkpoint(name), 2)) {
            double[] batched = m.anomalyScores(x);
            float[][] rec = m.reconstruct(x);
            VaeModel.Encoding[] enc = m.encode(x);
            float[][] z = new float[x.length][];
            for (int i = 0; i < x.length; i++) z[i] = enc[i].mu();
            float[][] dec = m.decode(z);
            double[] odd = m.anomalyScores(java.util.Arrays.copyOfRange(x, 3, 40));   // other positions, a partial chunk
            int differ = 0;
            for (int i = 0; i < x.length; i++) {
                if (Double.doubleToRawLongBits(batched[i]) != Double.doubleToRawLongBits(m.anomalyScore(x[i]))) differ++;
                if (i >= 3 && i < 40) assertEquals(batched[i], odd[i - 3], 0.0, "score " + i + " in another batch");
                assertArrayEquals(rec[i], m.reconstruct(x[i]), 0f, "reconstruction " + i);
                assertArrayEquals(enc[i].mu(), m.encode(x[i]).mu(), 0f, "mu " + i);
                assertArrayEquals(enc[i].logvar(), m.encode(x[i]).logvar(), 0f, "logvar " + i);
                assertArrayEquals(dec[i], m.decode(z[i]), 0f, "decoding " + i);
            }
            assertEquals(0, differ, differ + " of 64 anomaly scores differ between batched and single calls");
        }
    }
}
