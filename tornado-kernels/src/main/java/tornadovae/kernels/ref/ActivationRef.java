package tornadovae.kernels.ref;

import tornadovae.kernels.ActivationKind;

/** Reference activations over arrays; the arithmetic per element is {@link ActivationKind}'s. */
public final class ActivationRef {
    private ActivationRef() {}

    public static void forward(ActivationKind kind, float slope, float[] out, int outOff, float[] inp, int inpOff, int n) {
        for (int i = 0; i < n; i++) out[outOff + i] = kind.apply(slope, inp[inpOff + i]);
    }

    /**
     * dinp = dout · f'(in), with f' computed from {@code src}: the forward's output or input, as
     * {@link ActivationKind#derivativeFrom()} says. dinp may alias dout.
     */
    public static void backward(ActivationKind kind, float slope, float[] dinp, int dinpOff,
                                float[] src, int srcOff, float[] dout, int doutOff, int n) {
        for (int i = 0; i < n; i++)
            dinp[dinpOff + i] = dout[doutOff + i] * kind.derivative(slope, src[srcOff + i]);
    }
}
