package tornadovae.model;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import tornadovae.kernels.ActivationKind;

/**
 * The architecture of a VAE, as given on the command line and stored in checkpoint metadata.
 * Validated on construction: an impossible architecture fails before any data is read.
 */
public record VaeSpec(String model, Shape input, int[] hidden, int latent, ActivationKind activation, float slope, Loss loss,
                      ConvSpec conv) {

    /** The model names: mlp, conv (from --channels/--kernel/--stride/--fc) and the presets. */
    public static final java.util.List<String> MODELS = java.util.List.of("mlp", "conv", "mnist-conv", "mnist-conv4", "rgb128-conv");

    /** At most this many hidden (or --fc) layers, each at most {@link #MAX_WIDTH} wide; the latent size likewise. */
    public static final int MAX_LAYERS = 16, MAX_WIDTH = 1 << 16;

    /**
     * Every field is bounded here, so an architecture read from a stranger's checkpoint metadata is refused in one
     * sentence before any layer is built or anything allocated; the layers then bound their own products
     * ({@link Shape#MAX_SIZE}, {@link ParamLayout#MAX_PARAMS}).
     */
    public VaeSpec {
        if (!MODELS.contains(model))
            throw new IllegalArgumentException("unknown model '" + model + "' (expected one of " + String.join(", ", MODELS) + ")");
        if (latent < 1) throw new IllegalArgumentException("latent size must be at least 1, got " + latent);
        if (latent > MAX_WIDTH) throw new IllegalArgumentException("latent size must be at most " + MAX_WIDTH + ", got " + latent);
        if (input.rank() < 1 || input.rank() > 3)
            throw new IllegalArgumentException("the input must be C×H×W images or flat vectors, got " + input.rank() + " dimensions");
        if (hidden.length > MAX_LAYERS)
            throw new IllegalArgumentException("at most " + MAX_LAYERS + " hidden layers are supported, got " + hidden.length);
        if (!Float.isFinite(slope)) throw new IllegalArgumentException("the activation slope must be finite, got " + slope);
        if (model.equals("mlp") && conv != null) throw new IllegalArgumentException("an MLP VAE has no convolutions");
        if (!model.equals("mlp") && conv == null) throw new IllegalArgumentException("model " + model + " needs its convolutions");
        if (conv != null && input.rank() != 3)
            throw new IllegalArgumentException("model " + model + " needs C×H×W images, got input " + input);
        if (hidden.length == 0 && conv == null) throw new IllegalArgumentException("an MLP VAE needs at least one hidden layer");
        for (int h : hidden) if (h < 1) throw new IllegalArgumentException("hidden layer sizes must be at least 1, got " + h);
        for (int h : hidden) if (h > MAX_WIDTH) throw new IllegalArgumentException("hidden layer sizes must be at most " + MAX_WIDTH + ", got " + h);
        if (!activation.forHiddenLayers())
            throw new IllegalArgumentException("activation " + activation.cliName() + " is not supported for hidden layers");
        hidden = hidden.clone();
    }

    /** An MLP VAE (the architecture of the first issue). */
    public VaeSpec(String model, Shape input, int[] hidden, int latent, ActivationKind activation, float slope, Loss loss) {
        this(model, input, hidden, latent, activation, slope, loss, null);
    }

    /**
     * A named preset (mnist-conv, mnist-conv4, rgb128-conv) with its own input shape, channels,
     * dense sizes and latent size (0 for latent: the preset's). Throws for an unknown name.
     */
    public static VaeSpec preset(String name, int latent, ActivationKind activation, Loss loss) {
        return switch (name) {
            case "mnist-conv" -> new VaeSpec(name, Shape.of(1, 28, 28), new int[]{256}, latent > 0 ? latent : 20,
                    activation, 0.2f, loss, new ConvSpec(new int[]{32, 64}, 3, 2, 1, 64 * 7 * 7));
            case "mnist-conv4" -> new VaeSpec(name, Shape.of(1, 28, 28), new int[0], latent > 0 ? latent : 20,
                    activation, 0.2f, loss, new ConvSpec(new int[]{64, 128}, 4, 2, 1, 128 * 7 * 7));
            case "rgb128-conv" -> new VaeSpec(name, Shape.of(3, 128, 128), new int[0], latent > 0 ? latent : 128,
                    activation, 0.2f, loss, new ConvSpec(new int[]{32, 64, 128, 256, 512}, 4, 2, 1, 512 * 4 * 4));
            default -> throw new IllegalArgumentException("unknown preset '" + name + "' (expected mnist-conv, mnist-conv4 or rgb128-conv)");
        };
    }

    public static boolean isPreset(String model) { return !model.equals("mlp") && !model.equals("conv") && MODELS.contains(model); }

    /** The same architecture on other images (the data set's shape); a preset keeps its fixed sizes and may then not fit. */
    public VaeSpec withInput(Shape in) {
        return new VaeSpec(model, in, hidden, latent, activation, slope, loss, conv);
    }

    /** The pytorch/examples VAE: 784-400-20, ReLU, BCE. */
    public static VaeSpec mnistDefault() {
        return new VaeSpec("mlp", Shape.of(1, 28, 28), new int[]{400}, 20, ActivationKind.RELU, 0.2f, Loss.BCE);
    }

    public Vae build() { return new Vae(this); }

    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("model", model);
        m.put("input", input.toString().replace('×', 'x'));
        m.put("hidden", Arrays.stream(hidden).mapToObj(Integer::toString).collect(Collectors.joining(",")));
        m.put("latent", Integer.toString(latent));
        m.put("activation", activation.name().toLowerCase(Locale.ROOT));
        m.put("slope", Float.toString(slope));
        m.put("loss", loss.cliName);
        if (conv != null) {
            m.put("channels", Arrays.stream(conv.channels()).mapToObj(Integer::toString).collect(Collectors.joining(",")));
            m.put("kernel", Integer.toString(conv.kernel()));
            m.put("stride", Integer.toString(conv.stride()));
            m.put("padding", Integer.toString(conv.padding()));
            m.put("flatten", Integer.toString(conv.flatten()));
        }
        return m;
    }

    /** Reads the architecture back from checkpoint metadata; throws IllegalArgumentException naming a missing or bad key. */
    public static VaeSpec fromMetadata(Map<String, String> m) {
        try {
            int[] in = Arrays.stream(need(m, "input").split("x")).mapToInt(Integer::parseInt).toArray();
            int[] hidden = ints(need(m, "hidden"));
            String model = need(m, "model");
            ConvSpec conv = model.equals("mlp") ? null : new ConvSpec(ints(need(m, "channels")),
                    Integer.parseInt(need(m, "kernel")), Integer.parseInt(need(m, "stride")),
                    Integer.parseInt(need(m, "padding")), Integer.parseInt(need(m, "flatten")));
            return new VaeSpec(model, Shape.of(in), hidden, Integer.parseInt(need(m, "latent")),
                    ActivationKind.valueOf(need(m, "activation").toUpperCase(Locale.ROOT)),
                    Float.parseFloat(m.getOrDefault("slope", "0.2")), Loss.parse(need(m, "loss")), conv);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("architecture metadata has a bad number: " + e.getMessage());
        }
    }

    private static int[] ints(String csv) {
        return csv.isBlank() ? new int[0] : Arrays.stream(csv.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private static String need(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) throw new IllegalArgumentException("architecture metadata lacks '" + key + "'");
        return v;
    }

    @Override public boolean equals(Object o) {
        return o instanceof VaeSpec s && model.equals(s.model) && input.equals(s.input) && Arrays.equals(hidden, s.hidden)
                && latent == s.latent && activation == s.activation && slope == s.slope && loss == s.loss
                && java.util.Objects.equals(conv, s.conv);
    }

    @Override public int hashCode() { return toMetadata().hashCode(); }

    @Override public String toString() { return toMetadata().toString(); }
}
