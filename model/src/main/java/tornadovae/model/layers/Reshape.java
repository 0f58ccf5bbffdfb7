package tornadovae.model.layers;

import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.Slice;
import tornadovae.model.PlanBuilder;
import tornadovae.model.Shape;

/**
 * Flatten (C×H×W → C·H·W) or reshape (features → C×H×W): the same floats in the same order. A
 * view ({@link #isView}): the model passes slices through it and emits no op; forward and
 * backward copy, for a caller that gives it slices of its own. A size mismatch fails at construction.
 */
public final class Reshape implements Layer {
    private final String name;
    private final Shape in, out;

    public Reshape(String name, Shape in, Shape out) {
        if (in.size() != out.size())
            throw new IllegalArgumentException(name + ": cannot reshape " + in + " (" + in.size() + " values) to " + out
                    + " (" + out.size() + " values)");
        this.name = name;
        this.in = in;
        this.out = out;
    }

    public static Reshape flatten(String name, Shape in) { return new Reshape(name, in, Shape.of(in.size())); }

    @Override public String name() { return name; }
    @Override public String type() { return out.rank() == 1 ? "Flatten" : "Reshape"; }
    @Override public Shape inputShape() { return in; }
    @Override public Shape outputShape() { return out; }
    @Override public boolean isView() { return true; }

    @Override
    public void forward(PlanBuilder pb, Slice y, Slice x, int batch) {
        pb.add(new Op.ActForward(ActivationKind.IDENTITY, 0f, y, x, batch * in.size()));
    }

    @Override
    public void backward(PlanBuilder pb, Slice dx, Slice dy, Slice y, Slice x, int batch) {
        if (dx != null) pb.add(new Op.ActBackward(ActivationKind.IDENTITY, 0f, dx, y, dy, batch * in.size()));
    }
}
