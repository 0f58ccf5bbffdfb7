package tornadovae.model;

import java.util.Arrays;

/**
 * The convolutional part of a conv VAE: encoder Conv2d layers with these output channels, all
 * with one kernel size, stride and padding; the decoder mirrors them with ConvTranspose2d.
 * {@code flatten} is the size the first dense layer expects after flattening (0: whatever the
 * image gives); presets fix it as the PyTorch code they copy does, so a wrong image size is caught.
 */
public record ConvSpec(int[] channels, int kernel, int stride, int padding, int flatten) {
    public ConvSpec {
        if (channels.length == 0) throw new IllegalArgumentException("a conv VAE needs at least one --channels entry");
        for (int c : channels) if (c < 1) throw new IllegalArgumentException("--channels must be at least 1, got " + c);
        if (kernel < 1) throw new IllegalArgumentException("--kernel must be at least 1, got " + kernel);
        if (stride < 1) throw new IllegalArgumentException("--stride must be at least 1, got " + stride);
        if (padding < 0) throw new IllegalArgumentException("--padding must be at least 0, got " + padding);
        if (flatten < 0) throw new IllegalArgumentException("flatten size must be at least 0, got " + flatten);
        channels = channels.clone();
    }

    @Override public int[] channels() { return channels.clone(); }

    @Override public boolean equals(Object o) {
        return o instanceof ConvSpec s && Arrays.equals(channels, s.channels) && kernel == s.kernel && stride == s.stride
                && padding == s.padding && flatten == s.flatten;
    }

    @Override public int hashCode() { return Arrays.hashCode(channels) * 31 + kernel * 7 + stride * 5 + padding * 3 + flatten; }
}
