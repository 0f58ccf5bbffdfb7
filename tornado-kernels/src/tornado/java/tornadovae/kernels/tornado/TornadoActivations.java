package tornadovae.kernels.tornado;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import tornadovae.kernels.ActivationKind;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * The TornadoVM backend's activation registry: each {@link ActivationKind} as an {@code int} code that a
 * kernel receives (a frozen constant, so it selects one branch of {@link #activate} and {@link #derivative}),
 * plus the element-wise kernels. The convolution kernels' epilogues call the same two functions.
 * {@code ActivationRegistryTest} fails, naming the kind, when a kind has no code here.
 */
public final class TornadoActivations {
    private TornadoActivations() {}

    public static final int ACT_IDENTITY = 0, ACT_RELU = 1, ACT_LEAKY_RELU = 2, ACT_SIGMOID = 3, ACT_TANH = 4, ACT_SILU = 5,
            ACT_GELU = 6;
    private static final float GELU_C = (float) ActivationKind.GELU_C, GELU_A = (float) ActivationKind.GELU_A;

    private static final Map<ActivationKind, Integer> CODES = new EnumMap<>(ActivationKind.class);

    static {
        CODES.put(ActivationKind.IDENTITY, ACT_IDENTITY);
        CODES.put(ActivationKind.RELU, ACT_RELU);
        CODES.put(ActivationKind.LEAKY_RELU, ACT_LEAKY_RELU);
        CODES.put(ActivationKind.SIGMOID, ACT_SIGMOID);
        CODES.put(ActivationKind.TANH, ACT_TANH);
        CODES.put(ActivationKind.SILU, ACT_SILU);
        CODES.put(ActivationKind.GELU, ACT_GELU);
    }

    /** The kinds with a code (and so a branch in the device functions). */
    public static Set<ActivationKind> registered() { return Collections.unmodifiableSet(CODES.keySet()); }

    /** The int code a kernel receives for an activation. */
    public static int code(ActivationKind kind) {
        Integer c = CODES.get(kind);
        if (c == null) throw new UnsupportedOperationException("the TornadoVM backend has no kernel for activation " + kind);
        return c;
    }

    /** f(x) for the kind with this code. */
    public static float activate(int kind, float slope, float x) {
        float y = x;
        if (kind == ACT_RELU) {
            y = x > 0f ? x : 0f;
        } else if (kind == ACT_LEAKY_RELU) {
            y = x > 0f ? x : slope * x;
        } else if (kind == ACT_SIGMOID) {
            y = 1f / (1f + TornadoMath.exp(-x));
        } else if (kind == ACT_TANH) {
            y = TornadoMath.tanh(x);
        } else if (kind == ACT_SILU) {
            y = x / (1f + TornadoMath.exp(-x));
        } else if (kind == ACT_GELU) {
            // x·σ(2u), the same function as ½x(1 + tanh(u)) without its cancellation for x below about -5
            y = x / (1f + TornadoMath.exp(-2f * GELU_C * (x + GELU_A * x * x * x)));
        }
        return y;
    }

    /** f' from v: the forward's output, or its input for the kinds whose f' needs it (ActivationKind.derivativeFrom). */
    public static float derivative(int kind, float slope, float v) {
        float d = 1f;
        if (kind == ACT_RELU) {
            d = v > 0f ? 1f : 0f;
        } else if (kind == ACT_LEAKY_RELU) {
            d = v > 0f ? 1f : slope;
        } else if (kind == ACT_SIGMOID) {
            d = v * (1f - v);
        } else if (kind == ACT_TANH) {
            d = 1f - v * v;
        } else if (kind == ACT_SILU) {
            float sg = 1f / (1f + TornadoMath.exp(-v));
            d = sg * (1f + v * (1f - sg));
        } else if (kind == ACT_GELU) {
            float sg = 1f / (1f + TornadoMath.exp(-2f * GELU_C * (v + GELU_A * v * v * v)));
            d = sg + 2f * v * sg * (1f - sg) * GELU_C * (1f + 3f * GELU_A * v * v);
        }
        return d;
    }

    public static void actForward(float[] inp, int inpOff, float[] out, int outOff, int n, int kind, float slope) {
        for (@Parallel int i = 0; i < n; i++) out[outOff + i] = activate(kind, slope, inp[inpOff + i]);
    }

    /** dinp = dout · f'(src); dinp may alias dout (each work-item reads before it writes its own element). */
    public static void actBackward(float[] src, int srcOff, float[] dout, int doutOff, float[] dinp, int dinpOff,
                                   int n, int kind, float slope) {
        for (@Parallel int i = 0; i < n; i++)
            dinp[dinpOff + i] = dout[doutOff + i] * derivative(kind, slope, src[srcOff + i]);
    }
}
