package tornadovae.kernels.plan;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Time spent per kind of op, summed over the runs of a backend while profiling is on
 * ({@link Backend#profile(OpProfile)}): calls (kernel launches on a device), nanoseconds and
 * floating-point operations. The kinds are the ops as the backend runs them, after its fusion, so a
 * conv with an activation epilogue counts as the conv. Not thread-safe: one backend fills it.
 */
public final class OpProfile {

    /** One kind of op: calls, nanoseconds and floating-point operations, summed. */
    public record Entry(String kind, long calls, long nanos, long flops) {}

    private final Map<String, long[]> byKind = new LinkedHashMap<>();

    /** Adds calls of one kind that took nanos in all and did flops floating-point operations. */
    public void add(String kind, long calls, long nanos, long flops) {
        long[] e = byKind.computeIfAbsent(kind, k -> new long[3]);
        e[0] += calls;
        e[1] += nanos;
        e[2] += flops;
    }

    /** Adds one op's run. */
    public void add(Op op, long nanos) {
        add(kind(op), 1, nanos, op.flops());
    }

    public void clear() { byKind.clear(); }

    public boolean isEmpty() { return byKind.isEmpty(); }

    /** Every kind seen, the most time first. */
    public List<Entry> entries() {
        List<Entry> list = new ArrayList<>();
        for (var e : byKind.entrySet()) list.add(new Entry(e.getKey(), e.getValue()[0], e.getValue()[1], e.getValue()[2]));
        list.sort(Comparator.comparingLong(Entry::nanos).reversed().thenComparing(Entry::kind));
        return list;
    }

    public long totalNanos() {
        long sum = 0;
        for (long[] e : byKind.values()) sum += e[1];
        return sum;
    }

    /**
     * The name an op is grouped under: its record's name in lower camel case ("sgemm", "actForward"),
     * except that the conv ops say which layer they serve ("conv2d", "convTranspose2dInputGrad"):
     * the two share op types but not kernels, and their costs differ.
     */
    public static String kind(Op op) {
        return switch (op) {
            case Op.Conv c -> layer(c.g());
            case Op.ConvInputGrad c -> layer(c.g()) + "InputGrad";
            case Op.ConvWeightGrad c -> layer(c.g()) + "WeightGrad";
            default -> lowerCamel(op.getClass().getSimpleName());
        };
    }

    /** "Sgemm" → "sgemm", as TornadoVM's task names spell the op. */
    public static String lowerCamel(String name) {
        return name.isEmpty() ? name : Character.toLowerCase(name.charAt(0)) + name.substring(1);
    }

    private static String layer(ConvGeometry g) { return g.transposed() ? "convTranspose2d" : "conv2d"; }
}
