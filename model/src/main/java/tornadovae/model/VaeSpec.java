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
public record VaeSpec(String model, Shape input, int[] hidden, int latent, ActivationKind activation, float slope, Loss loss) {

    public VaeSpec {
        if (!model.equals("mlp")) throw new IllegalArgumentException("unknown model '" + model + "' (expected mlp)");
        if (latent < 1) throw new IllegalArgumentException("latent size must be at least 1, got " + latent);
        if (hidden.length == 0) throw new IllegalArgumentException("an MLP VAE needs at least one hidden layer");
        for (int h : hidden) if (h < 1) throw new IllegalArgumentException("hidden layer sizes must be at least 1, got " + h);
        if (activation != ActivationKind.RELU && activation != ActivationKind.LEAKY_RELU
                && activation != ActivationKind.TANH && activation != ActivationKind.SIGMOID)
            throw new IllegalArgumentException("activation " + activation + " is not supported for hidden layers");
        hidden = hidden.clone();
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
        return m;
    }

    /** Reads the architecture back from checkpoint metadata; throws IllegalArgumentException naming a missing or bad key. */
    public static VaeSpec fromMetadata(Map<String, String> m) {
        try {
            int[] in = Arrays.stream(need(m, "input").split("x")).mapToInt(Integer::parseInt).toArray();
            int[] hidden = Arrays.stream(need(m, "hidden").split(",")).mapToInt(Integer::parseInt).toArray();
            return new VaeSpec(need(m, "model"), Shape.of(in), hidden, Integer.parseInt(need(m, "latent")),
                    ActivationKind.valueOf(need(m, "activation").toUpperCase(Locale.ROOT)),
                    Float.parseFloat(m.getOrDefault("slope", "0.2")), Loss.parse(need(m, "loss")));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("architecture metadata has a bad number: " + e.getMessage());
        }
    }

    private static String need(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) throw new IllegalArgumentException("architecture metadata lacks '" + key + "'");
        return v;
    }

    @Override public boolean equals(Object o) {
        return o instanceof VaeSpec s && model.equals(s.model) && input.equals(s.input) && Arrays.equals(hidden, s.hidden)
                && latent == s.latent && activation == s.activation && slope == s.slope && loss == s.loss;
    }

    @Override public int hashCode() { return toMetadata().hashCode(); }

    @Override public String toString() { return toMetadata().toString(); }
}
