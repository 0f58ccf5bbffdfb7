package tornadovae.model.layers;

import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.Slice;
import tornadovae.model.PlanBuilder;
import tornadovae.model.Shape;

/** An element-wise activation of any shape. */
public final class Activation implements Layer {
    private final String name;
    private final ActivationKind kind;
    private final float slope;
    private final Shape shape;

    public Activation(String name, ActivationKind kind, float slope, Shape shape) {
        this.name = name;
        this.kind = kind;
        this.slope = slope;
        this.shape = shape;
    }

    public ActivationKind kind() { return kind; }

    @Override public String name() { return name; }
    @Override public String type() { return kind.layerName(slope); }
    @Override public Shape inputShape() { return shape; }
    @Override public Shape outputShape() { return shape; }

    @Override
    public void forward(PlanBuilder pb, Slice out, Slice in, int batch) {
        pb.add(new Op.ActForward(kind, slope, out, in, batch * shape.size()));
    }

    @Override
    public void backward(PlanBuilder pb, Slice dIn, Slice dOut, Slice out, Slice in, int batch) {
        // f' from the output where the kind allows it, so the forward's input is free to fold away (Fusion)
        Slice src = kind.derivativeFrom() == ActivationKind.Source.OUTPUT ? out : in;
        if (dIn != null) pb.add(new Op.ActBackward(kind, slope, dIn, src, dOut, batch * shape.size()));
    }
}
