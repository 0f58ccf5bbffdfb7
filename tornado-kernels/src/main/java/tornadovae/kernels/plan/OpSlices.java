package tornadovae.kernels.plan;

import java.lang.reflect.RecordComponent;
import java.util.ArrayList;
import java.util.List;

/**
 * An op's slices sorted by role, read from its record's {@link Op.In}/{@link Op.Out}/{@link Op.InOut}/{@link Op.Scratch}
 * marks (an {@link Epilogue}'s derivative source is read). Plans are built once, so reflection here costs nothing per step.
 */
record OpSlices(List<Slice> reads, List<Slice> writes, List<Slice> all) {

    private static final ClassValue<RecordComponent[]> COMPONENTS = new ClassValue<>() {
        @Override protected RecordComponent[] computeValue(Class<?> type) {
            RecordComponent[] rcs = type.getRecordComponents();
            for (RecordComponent rc : rcs) {
                if (rc.getType() != Slice.class) continue;
                int marks = (rc.isAnnotationPresent(Op.In.class) ? 1 : 0) + (rc.isAnnotationPresent(Op.Out.class) ? 1 : 0)
                        + (rc.isAnnotationPresent(Op.InOut.class) ? 1 : 0) + (rc.isAnnotationPresent(Op.Scratch.class) ? 1 : 0);
                if (marks != 1)
                    throw new IllegalStateException(type.getSimpleName() + "." + rc.getName()
                            + " must be marked exactly one of @In, @Out, @InOut, @Scratch");
            }
            return rcs;
        }
    };

    static OpSlices of(Op op) {
        List<Slice> reads = new ArrayList<>(4), writes = new ArrayList<>(2), all = new ArrayList<>(6);
        for (RecordComponent rc : COMPONENTS.get(op.getClass())) {
            Object v;
            try {
                v = rc.getAccessor().invoke(op);
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("reading " + rc.getName() + " of " + op.getClass().getSimpleName(), e);
            }
            if (v instanceof Slice s) {
                all.add(s);
                if (rc.isAnnotationPresent(Op.In.class) || rc.isAnnotationPresent(Op.InOut.class)) reads.add(s);
                if (rc.isAnnotationPresent(Op.Out.class) || rc.isAnnotationPresent(Op.InOut.class)) writes.add(s);
            } else if (v instanceof Epilogue e && e.source() != null) {
                all.add(e.source());
                reads.add(e.source());
            }
        }
        return new OpSlices(List.copyOf(reads), List.copyOf(writes), List.copyOf(all));
    }

    /** Checks that slice {@code s} holds the {@code expected} floats the op needs. */
    static void check(Slice s, int expected, String what) {
        if (s.length() != expected)
            throw new IllegalArgumentException(what + " slice holds " + s.length() + " floats, op needs " + expected);
    }
}
