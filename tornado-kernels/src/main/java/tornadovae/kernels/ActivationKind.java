package tornadovae.kernels;

/**
 * Element-wise activations. Every backward is written in terms of the forward OUTPUT, so a
 * forward may run in place and the backward never needs the pre-activation.
 * LEAKY_RELU uses a positive slope, so sign(out) == sign(in).
 */
public enum ActivationKind {
    IDENTITY, RELU, LEAKY_RELU, SIGMOID, TANH;

    public static ActivationKind parse(String s) {
        return switch (s.toLowerCase(java.util.Locale.ROOT).replace("-", "").replace("_", "")) {
            case "relu" -> RELU;
            case "leakyrelu", "leaky" -> LEAKY_RELU;
            case "sigmoid" -> SIGMOID;
            case "tanh" -> TANH;
            case "identity", "none", "linear" -> IDENTITY;
            default -> throw new IllegalArgumentException(
                    "unknown activation '" + s + "' (expected relu, leaky-relu, sigmoid, tanh)");
        };
    }
}
