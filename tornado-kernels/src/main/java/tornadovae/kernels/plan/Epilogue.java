package tornadovae.kernels.plan;

import tornadovae.kernels.ActivationKind;

/**
 * An activation folded into the op that writes a tensor ({@link Fusion}), so the tensor is written once:
 * already activated by a forward op, out = f(out), or already multiplied by the activation's derivative
 * by an input gradient, out = out·f'(source), where source (the activation's forward output or input, as
 * {@link ActivationKind#derivativeFrom()} says) has out's layout. Either is the exact arithmetic of the
 * {@link Op.ActForward} or {@link Op.ActBackward} it replaces.
 */
public record Epilogue(ActivationKind kind, float slope, Slice source) {
    /** Writes the op's result as it is. */
    public static final Epilogue NONE = new Epilogue(ActivationKind.IDENTITY, 0f, null);

    public Epilogue {
        if (kind == null) throw new IllegalArgumentException("an epilogue needs an activation kind");
    }

    /** out = f(out), f being {@code kind}: the epilogue of a forward op. */
    public static Epilogue activation(ActivationKind kind, float slope) { return new Epilogue(kind, slope, null); }

    /** out = out·f'(source): the epilogue of an input gradient. */
    public static Epilogue derivative(ActivationKind kind, float slope, Slice source) {
        if (source == null) throw new IllegalArgumentException("a derivative epilogue needs the tensor f' is computed from");
        return new Epilogue(kind, slope, source);
    }

    public boolean isNone() { return equals(NONE); }

    /** Whether this is a derivative epilogue (an input gradient's), rather than an activation or none. */
    public boolean isDerivative() { return source != null; }

    /** What the ActForward (n) or ActBackward (2n) it replaces counted. */
    long flops(long n) { return isNone() ? 0 : isDerivative() ? 2 * n : n; }

    /** Checks that this epilogue may end an op writing {@code out}; forward says which kind it must be. */
    void checkFor(Slice out, boolean forward) {
        if (isNone()) return;
        if (forward && isDerivative()) throw new IllegalArgumentException("a forward op takes an activation epilogue, not " + this);
        if (!forward && !isDerivative()) throw new IllegalArgumentException("an input gradient takes a derivative epilogue, not " + this);
        if (isDerivative() && source.length() != out.length())
            throw new IllegalArgumentException("the epilogue's derivative source holds " + source.length()
                    + " floats, the op writes " + out.length());
    }
}
