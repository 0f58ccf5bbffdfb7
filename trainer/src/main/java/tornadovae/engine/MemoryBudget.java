package tornadovae.engine;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.util.Locale;
import tornadovae.model.Vae;
import tornadovae.model.WorkspaceSize;

/**
 * The one memory check before a model's workspace is allocated: what it needs (parameters, gradients and Adam's
 * moments, the activations of the largest batch, the data already loaded) against the heap, so that a batch too
 * large is one sentence naming the options instead of an OutOfMemoryError's stack trace or an int overflow.
 */
public final class MemoryBudget {
    private MemoryBudget() {}

    /**
     * Headroom beyond the workspace: the JVM kernels' per-thread packing and lowering buffers, pictures, metrics and
     * the garbage collector's own slack. An estimate, not a promise; 20% of the heap was enough in every run tried.
     */
    static final double USABLE = 0.8;

    /**
     * @param dataBytes the data sets already in memory (0 where there are none)
     * @throws IllegalArgumentException when the workspace cannot fit, naming the estimate, the heap and the options
     */
    public static void check(Vae vae, int maxBatch, int mcSamples, long dataBytes) {
        WorkspaceSize w = vae.workspaceSize(maxBatch, mcSamples);
        long need = sat(w.bytes() + dataBytes), heap = Runtime.getRuntime().maxMemory();
        String batch = "batches of " + maxBatch + (mcSamples > 1 ? " with " + mcSamples + " latent draws each" : "");
        boolean total = need > heap * USABLE, oneArray = 4 * w.largestArray() > largestPool(heap) * USABLE;
        if (total || oneArray)
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s need about %s (parameters and Adam state %s, "
                    + "activations %s, data %s), %s; use a smaller --batch-size%s or give Java more memory "
                    + "(JAVA_TOOL_OPTIONS=-Xmx…)", batch, size(need), size(16 * w.params()),
                    size(4 * (w.acts() + w.input() + w.noise() + w.out())), size(dataBytes),
                    total ? String.format(Locale.ROOT, "more than the %s that a %s Java heap leaves for them",
                            size((long) (heap * USABLE)), size(heap))
                          : String.format(Locale.ROOT, "and their largest array, %s, does not fit in the Java heap's largest "
                            + "space of %s", size(4 * w.largestArray()), size(largestPool(heap))),
                    mcSamples > 1 ? " or --mc-samples" : ""));
        if (w.largestArray() > WorkspaceSize.MAX_ARRAY)
            throw new IllegalArgumentException(batch + " need an array of " + w.largestArray() + " floats, more than a "
                    + "Java array holds; use a smaller --batch-size" + (mcSamples > 1 ? " or --mc-samples" : ""));
    }

    /** The bytes of {@code count} images of {@code dim} floats. */
    public static long dataBytes(int count, int dim) { return 4L * count * dim; }

    /**
     * One array lives in one heap space: with the parallel collector a large one goes to the old generation, about
     * two thirds of the heap, so the largest space bounds the largest array.
     */
    private static long largestPool(long heap) {
        long max = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP && p.getUsage() != null) max = Math.max(max, p.getUsage().getMax());
        return max > 0 ? Math.min(max, heap) : heap;
    }

    private static long sat(long v) { return v < 0 ? Long.MAX_VALUE : v; }

    static String size(long bytes) {
        if (bytes >= 1L << 60) return "more than an exabyte";
        if (bytes >= 1L << 30) return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
        if (bytes >= 1L << 20) return String.format(Locale.ROOT, "%.0f MiB", bytes / (double) (1L << 20));
        return String.format(Locale.ROOT, "%.0f KiB", Math.ceil(bytes / 1024.0));
    }
}
