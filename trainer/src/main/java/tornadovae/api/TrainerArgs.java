package tornadovae.api;

import java.util.Map;

/** {@link VaeTrainer}'s checks of its parameters and rows: each message names the parameter as the API spells it. */
final class TrainerArgs {
    private TrainerArgs() {}

    /** The engine's messages name the command line's options; a library caller knows them by these names. */
    private static final Map<String, String> API_NAMES = Map.of("--batch-size", "batchSize", "--mc-samples", "mcSamples",
            "--backend jvm", "backend(\"jvm\", null)", "--lr", "learningRate", "--clip-grad-norm", "clipGradNorm");

    static void apiNames(Runnable r) { apiNames(() -> { r.run(); return null; }); }

    static <T> T apiNames(java.util.function.Supplier<T> s) {
        try {
            return s.get();
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            for (var n : API_NAMES.entrySet()) m = m.replace(n.getKey(), n.getValue());
            if (m.equals(e.getMessage())) throw e;
            throw new IllegalArgumentException(m, e);
        }
    }

    /** Rows of equal, non-zero length. */
    static void checkRows(float[][] rows, String what) {
        if (rows == null) throw new IllegalArgumentException(what + " must not be null");
        if (rows.length == 0) throw new IllegalArgumentException(what + " must hold at least one row");
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] == null) throw new IllegalArgumentException(what + "[" + i + "] is null");
            if (rows[i].length == 0 || rows[i].length != rows[0].length)
                throw new IllegalArgumentException(what + "[" + i + "] has " + rows[i].length + " values but " + what + "[0] has " + rows[0].length);
        }
    }

    static int positive(String name, int v) {
        if (v < 1) throw new IllegalArgumentException(name + " must be at least 1, got " + v);
        return v;
    }

    static int nonNegative(String name, int v) {
        if (v < 0) throw new IllegalArgumentException(name + " must be ≥ 0, got " + v);
        return v;
    }

    static float nonNegative(String name, float v) {
        if (!(v >= 0) || Float.isInfinite(v)) throw new IllegalArgumentException(name + " must be a number ≥ 0, got " + v);
        return v;
    }

    static float positiveFinite(String name, float v) {
        if (!(v > 0) || Float.isInfinite(v)) throw new IllegalArgumentException(name + " must be a positive number, got " + v);
        return v;
    }

    /** A row's values must be finite, and in [0, 1] when {@code unit} (unscaled rows for a bce loss). */
    static void check(float[] row, int i, String what, boolean unit) {
        for (int j = 0; j < row.length; j++) {
            float v = row[j];
            if (!Float.isFinite(v)) throw new IllegalArgumentException(what + " has " + v + " at row " + i + ", column " + j);
            if (unit && (v < 0 || v > 1))
                throw new IllegalArgumentException(what + " has " + v + " at row " + i + ", column " + j
                        + "; unscaled rows with a bce loss must be in [0, 1] (or use scaling MINMAX)");
        }
    }
}
