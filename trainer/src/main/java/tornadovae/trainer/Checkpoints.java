package tornadovae.trainer;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import tornadovae.io.DataFormatException;
import tornadovae.io.safetensors.Safetensors;
import tornadovae.io.safetensors.Tensor;
import tornadovae.model.ParamLayout;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/**
 * Checkpoints are safetensors files: one F32 tensor per named parameter slice (PyTorch's
 * [out][in] weight layout) and the architecture plus training settings as metadata.
 */
public final class Checkpoints {
    private Checkpoints() {}

    public static final String FORMAT_KEY = "format";
    public static final String FORMAT = "tornado-vae/1";

    public record Loaded(VaeSpec spec, Vae vae, float[] params, Map<String, String> metadata) {}

    public static void save(Path file, Vae vae, float[] params, Map<String, String> settings) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        for (ParamLayout.Entry e : vae.layout().entries())
            tensors.put(e.name(), Tensor.f32Slice(params, e.offset(), Arrays.stream(e.shape()).asLongStream().toArray()));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FORMAT_KEY, FORMAT);
        meta.putAll(vae.spec().toMetadata());
        meta.putAll(settings);
        Safetensors.write(file, tensors, meta);
    }

    public static Loaded load(Path file) throws IOException {
        Safetensors.Contents c = Safetensors.read(file);
        VaeSpec spec;
        try {
            spec = VaeSpec.fromMetadata(c.metadata());
        } catch (IllegalArgumentException e) {
            throw new DataFormatException(file, "is not a tornado-vae checkpoint: " + e.getMessage());
        }
        Vae vae = spec.build();
        float[] params = new float[vae.paramCount()];
        for (ParamLayout.Entry e : vae.layout().entries()) {
            Tensor t = c.tensors().get(e.name());
            if (t == null) throw new DataFormatException(file, "lacks the tensor '" + e.name() + "' that its architecture needs");
            long[] want = Arrays.stream(e.shape()).asLongStream().toArray();
            if (!Arrays.equals(t.shape(), want))
                throw new DataFormatException(file, "has tensor '" + e.name() + "' of shape " + Arrays.toString(t.shape())
                        + " where the architecture needs " + Arrays.toString(want));
            for (int i = 0; i < e.size(); i++) params[e.offset() + i] = t.get(i);
        }
        return new Loaded(spec, vae, params, c.metadata());
    }
}
