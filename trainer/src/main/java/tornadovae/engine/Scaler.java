package tornadovae.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per-column scaling of tabular rows, fitted on the training rows and stored in a checkpoint's metadata so that the
 * same scaling is applied to the rows a model scores later. Each value becomes {@code (x − center) / spread + shift}:
 *
 * <ul>
 *   <li>{@code minmax}: center = the column's minimum, spread = its range, shift 0, so training values span [0, 1],
 *       the range of the decoder's sigmoid output;</li>
 *   <li>{@code standard}: center = the mean, spread = {@value #STANDARD_SPREAD} standard deviations, shift 0.5: the
 *       z-score, placed so that ±4 standard deviations span [0, 1]. The decoder ends in a sigmoid (every loss reads
 *       its output), so raw z-scores, half of them negative, could not be reconstructed.</li>
 * </ul>
 *
 * A constant column gets spread 1 (its values all map to {@code shift}). Values of later rows are not clamped: a value
 * beyond the training range lands outside [0, 1], and its reconstruction error is what makes it an anomaly.
 */
public record Scaler(Kind kind, List<String> columns, double[] center, double[] spread) {
    /** Standard deviations that {@code standard} maps onto the unit interval. */
    public static final double STANDARD_SPREAD = 8;
    /** Metadata keys. */
    public static final String KIND_KEY = "scaler.kind", COLUMNS_KEY = "scaler.columns", CENTER_KEY = "scaler.center",
            SPREAD_KEY = "scaler.spread";
    private static final com.fasterxml.jackson.databind.ObjectMapper JSON = new com.fasterxml.jackson.databind.ObjectMapper();

    public enum Kind {
        MINMAX, STANDARD;

        public String cliName() { return name().toLowerCase(Locale.ROOT); }

        public static Kind parse(String s, String option) {
            for (Kind k : values()) if (k.cliName().equals(s)) return k;
            throw new IllegalArgumentException(option + " must be minmax or standard, got '" + s + "'");
        }
    }

    public Scaler {
        if (center.length != columns.size() || spread.length != columns.size())
            throw new IllegalArgumentException(columns.size() + " columns but " + center.length + " centres and " + spread.length + " spreads");
        for (int j = 0; j < center.length; j++)
            if (!Double.isFinite(center[j]) || !(spread[j] > 0) || Double.isInfinite(spread[j]))
                throw new IllegalArgumentException("column " + columns.get(j) + " has centre " + center[j] + " and spread " + spread[j]);
        columns = List.copyOf(columns);
        center = center.clone();
        spread = spread.clone();
    }

    /** Fits a scaler to rows [count][columns.size()] (values finite). */
    public static Scaler fit(Kind kind, List<String> columns, float[] rows, int count) {
        Fit f = new Fit(columns.size());
        for (int i = 0; i < count; i++) f.add(rows, i * columns.size());
        return f.result(kind, columns);
    }

    /**
     * Column statistics gathered one row at a time, so that a streamed source is never held whole: minimum, maximum,
     * and the mean and variance by Welford's update (in double, stable where the sum of squares would cancel).
     */
    public static final class Fit {
        private final double[] lo, hi, mean, m2;
        private long count;

        public Fit(int columns) {
            lo = new double[columns];
            hi = new double[columns];
            mean = new double[columns];
            m2 = new double[columns];
            Arrays.fill(lo, Double.POSITIVE_INFINITY);
            Arrays.fill(hi, Double.NEGATIVE_INFINITY);
        }

        /** Adds the row at row[offset .. offset + columns) (values finite). */
        public void add(float[] row, int offset) {
            count++;
            for (int j = 0; j < lo.length; j++) {
                double x = row[offset + j], d = x - mean[j];
                lo[j] = Math.min(lo[j], x);
                hi[j] = Math.max(hi[j], x);
                mean[j] += d / count;
                m2[j] += d * (x - mean[j]);
            }
        }

        public Scaler result(Kind kind, List<String> columns) {
            if (count < 1) throw new IllegalArgumentException("a scaler needs at least one row to fit");
            int d = lo.length;
            double[] c = new double[d], s = new double[d];
            for (int j = 0; j < d; j++) {
                c[j] = kind == Kind.MINMAX ? lo[j] : mean[j];
                s[j] = kind == Kind.MINMAX ? hi[j] - lo[j] : STANDARD_SPREAD * Math.sqrt(m2[j] / count);
                if (!(s[j] > 0) || Double.isInfinite(s[j])) s[j] = 1;   // a constant column (or one too wide for a double)
            }
            return new Scaler(kind, columns, c, s);
        }
    }

    private double shift() { return kind == Kind.STANDARD ? 0.5 : 0; }

    /** Scales rows [count][columns] in place. */
    public void applyInPlace(float[] rows, int count) {
        int d = columns.size();
        double shift = shift();
        for (int i = 0; i < count; i++)
            for (int j = 0; j < d; j++) rows[i * d + j] = (float) ((rows[i * d + j] - center[j]) / spread[j] + shift);
    }

    /** One raw row, scaled (a new array). */
    public float[] apply(float[] raw) {
        if (raw.length != columns.size())
            throw new IllegalArgumentException("a row has " + raw.length + " values but the scaler has " + columns.size() + " columns");
        float[] r = raw.clone();
        applyInPlace(r, 1);
        return r;
    }

    /** A scaled row back in the columns' own units (a new array): decoded rows to read. */
    public float[] invert(float[] scaled) {
        if (scaled.length != columns.size())
            throw new IllegalArgumentException("a row has " + scaled.length + " values but the scaler has " + columns.size() + " columns");
        float[] r = new float[scaled.length];
        for (int j = 0; j < r.length; j++) r[j] = (float) ((scaled[j] - shift()) * spread[j] + center[j]);
        return r;
    }

    /** The metadata entries ({@link #KIND_KEY}, {@link #CENTER_KEY}, {@link #SPREAD_KEY}); exact round trip. */
    public Map<String, String> toMetadata() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(KIND_KEY, kind.cliName());
        try {
            m.put(COLUMNS_KEY, JSON.writeValueAsString(columns));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a list of strings is always JSON", e);
        }
        m.put(CENTER_KEY, join(center));
        m.put(SPREAD_KEY, join(spread));
        return m;
    }

    /**
     * The scaler stored in a checkpoint's metadata, or null when it has none; it must have {@code inputs} columns (the
     * model's input size). Throws IllegalArgumentException naming the key when an entry is garbled or does not fit.
     */
    public static Scaler fromMetadata(Map<String, String> m, int inputs) {
        String kind = m.get(KIND_KEY);
        if (kind == null) return null;
        Kind k = Kind.parse(kind, "its '" + KIND_KEY + "'");
        List<String> columns = new ArrayList<>();
        try {
            var a = JSON.readTree(m.getOrDefault(COLUMNS_KEY, ""));
            if (a == null || !a.isArray()) throw new IllegalArgumentException("its '" + COLUMNS_KEY + "' is not a JSON array of names");
            if (a.size() != inputs)
                throw new IllegalArgumentException("its '" + COLUMNS_KEY + "' names " + a.size() + " columns but the model has " + inputs + " inputs");
            for (var n : a) {
                if (!n.isTextual()) throw new IllegalArgumentException("its '" + COLUMNS_KEY + "' is not a JSON array of names");
                columns.add(n.textValue());
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("its '" + COLUMNS_KEY + "' is not a JSON array of names");
        }
        double[] c = split(m, CENTER_KEY, columns.size()), s = split(m, SPREAD_KEY, columns.size());
        try {
            return new Scaler(k, columns, c, s);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("its scaler is unusable: " + e.getMessage());
        }
    }

    private static String join(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double x : v) b.append(b.isEmpty() ? "" : ",").append(x);
        return b.toString();
    }

    private static double[] split(Map<String, String> m, String key, int n) {
        String v = m.get(key);
        if (v == null) throw new IllegalArgumentException("its metadata lacks '" + key + "'");
        String[] parts = v.split(",", -1);
        if (parts.length != n) throw new IllegalArgumentException("its '" + key + "' has " + parts.length + " values for " + n + " columns");
        double[] r = new double[n];
        try {
            for (int i = 0; i < n; i++) r[i] = Double.parseDouble(parts[i]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("its '" + key + "' is not a list of numbers");
        }
        return r;
    }

    @Override public boolean equals(Object o) {
        return o instanceof Scaler s && s.kind == kind && s.columns.equals(columns) && Arrays.equals(s.center, center)
                && Arrays.equals(s.spread, spread);
    }

    @Override public int hashCode() { return kind.hashCode() * 31 + columns.hashCode(); }

    @Override public String toString() { return kind.cliName() + " scaler of " + new ArrayList<>(columns); }
}
