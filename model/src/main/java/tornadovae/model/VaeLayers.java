package tornadovae.model;

import java.util.List;

import tornadovae.kernels.plan.ConvGeometry;
import tornadovae.model.layers.Activation;
import tornadovae.model.layers.Conv2d;
import tornadovae.model.layers.ConvTranspose2d;
import tornadovae.model.layers.Layer;
import tornadovae.model.layers.Linear;
import tornadovae.model.layers.Reshape;

/** The layers a {@link VaeSpec} describes, in order: what {@link Vae} declares parameters for and plans over. */
final class VaeLayers {
    private VaeLayers() {}

    /** An MLP's encoder and decoder layers into the lists; returns the mu|logvar head. */
    static Linear mlp(VaeSpec spec, List<Layer> encoder, List<Layer> decoder) {
        int dim = spec.input().size(), latent = spec.latent();
        int prev = dim;
        int[] hidden = spec.hidden();
        for (int i = 0; i < hidden.length; i++) {
            encoder.add(new Linear("encoder." + i, prev, hidden[i]));
            encoder.add(new Activation("encoder." + i, spec.activation(), spec.slope(), Shape.of(hidden[i])));
            prev = hidden[i];
        }
        Linear h = Linear.splitHead("mu|logvar", prev, latent, "mu", "logvar");
        prev = latent;
        for (int i = 0; i < hidden.length; i++) {
            int size = hidden[hidden.length - 1 - i];
            decoder.add(new Linear("decoder." + i, prev, size));
            decoder.add(new Activation("decoder." + i, spec.activation(), spec.slope(), Shape.of(size)));
            prev = size;
        }
        decoder.add(new Linear("decoder." + hidden.length, prev, dim));
        return h;
    }

    /**
     * Encoder: Conv2d+activation per channel count, flatten, dense+activation per --fc size, then
     * the mu|logvar head. Decoder: the dense layers mirrored (the last one back to the flatten
     * size), reshape, ConvTranspose2d per conv layer mirrored, with the output padding that
     * reproduces each encoder input size exactly; no activation after the last (the loss takes logits).
     */
    static Linear conv(VaeSpec spec, ConvSpec c, List<Layer> encoder, List<Layer> decoder) {
        int latent = spec.latent();
        int[] ch = c.channels(), fc = spec.hidden();
        Shape[] convIn = new Shape[ch.length];
        Shape cur = spec.input();
        for (int i = 0; i < ch.length; i++) {
            convIn[i] = cur;
            Conv2d conv = new Conv2d("encoder.conv." + i, cur, ch[i], c.kernel(), c.stride(), c.padding());
            cur = conv.outputShape();
            encoder.add(conv);
            encoder.add(new Activation("encoder.conv." + i, spec.activation(), spec.slope(), cur));
        }
        Shape convOut = cur;
        Reshape flatten = Reshape.flatten("encoder.flatten", convOut);
        encoder.add(flatten);
        int prev = convOut.size();
        if (c.flatten() > 0 && c.flatten() != prev) {
            String next = fc.length > 0 ? "encoder.fc.0 (Linear)" : "mu|logvar (Linear)";
            throw new IllegalArgumentException("layer " + next + " expects " + c.flatten() + " inputs but encoder.flatten gives "
                    + convOut + " = " + prev + " for " + spec.input() + " images: model " + spec.model()
                    + " does not fit this image size");
        }
        for (int i = 0; i < fc.length; i++) {
            encoder.add(new Linear("encoder.fc." + i, prev, fc[i]));
            encoder.add(new Activation("encoder.fc." + i, spec.activation(), spec.slope(), Shape.of(fc[i])));
            prev = fc[i];
        }
        Linear h = Linear.splitHead("mu|logvar", prev, latent, "mu", "logvar");
        prev = latent;
        for (int i = 0; i < fc.length; i++) {
            int size = fc[fc.length - 1 - i];
            decoder.add(new Linear("decoder.fc." + i, prev, size));
            decoder.add(new Activation("decoder.fc." + i, spec.activation(), spec.slope(), Shape.of(size)));
            prev = size;
        }
        decoder.add(new Linear("decoder.fc." + fc.length, prev, convOut.size()));
        decoder.add(new Activation("decoder.fc." + fc.length, spec.activation(), spec.slope(), Shape.of(convOut.size())));
        decoder.add(new Reshape("decoder.reshape", Shape.of(convOut.size()), convOut));
        cur = convOut;
        for (int j = 0; j < ch.length; j++) {
            int i = ch.length - 1 - j;
            Shape target = convIn[i];
            String name = "decoder.deconv." + j;
            int opH = target.dim(1) - ConvGeometry.transposeOut(cur.dim(1), c.kernel(), c.stride(), c.padding(), 0);
            int opW = target.dim(2) - ConvGeometry.transposeOut(cur.dim(2), c.kernel(), c.stride(), c.padding(), 0);
            if (opH < 0 || opH >= c.stride() || opW < 0 || opW >= c.stride())
                throw new IllegalArgumentException("layer " + name + " (ConvTranspose2d) cannot turn " + cur + " back into "
                        + target + " (the input of encoder.conv." + i + ") with kernel " + c.kernel() + ", stride "
                        + c.stride() + " and padding " + c.padding() + ": no output padding below the stride fits");
            ConvTranspose2d deconv = new ConvTranspose2d(name, cur, target.dim(0), c.kernel(), c.stride(), c.padding(), opH, opW);
            decoder.add(deconv);
            cur = deconv.outputShape();
            if (i > 0) decoder.add(new Activation(name, spec.activation(), spec.slope(), cur));
        }
        return h;
    }
}
