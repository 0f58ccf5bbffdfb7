package tornadovae.model;

import java.util.Arrays;

/** The per-sample shape of a tensor: (features) for dense layers, (C, H, W) for images. */
public record Shape(int... dims) {
    public Shape {
        dims = dims.clone();
        for (int d : dims) if (d <= 0) throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has a non-positive size");
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
