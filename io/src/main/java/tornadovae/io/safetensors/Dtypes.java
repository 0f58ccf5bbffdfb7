package tornadovae.io.safetensors;

import java.nio.ByteBuffer;
import java.util.Map;

/** The safetensors dtypes: their sizes (to check a header) and, for the float ones, the conversion to float. */
final class Dtypes {
    private Dtypes() {}

    static final Map<String, Integer> SIZES = Map.ofEntries(
            Map.entry("BOOL", 1), Map.entry("U8", 1), Map.entry("I8", 1), Map.entry("F8_E5M2", 1), Map.entry("F8_E4M3", 1),
            Map.entry("I16", 2), Map.entry("U16", 2), Map.entry("F16", 2), Map.entry("BF16", 2),
            Map.entry("I32", 4), Map.entry("U32", 4), Map.entry("F32", 4),
            Map.entry("I64", 8), Map.entry("U64", 8), Map.entry("F64", 8));

    static boolean readable(String dtype) {
        return switch (dtype) {
            case "F32", "F16", "BF16", "F64" -> true;
            default -> false;
        };
    }

    /** Converts {@code count} values of {@code dtype} from little-endian {@code in} into {@code out[at ..]}. */
    static void toFloats(String dtype, ByteBuffer in, float[] out, int at, int count) {
        switch (dtype) {
            case "F32" -> in.asFloatBuffer().get(out, at, count);
            case "F64" -> {
                for (int i = 0; i < count; i++) out[at + i] = (float) in.getDouble(i * 8);
            }
            case "F16" -> {
                for (int i = 0; i < count; i++) out[at + i] = Float.float16ToFloat(in.getShort(i * 2));
            }
            case "BF16" -> {   // bfloat16 is the top half of a float32
                for (int i = 0; i < count; i++) out[at + i] = Float.intBitsToFloat((in.getShort(i * 2) & 0xffff) << 16);
            }
            default -> throw new IllegalArgumentException("cannot convert " + dtype);
        }
    }
}
