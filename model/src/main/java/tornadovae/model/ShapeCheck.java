package tornadovae.model;

import java.util.List;
import tornadovae.model.layers.Layer;

/** The wiring check of a built {@link Vae}, kept apart from the model's construction and plans. */
final class ShapeCheck {
    private ShapeCheck() {}

    /** Every layer reads what the one before it writes, and the decoder gives back the input's shape. */
    static void check(VaeSpec spec, List<Layer> encoder, Layer head, List<Layer> decoder) {
        Shape prev = spec.input();
        String prevName = "input";
        for (Layer l : encoder) { checkLink(prevName, prev, l); prev = l.outputShape(); prevName = l.name(); }
        checkLink(prevName, prev, head);
        prev = Shape.of(spec.latent());
        prevName = "z";
        for (Layer l : decoder) { checkLink(prevName, prev, l); prev = l.outputShape(); prevName = l.name(); }
        Layer last = decoder.get(decoder.size() - 1);
        boolean same = spec.conv() == null ? last.outputShape().size() == spec.input().size() : last.outputShape().equals(spec.input());
        if (!same)
            throw new IllegalArgumentException("decoder output " + last.outputShape() + " of layer " + last.name()
                    + " does not match the input " + spec.input());
    }

    private static void checkLink(String prevName, Shape prev, Layer l) {
        boolean ok = l.inputShape().rank() == 1 ? l.inputShape().size() == prev.size() : l.inputShape().equals(prev);
        if (!ok)
            throw new IllegalArgumentException("layer " + l.name() + " (" + l.type() + ") expects input " + l.inputShape()
                    + " but " + prevName + " gives " + prev);
    }

}
