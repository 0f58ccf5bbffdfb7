package tornadovae.kernels.plan;

import tornadovae.kernels.ActivationKind;

/**
 * An activation folded into the op that writes a tensor ({@link Fusion}), so the tensor is written once:
 * already activated by a forward op, out = f(out), or already multiplied by the activation's derivative
 * by an input gradient, out = out·f'(actOut), where actOut (the activation's forward output) has out's
 * layout. Either is the exact arithmetic of the {@link Op.ActForward} or {@link Op.ActBackward} it replaces.
 */
public record Epilogue(ActivationKind kind, float slope, Slice actOut) {
    /** Writes the op's result as it is. */
    public static final Epilogue NONE = new Epilogue(ActivationKind.IDENTITY, 0f, null);

    public Epilogue {
        if (kind == null) throw new IllegalArgumentException("an epilogue needs an activation kind");
    }

    /** out = f(out), f being {@code kind}: the epilogue of a forward op. */
    public static Epilogue activation(ActivationKind kind, float slope) { return new Epilogue(kind, slope, null); }

    /** out = out·f'(actOut): the epilogue of an input gradient. */
    public static Epilogue derivative(ActivationKind kind, float slope, Slice actOut) {
        if (actOut == null) throw new IllegalArgumentException("a derivative epilogue needs the activation's output");
        return new Epilogue(kind, slope, actOut);
    }

    public boolean isNone() { return equals(NONE); }

    /** Whether this is a derivative epilogue (an input gradient's), rather than an activation or none. */
    public boolean isDerivative() { return actOut != null; }

    /** Checks that this epilogue may end an op writing {@code out}; forward says which kind it must be. */
    void checkFor(Slice out, boolean forward) {
        if (isNone()) return;
        if (forward && isDerivative()) throw new IllegalArgumentException("a forward op takes an activation epilogue, not " + this);
        if (!forward && !isDerivative()) throw new IllegalArgumentException("an input gradient takes a derivative epilogue, not " + this);
        if (isDerivative() && actOut.length() != out.length())
            throw new IllegalArgumentException("the epilogue's activation output holds " + actOut.length()
                    + " floats, the op writes " + out.length());
    }
}
