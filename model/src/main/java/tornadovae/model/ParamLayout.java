package tornadovae.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import tornadovae.kernels.plan.Buf;
import tornadovae.kernels.plan.Slice;

/**
 * All parameters of a model in one flat arena, with a table of named slices (llm.c's layout).
 * Gradients and Adam moments use the same layout, so zero-grad, the gradient norm, clipping and
 * Adam are each one op over the whole arena, and a checkpoint is the arena plus this table.
 */
public final class ParamLayout {
    /**
     * 2^28 parameters (1 GiB of floats; training holds four such arenas). The largest preset has ~10^7.
     * A bound of the layout, not of the file: a checkpoint that claims more is refused before anything is allocated.
     */
    public static final int MAX_PARAMS = 1 << 28;

    public record Entry(String name, int offset, int[] shape) {
        /** In int range: {@link #add} refused any entry whose size does not fit under {@link #MAX_PARAMS}. */
        public int size() { return (int) sizeOf(shape); }
        public Slice in(Buf buf) { return new Slice(buf, offset, size()); }
    }

    private final List<Entry> entries = new ArrayList<>();
    private int size;

    /** Appends a named tensor and returns its entry; refuses one that would take the arena past {@link #MAX_PARAMS}. */
    public Entry add(String name, int... shape) {
        for (Entry e : entries)
            if (e.name().equals(name)) throw new IllegalArgumentException("parameter '" + name + "' declared twice");
        long n = sizeOf(shape);
        if (n < 1 || size + n > MAX_PARAMS)
            throw new IllegalArgumentException("parameter " + name + " of shape " + java.util.Arrays.toString(shape)
                    + (n < 1 ? " is empty" : " takes the model past " + MAX_PARAMS + " parameters"));
        Entry e = new Entry(name, size, shape.clone());
        entries.add(e);
        size += (int) n;
        return e;
    }

    /** The product of the dimensions in long arithmetic, saturated at Long.MAX_VALUE; 0 for a non-positive one. */
    static long sizeOf(int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d <= 0) return 0;
            n = n > Long.MAX_VALUE / d ? Long.MAX_VALUE : n * d;
        }
        return n;
    }

    public Entry get(String name) {
        for (Entry e : entries) if (e.name().equals(name)) return e;
        throw new IllegalArgumentException("no parameter named '" + name + "'");
    }

    public List<Entry> entries() { return Collections.unmodifiableList(entries); }

    public int size() { return size; }

    public Slice all(Buf buf) { return new Slice(buf, 0, size); }
}
