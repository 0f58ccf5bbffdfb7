package tornadovae.kernels.ref;

import tornadovae.kernels.ActivationKind;

/** Reference activations. Backward takes the forward output (see {@link ActivationKind}). */
public final class ActivationRef {
    private ActivationRef() {}

    public static float apply(ActivationKind kind, float slope, float x) {
        return switch (kind) {
            case IDENTITY -> x;
            case RELU -> x > 0f ? x : 0f;
            case LEAKY_RELU -> x > 0f ? x : slope * x;
            case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-x)));
            case TANH -> (float) Math.tanh(x);
        };
    }

    /** d(activation)/d(input), expressed through the output y. */
    public static float derivative(ActivationKind kind, float slope, float y) {
        return switch (kind) {
            case IDENTITY -> 1f;
            case RELU -> y > 0f ? 1f : 0f;
            case LEAKY_RELU -> y > 0f ? 1f : slope;
            case SIGMOID -> y * (1f - y);
            case TANH -> 1f - y * y;
        };
    }

    public static void forward(ActivationKind kind, float slope, float[] out, int outOff, float[] inp, int inpOff, int n) {
        for (int i = 0; i < n; i++) out[outOff + i] = apply(kind, slope, inp[inpOff + i]);
    }

    /** dinp = dout · f'(in), with f' from the output. dinp may alias dout. */
    public static void backward(ActivationKind kind, float slope, float[] dinp, int dinpOff,
                                float[] out, int outOff, float[] dout, int doutOff, int n) {
        for (int i = 0; i < n; i++)
            dinp[dinpOff + i] = dout[doutOff + i] * derivative(kind, slope, out[outOff + i]);
    }
}
