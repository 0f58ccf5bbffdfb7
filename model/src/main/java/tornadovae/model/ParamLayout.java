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
    public record Entry(String name, int offset, int[] shape) {
        public int size() {
            int n = 1;
            for (int d : shape) n *= d;
            return n;
        }
        public Slice in(Buf buf) { return new Slice(buf, offset, size()); }
    }

    private final List<Entry> entries = new ArrayList<>();
    private int size;

    /** Appends a named tensor and returns its entry. */
    public Entry add(String name, int... shape) {
        for (Entry e : entries)
            if (e.name().equals(name)) throw new IllegalArgumentException("parameter '" + name + "' declared twice");
        Entry e = new Entry(name, size, shape.clone());
        entries.add(e);
        size += e.size();
        return e;
    }

    public Entry get(String name) {
        for (Entry e : entries) if (e.name().equals(name)) return e;
        throw new IllegalArgumentException("no parameter named '" + name + "'");
    }

    public List<Entry> entries() { return Collections.unmodifiableList(entries); }

    public int size() { return size; }

    public Slice all(Buf buf) { return new Slice(buf, 0, size); }
}
