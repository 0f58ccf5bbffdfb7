package tornadovae.io.safetensors;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named tensor's values as a slice of a float array: {@code data[offset .. offset + numel)}, row-major in
 * {@code shape}. The slice lets a writer save parameters straight out of one big arena without copying.
 *
 * <p>{@code dtype} says how the values are (or were) stored in the file: always "F32" when writing; when
 * reading, the file's dtype ("F16", "BF16", "F64" are converted to float). Equality is by identity, as the
 * arrays are shared.
 */
public record Tensor(String dtype, long[] shape, float[] data, int offset) {
    public Tensor {
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(data, "data");
        shape = shape.clone();
        long n = Safetensors.numel(shape);   // checks the dimensions
        if (offset < 0 || n > data.length - (long) offset)
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " at offset " + offset
                    + " does not fit in an array of " + data.length);
    }

    /** F32 values at {@code arena[offset ..]}; {@code shape} may be empty for a scalar. */
    public static Tensor f32Slice(float[] arena, int offset, long... shape) {
        return new Tensor("F32", shape, arena, offset);
    }

    /** The whole of {@code data} as one F32 tensor ({@code shape} must account for every element). */
    public static Tensor f32(float[] data, long... shape) {
        if (Safetensors.numel(shape) != data.length)
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " does not hold " + data.length + " values");
        return f32Slice(data, 0, shape);
    }

    @Override
    public long[] shape() { return shape.clone(); }

    public int numel() { return (int) Safetensors.numel(shape); }

    public float get(int i) {
        Objects.checkIndex(i, numel());
        return data[offset + i];
    }

    /** A copy of just this tensor's values. */
    public float[] toArray() { return Arrays.copyOfRange(data, offset, offset + numel()); }

    @Override
    public String toString() { return dtype + Arrays.toString(shape) + "@" + offset; }
}
