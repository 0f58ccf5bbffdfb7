package tornadovae.model;

import java.util.Arrays;

/**
 * The per-sample shape of a tensor: (features) for dense layers, (C, H, W) for images. Its size is at most
 * {@link #MAX_SIZE}, checked in long arithmetic on construction, so {@link #size()} and a batch of a few
 * hundred samples stay in int range whatever a checkpoint's metadata claims.
 */
public record Shape(int... dims) {
    /** 2^24 values (64 MiB of floats) per sample: a 4096×4096 grey image, or 16 channels of 1024×1024. */
    public static final int MAX_SIZE = 1 << 24;

    public Shape {
        dims = dims.clone();
        long n = 1;
        for (int d : dims) {
            if (d <= 0) throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has a non-positive size");
            n *= d;   // no overflow: n ≤ MAX_SIZE before this product, d < 2^31
            if (n > MAX_SIZE)
                throw new IllegalArgumentException("shape " + Arrays.toString(dims).replace(", ", "×") + " has more than "
                        + MAX_SIZE + " values per sample");
        }
    }

    public static Shape of(int... dims) { return new Shape(dims); }

    public int size() {
        int n = 1;
        for (int d : dims) n *= d;
        return n;
    }

    public int rank() { return dims.length; }

    public int dim(int i) { return dims[i]; }

    @Override public boolean equals(Object o) { return o instanceof Shape s && Arrays.equals(dims, s.dims); }
    @Override public int hashCode() { return Arrays.hashCode(dims); }

    /** "784" or "1×28×28". */
    @Override public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < dims.length; i++) sb.append(i == 0 ? "" : "×").append(dims[i]);
        return sb.toString();
    }
}
