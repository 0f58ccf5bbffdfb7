package tornadovae.io.safetensors;

import java.util.Arrays;

/** One header entry of a safetensors file: where a tensor's bytes lie in the data section, and what they are. */
public record TensorInfo(String name, String dtype, long[] shape, long begin, long end) {
    public TensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() { return shape.clone(); }

    public long numel() { return Safetensors.numel(shape); }

    @Override
    public String toString() { return name + ": " + dtype + Arrays.toString(shape) + " [" + begin + ", " + end + ")"; }
}
