package tornadovae.model.layers;

import java.util.SplittableRandom;
import tornadovae.kernels.plan.Slice;
import tornadovae.model.ParamLayout;
import tornadovae.model.PlanBuilder;
import tornadovae.model.Shape;

/**
 * A layer knows its shapes (fixed when it is built, so a wrong shape fails before any data is
 * read), declares its parameters in the arena, and emits the ops of its forward and backward.
 * Slices are for the whole batch: per-sample shape × batch.
 */
public interface Layer {
    String name();

    /** "Linear", "ReLU", ... as shown in the layer table. */
    String type();

    Shape inputShape();

    Shape outputShape();

    /** In long arithmetic: a layer's count is asked for before the layout has checked that it fits an arena. */
    default long paramCount() { return 0; }

    default void declareParams(ParamLayout layout) {}

    /** Fills this layer's parameters as PyTorch's default initialisation would. */
    default void initParams(float[] params, ParamLayout layout, SplittableRandom rng) {}

    /**
     * True when the output is the input's floats in the same order (a flatten or reshape): the
     * model then hands the input's slice on as the output, and the gradient's likewise, and emits no
     * op for the layer. Copying cost the mnist-conv step ~0.5 ms of its ~30.
     */
    default boolean isView() { return false; }

    void forward(PlanBuilder pb, Slice out, Slice in, int batch);

    /**
     * Emits the backward ops. Writes parameter gradients into GRADS (overwriting) and dIn
     * unless it is null (the first layer needs no input gradient).
     */
    void backward(PlanBuilder pb, Slice dIn, Slice dOut, Slice out, Slice in, int batch);
}
