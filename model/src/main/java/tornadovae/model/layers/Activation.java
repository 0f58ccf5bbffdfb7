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
    @Override public String type() {
        return switch (kind) {
            case RELU -> "ReLU";
            case LEAKY_RELU -> "LeakyReLU(" + slope + ")";
            case SIGMOID -> "Sigmoid";
            case TANH -> "Tanh";
            case IDENTITY -> "Identity";
        };
    }
    @Override public Shape inputShape() { return shape; }
    @Override public Shape outputShape() { return shape; }

    @Override
    public void forward(PlanBuilder pb, Slice out, Slice in, int batch) {
        pb.add(new Op.ActForward(kind, slope, out, in, batch * shape.size()));
    }

    @Override
    public void backward(PlanBuilder pb, Slice dIn, Slice dOut, Slice out, Slice in, int batch) {
        if (dIn != null) pb.add(new Op.ActBackward(kind, slope, dIn, out, dOut, batch * shape.size()));
    }
}
