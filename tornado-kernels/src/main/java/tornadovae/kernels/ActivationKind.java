package tornadovae.kernels;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Element-wise activations, each with its reference arithmetic (the spec every backend is checked
 * against). A backward needs f' at every element; {@link #derivativeFrom()} says which tensor it is
 * computed from: the forward OUTPUT where f' is a function of f (ReLU, sigmoid, tanh: then the
 * forward may run in place and the pre-activation need not be kept), the INPUT otherwise (SiLU,
 * GELU, whose f is not invertible). LEAKY_RELU uses a positive slope, so sign(out) == sign(in).
 *
 * <p>Adding an activation: a constant here, then its kernels in each backend's activation registry
 * ({@code JvmActivations}, {@code TornadoActivations}); {@code ActivationRegistryTest} fails, naming
 * the backend, until every backend has it.
 */
public enum ActivationKind {
    IDENTITY("identity", "Identity", Source.OUTPUT) {
        @Override public float apply(float slope, float x) { return x; }
        @Override public float derivative(float slope, float y) { return 1f; }
    },
    RELU("relu", "ReLU", Source.OUTPUT) {
        @Override public float apply(float slope, float x) { return x > 0f ? x : 0f; }
        @Override public float derivative(float slope, float y) { return y > 0f ? 1f : 0f; }
    },
    LEAKY_RELU("leaky-relu", "LeakyReLU", Source.OUTPUT) {
        @Override public float apply(float slope, float x) { return x > 0f ? x : slope * x; }
        @Override public float derivative(float slope, float y) { return y > 0f ? 1f : slope; }
        @Override public String layerName(float slope) { return "LeakyReLU(" + slope + ")"; }
    },
    SIGMOID("sigmoid", "Sigmoid", Source.OUTPUT) {
        @Override public float apply(float slope, float x) { return (float) (1.0 / (1.0 + Math.exp(-x))); }
        @Override public float derivative(float slope, float y) { return y * (1f - y); }
    },
    TANH("tanh", "Tanh", Source.OUTPUT) {
        @Override public float apply(float slope, float x) { return (float) Math.tanh(x); }
        @Override public float derivative(float slope, float y) { return 1f - y * y; }
    },
    /** x·σ(x) (PyTorch's nn.SiLU); f'(x) = σ(x)·(1 + x·(1 − σ(x))). */
    SILU("silu", "SiLU", Source.INPUT) {
        @Override public float apply(float slope, float x) { return (float) (x / (1.0 + Math.exp(-x))); }
        @Override public float derivative(float slope, float x) {
            double s = 1.0 / (1.0 + Math.exp(-x));
            return (float) (s * (1.0 + x * (1.0 - s)));
        }
    },
    /** GELU with PyTorch's approximate='tanh': ½x(1 + tanh(√(2/π)(x + 0.044715x³))). */
    GELU("gelu", "GELU(tanh)", Source.INPUT) {
        @Override public float apply(float slope, float x) {
            return (float) (0.5 * x * (1.0 + Math.tanh(GELU_C * (x + GELU_A * x * x * x))));
        }
        @Override public float derivative(float slope, float x) {
            double t = Math.tanh(GELU_C * (x + GELU_A * x * x * x));
            return (float) (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_C * (1.0 + 3.0 * GELU_A * x * x));
        }
    };

    /** √(2/π) and the cubic coefficient of GELU's tanh approximation (PyTorch's constants). */
    public static final double GELU_C = 0.7978845608028654, GELU_A = 0.044715;

    /** The tensor a backward computes f' from. */
    public enum Source { OUTPUT, INPUT }

    private final String cliName;
    private final String layerName;
    private final Source source;

    ActivationKind(String cliName, String layerName, Source source) {
        this.cliName = cliName;
        this.layerName = layerName;
        this.source = source;
    }

    /** f(x), rounded once to float. */
    public abstract float apply(float slope, float x);

    /** f' at an element, from the output y or the input x as {@link #derivativeFrom()} says. */
    public abstract float derivative(float slope, float v);

    public Source derivativeFrom() { return source; }

    /** The name on the command line and in checkpoint metadata. */
    public String cliName() { return cliName; }

    /** The name in the layer table, as PyTorch prints the module. */
    public String layerName(float slope) { return layerName; }

    /** Whether a hidden layer may use it (IDENTITY would make a layer pair one linear map). */
    public boolean forHiddenLayers() { return this != IDENTITY; }

    public static ActivationKind parse(String s) {
        String key = s.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
        switch (key) {
            case "leaky" -> { return LEAKY_RELU; }
            case "none", "linear" -> { return IDENTITY; }
            default -> {
                for (ActivationKind k : values()) if (k.cliName.replace("-", "").equals(key)) return k;
            }
        }
        throw new IllegalArgumentException("unknown activation '" + s + "' (expected " + Arrays.stream(values())
                .filter(ActivationKind::forHiddenLayers).map(ActivationKind::cliName).collect(Collectors.joining(", ")) + ")");
    }
}
