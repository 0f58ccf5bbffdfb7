package tornadovae.model;

import java.util.Arrays;

/**
 * The convolutional part of a conv VAE: encoder Conv2d layers with these output channels, all
 * with one kernel size, stride and padding; the decoder mirrors them with ConvTranspose2d.
 * {@code flatten} is the size the first dense layer expects after flattening (0: whatever the
 * image gives); presets fix it as the PyTorch code they copy does, so a wrong image size is caught.
 */
public record ConvSpec(int[] channels, int kernel, int stride, int padding, int flatten) {
    /** Bounds that keep every size the layers derive well inside int range (rgb128-conv: 5 layers, 512 channels, kernel 4). */
    public static final int MAX_LAYERS = 16, MAX_CHANNELS = 4096, MAX_KERNEL = 64;

    public ConvSpec {
        if (channels.length == 0) throw new IllegalArgumentException("a conv VAE needs at least one --channels entry");
        if (channels.length > MAX_LAYERS)
            throw new IllegalArgumentException("at most " + MAX_LAYERS + " --channels entries are supported, got " + channels.length);
        for (int c : channels) if (c < 1 || c > MAX_CHANNELS)
            throw new IllegalArgumentException("--channels must be between 1 and " + MAX_CHANNELS + ", got " + c);
        if (kernel < 1 || kernel > MAX_KERNEL)
            throw new IllegalArgumentException("--kernel must be between 1 and " + MAX_KERNEL + ", got " + kernel);
        if (stride < 1 || stride > MAX_KERNEL)
            throw new IllegalArgumentException("--stride must be between 1 and " + MAX_KERNEL + ", got " + stride);
        if (padding < 0 || padding > MAX_KERNEL)
            throw new IllegalArgumentException("--padding must be between 0 and " + MAX_KERNEL + ", got " + padding);
        if (flatten < 0 || flatten > Shape.MAX_SIZE)
            throw new IllegalArgumentException("flatten size must be between 0 and " + Shape.MAX_SIZE + ", got " + flatten);
        channels = channels.clone();
    }

    @Override public int[] channels() { return channels.clone(); }

    @Override public boolean equals(Object o) {
        return o instanceof ConvSpec s && Arrays.equals(channels, s.channels) && kernel == s.kernel && stride == s.stride
                && padding == s.padding && flatten == s.flatten;
    }

    @Override public int hashCode() { return Arrays.hashCode(channels) * 31 + kernel * 7 + stride * 5 + padding * 3 + flatten; }
}
