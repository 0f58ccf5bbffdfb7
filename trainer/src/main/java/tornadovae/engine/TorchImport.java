package tornadovae.engine;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tornadovae.io.DataFormatException;
import tornadovae.io.safetensors.Safetensors;
import tornadovae.io.safetensors.Tensor;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.Loss;
import tornadovae.model.ParamLayout;
import tornadovae.model.Shape;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/**
 * A PyTorch state dict, saved as safetensors, as our parameter arena (`vae import-torch`).
 *
 * <p>PyTorch VAEs name their layers freely, so the file's tensors are sorted into the four parts every VAE here has
 * (encoder, mu, logvar, decoder) by the first segment of their names, and within a part matched to our layers in
 * order (indices compared as numbers, as an {@code nn.Sequential}'s are), each by shape. That one rule covers
 * pytorch/examples' {@code fc1 fc21 fc22 fc3 fc4}, {@code nn.Sequential} containers ({@code encoder.0},
 * {@code encoder.2}, …, activations leaving gaps in the indices) and our own names. Every tensor of the file must
 * find its place and every parameter of the model its tensor; a sentence names the one that does not.
 */
public final class TorchImport {
    private TorchImport() {}

    /** The architecture asked for; null hidden, 0 latent or null input: read them from the tensors' shapes. */
    public record Arch(String model, int[] hidden, int latent, ActivationKind activation, Loss loss, Shape input) {}

    /** The model, its parameters, and for each of our layers the file's layer it came from. */
    public record Result(VaeSpec spec, Vae vae, float[] params, Map<String, String> sources) {}

    /** The models whose layers follow from --model, --hidden and --latent alone. */
    public static final List<String> MODELS = List.of("mlp", "mnist-conv", "mnist-conv4", "rgb128-conv");

    // first segments of a layer's name, by part; pytorch/examples' fc1..fc4 are listed by name
    private static final Set<String> MU = Set.of("mu", "fc21", "fc_mu", "mu_layer", "z_mean", "fc_mean", "mean");
    private static final Set<String> LOGVAR = Set.of("logvar", "fc22", "fc_logvar", "logvar_layer", "log_var", "fc_log_var",
            "fc_var", "z_log_var", "var");
    private static final List<String> PARTS = List.of("encoder", "mu", "logvar", "decoder");

    public static Result convert(Path file, Arch arch) throws IOException {
        if (!MODELS.contains(arch.model()))
            throw new IllegalArgumentException("import-torch takes --model " + String.join(", ", MODELS) + ", not '" + arch.model() + "'");
        Safetensors.Contents c = Safetensors.read(file);
        String format = c.metadata().get("format");
        if (format != null && !format.equals("pt") && !format.startsWith("tornado-vae/"))
            throw new DataFormatException(file, "has format '" + format + "', not PyTorch's ('pt'): import-torch reads "
                    + "PyTorch state dicts (other frameworks store weights transposed)");
        Map<String, Tensor> tensors = withoutDataParallelPrefix(c.tensors());
        Map<String, List<String>> parts = parts(file, tensors);
        for (String single : List.of("mu", "logvar")) {
            List<String> layers = parts.get(single);
            if (layers.size() != 1)
                throw new DataFormatException(file, layers.isEmpty()
                        ? "has no " + single + " layer (a tensor named " + single + ".weight, fc_" + single + ".weight or "
                                + (single.equals("mu") ? "fc21" : "fc22") + ".weight)"
                        : "has " + layers.size() + " " + single + " layers (" + String.join(", ", layers) + "), the model has one");
        }
        VaeSpec spec = spec(file, arch, parts, tensors);
        Vae vae = spec.build();
        float[] params = new float[vae.paramCount()];
        Map<String, List<String>> ours = ourLayers(vae);
        Map<String, String> sources = new LinkedHashMap<>();
        for (String part : PARTS) {
            List<String> want = ours.get(part), have = parts.get(part);
            if (want.size() != have.size())
                throw new DataFormatException(file, "has " + have.size() + " " + part + " layer" + (have.size() == 1 ? "" : "s")
                        + " with weights (" + String.join(", ", have)
                        + ") where the " + describe(spec) + " has " + want.size() + " (" + String.join(", ", want) + ")");
            for (int i = 0; i < want.size(); i++) sources.put(want.get(i), have.get(i));
        }
        for (ParamLayout.Entry e : vae.layout().entries()) {
            String layer = e.name().substring(0, e.name().lastIndexOf('.'));
            String name = sources.get(layer) + e.name().substring(layer.length());
            Tensor t = tensors.get(name);
            if (t == null) throw new DataFormatException(file, "lacks '" + name + "'");
            long[] need = Arrays.stream(e.shape()).asLongStream().toArray();
            if (!Arrays.equals(t.shape(), need))
                throw new DataFormatException(file, "tensor '" + name + "' has shape " + Arrays.toString(t.shape())
                        + ", the model needs " + Arrays.toString(need) + " (for our " + e.name() + ")");
            for (int i = 0; i < e.size(); i++) {
                float x = t.get(i);
                if (!Float.isFinite(x)) throw new DataFormatException(file, "has " + x + " at element " + i + " of tensor '" + name + "'");
                params[e.offset() + i] = x;
            }
        }
        return new Result(spec, vae, params, sources);
    }

    /** nn.DataParallel saves every name under "module."; the layers are the same. */
    private static Map<String, Tensor> withoutDataParallelPrefix(Map<String, Tensor> tensors) {
        if (tensors.isEmpty() || !tensors.keySet().stream().allMatch(n -> n.startsWith("module."))) return tensors;
        Map<String, Tensor> r = new LinkedHashMap<>();
        tensors.forEach((n, t) -> r.put(n.substring("module.".length()), t));
        return r;
    }

    /** The file's layers (names without .weight/.bias) of each part, in the order the layers run. */
    private static Map<String, List<String>> parts(Path file, Map<String, Tensor> tensors) throws DataFormatException {
        Map<String, TreeMap<String, String>> byPart = new LinkedHashMap<>();
        for (String p : PARTS) byPart.put(p, new TreeMap<>(TorchImport::compareNames));
        for (String name : tensors.keySet()) {
            int dot = name.lastIndexOf('.');
            String kind = name.substring(dot + 1);
            if (dot < 0 || !(kind.equals("weight") || kind.equals("bias")))
                throw new DataFormatException(file, "tensor '" + name + "' is neither a weight nor a bias (tornado-vae's layers "
                        + "are Linear, Conv2d and ConvTranspose2d, with no other parameters or buffers)");
            String layer = name.substring(0, dot);
            String part = partOf(layer.split("\\.")[0].toLowerCase(Locale.ROOT));
            if (part == null)
                throw new DataFormatException(file, "tensor '" + name + "' belongs to no part of a VAE that import-torch knows "
                        + "(encoder*/enc*, mu/fc_mu/fc21, logvar/fc_logvar/fc_var/fc22, decoder*/dec*, or pytorch/examples' fc1, fc3, fc4)");
            byPart.get(part).put(layer, layer);
        }
        Map<String, List<String>> r = new LinkedHashMap<>();
        byPart.forEach((p, m) -> r.put(p, new ArrayList<>(m.keySet())));
        return r;
    }

    private static String partOf(String first) {
        if (MU.contains(first)) return "mu";
        if (LOGVAR.contains(first)) return "logvar";
        if (first.equals("fc1") || first.startsWith("enc")) return "encoder";
        if (first.equals("fc3") || first.equals("fc4") || first.startsWith("dec")) return "decoder";
        return null;
    }

    // our own sub-part names sort in the order our layers run (conv before fc in the encoder, fc before deconv in the decoder)
    private static final List<String> OUR_ORDER = List.of("conv", "fc", "deconv");

    /** Segment by segment: numbers as numbers (encoder.10 after encoder.2), our sub-parts in running order, else as text. */
    public static int compareNames(String a, String b) {
        String[] x = a.split("\\."), y = b.split("\\.");
        for (int i = 0; i < Math.min(x.length, y.length); i++) {
            int c;
            if (x[i].matches("\\d{1,9}") && y[i].matches("\\d{1,9}")) c = Integer.compare(Integer.parseInt(x[i]), Integer.parseInt(y[i]));
            else if (OUR_ORDER.contains(x[i]) && OUR_ORDER.contains(y[i])) c = Integer.compare(OUR_ORDER.indexOf(x[i]), OUR_ORDER.indexOf(y[i]));
            else c = x[i].compareTo(y[i]);
            if (c != 0) return c;
        }
        return Integer.compare(x.length, y.length);
    }

    /** The architecture: what the options give, the rest read from the shapes of the first encoder layer and of mu. */
    private static VaeSpec spec(Path file, Arch arch, Map<String, List<String>> parts, Map<String, Tensor> tensors)
            throws DataFormatException {
        String mu = parts.get("mu").get(0) + ".weight";
        int latent = arch.latent() > 0 ? arch.latent() : dim(file, tensors, mu, 0);
        try {
            if (!arch.model().equals("mlp")) {
                VaeSpec preset = VaeSpec.preset(arch.model(), latent, arch.activation(), arch.loss());
                return arch.input() == null ? preset : preset.withInput(arch.input());
            }
            List<String> enc = parts.get("encoder");
            if (enc.isEmpty()) throw new DataFormatException(file, "has no encoder layers (tensors named encoder.*, enc.* or fc1.*)");
            int[] hidden = arch.hidden();
            if (hidden == null) {
                hidden = new int[enc.size()];
                for (int i = 0; i < hidden.length; i++) hidden[i] = dim(file, tensors, enc.get(i) + ".weight", 0);
            }
            Shape input = arch.input() != null ? arch.input() : imageShape(dim(file, tensors, enc.get(0) + ".weight", 1));
            return new VaeSpec("mlp", input, hidden, latent, arch.activation(), 0.2f, arch.loss());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("the architecture for " + file + " is not possible: " + e.getMessage(), e);
        }
    }

    private static int dim(Path file, Map<String, Tensor> tensors, String name, int d) throws DataFormatException {
        Tensor t = tensors.get(name);
        if (t == null) throw new DataFormatException(file, "lacks '" + name + "'");
        long[] s = t.shape();
        if (s.length != 2) throw new DataFormatException(file, "tensor '" + name + "' has shape " + Arrays.toString(s)
                + ", where a Linear layer's weight [out, in] was expected");
        if (s[d] < 1 || s[d] > VaeSpec.MAX_WIDTH)
            throw new DataFormatException(file, "tensor '" + name + "' has shape " + Arrays.toString(s) + ", too large a layer");
        return (int) s[d];
    }

    /** An MLP's input as images where the size says which: MNIST's 28x28, CIFAR's 3x32x32, a square; else flat. */
    static Shape imageShape(int d) {
        if (d == 3 * 32 * 32) return Shape.of(3, 32, 32);
        int side = (int) Math.round(Math.sqrt(d));
        return side * side == d ? Shape.of(1, side, side) : Shape.of(d);
    }

    /** Our layer names of each part, in layout order. */
    private static Map<String, List<String>> ourLayers(Vae vae) {
        Map<String, List<String>> r = new LinkedHashMap<>();
        for (String p : PARTS) r.put(p, new ArrayList<>());
        for (ParamLayout.Entry e : vae.layout().entries()) {
            String layer = e.name().substring(0, e.name().lastIndexOf('.'));
            List<String> part = r.get(layer.split("\\.")[0]);
            if (!part.contains(layer)) part.add(layer);
        }
        return r;
    }

    static String describe(VaeSpec s) {
        return s.model().equals("mlp")
                ? "mlp " + s.input().size() + "-" + String.join("-", Arrays.stream(s.hidden()).mapToObj(Integer::toString).toList())
                        + "-" + s.latent()
                : s.model() + " with latent size " + s.latent();
    }
}
