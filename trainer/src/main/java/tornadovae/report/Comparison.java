package tornadovae.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import tornadovae.io.safetensors.Safetensors;

/**
 * Several finished (or running) runs side by side: the settings in which they differ, their best
 * and last test losses, and the loss-independent metrics. Test losses of runs trained with another
 * --loss or --beta are on different scales, so the runs are ranked by the last epoch's test PSNR
 * ({@link tornadovae.engine.ReconMetrics}); runs from before that metric existed come after, by best
 * test loss. {@link ComparisonPage} writes the files.
 */
public final class Comparison {
    private Comparison() {}

    /** One run folder: its settings (from last.safetensors' metadata) and metrics.csv. */
    public record Run(Path dir, Map<String, String> settings, List<EpochMetrics> history) {
        public EpochMetrics last() { return history.get(history.size() - 1); }
        public EpochMetrics best() { return history.stream().min(Comparator.comparingDouble(EpochMetrics::testLoss)).orElseThrow(); }
        public String name() { return dir.toAbsolutePath().normalize().getFileName().toString(); }
    }

    /**
     * Metadata keys that are not settings: the format, the checksum and the numbers of the epoch the
     * checkpoint was written at (they are in the table already), and the folder a run was written to.
     */
    private static boolean isSetting(String key) {
        return !(key.equals("format") || key.startsWith("checksum.") || key.startsWith("resume.") || key.equals("train.epoch")
                || key.equals("train.step") || key.startsWith("train.test_") || key.equals("train.checkpoint_every"));
    }

    /** Reads a run folder, or refuses it in one sentence naming it. */
    public static Run read(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) throw new IllegalArgumentException(dir + " is not a run folder: no such folder");
        Path csv = dir.resolve("metrics.csv"), ckpt = dir.resolve("last.safetensors");
        if (!Files.isRegularFile(csv) || !Files.isRegularFile(ckpt))
            throw new IllegalArgumentException(dir + " is not a run folder: it has no " + (Files.isRegularFile(csv) ? "last.safetensors" : "metrics.csv")
                    + " (a run writes both after its first epoch)");
        List<EpochMetrics> history = Metrics.readAll(csv);
        if (history.isEmpty()) throw new IllegalArgumentException(dir + " is not a run folder with a finished epoch: its metrics.csv has no rows");
        Map<String, String> settings = new LinkedHashMap<>();
        Safetensors.readHeader(ckpt).metadata().forEach((k, v) -> { if (isSetting(k)) settings.put(k.replaceFirst("^train\\.", ""), v); });
        return new Run(dir, settings, history);
    }

    /** Reads every folder; fewer than two (distinct) runs is refused in one sentence. */
    public static List<Run> readAll(List<Path> dirs) throws IOException {
        Set<Path> distinct = new LinkedHashSet<>();
        for (Path d : dirs) distinct.add(d.toAbsolutePath().normalize());
        if (distinct.size() < 2)
            throw new IllegalArgumentException("vae compare needs at least 2 run folders, got " + distinct.size()
                    + (dirs.isEmpty() ? "" : ": " + dirs.get(0)));
        List<Run> runs = new ArrayList<>();
        for (Path d : dirs) if (runs.stream().noneMatch(r -> r.dir().toAbsolutePath().normalize().equals(d.toAbsolutePath().normalize()))) runs.add(read(d));
        return runs;
    }

    /** Best first: highest last-epoch test PSNR; runs without it after, by best test loss. */
    public static List<Run> ranked(List<Run> runs) {
        Comparator<Run> byPsnr = Comparator.comparing((Run r) -> Double.isNaN(r.last().testPsnr()))
                .thenComparing(r -> Double.isNaN(r.last().testPsnr()) ? 0 : -r.last().testPsnr())
                .thenComparingDouble(r -> r.best().testLoss());
        return runs.stream().sorted(byPsnr).toList();
    }

    /** The setting keys whose values are not the same in every run (a key one run lacks counts as differing). */
    public static List<String> differingKeys(List<Run> runs) {
        Set<String> keys = new LinkedHashSet<>();
        for (Run r : runs) keys.addAll(r.settings().keySet());
        return keys.stream().filter(k -> runs.stream().map(r -> r.settings().get(k)).distinct().count() > 1).toList();
    }

    /** The table's header row. */
    public static List<String> columns(List<String> keys) {
        List<String> c = new ArrayList<>(List.of("rank", "run"));
        c.addAll(keys);
        c.addAll(List.of("epochs", "best_epoch", "best_test_loss", "best_test_recon", "best_test_kl", "last_test_loss",
                "last_test_recon", "last_test_kl", "test_mse", "test_bce", "test_psnr_db"));
        return c;
    }

    /** The table's rows in rank order, cells as text (numbers as the CSV and Markdown show them). */
    public static List<List<String>> rows(List<Run> ranked, List<String> keys) {
        List<List<String>> rows = new ArrayList<>();
        for (int i = 0; i < ranked.size(); i++) {
            Run r = ranked.get(i);
            EpochMetrics b = r.best(), l = r.last();
            List<String> row = new ArrayList<>(List.of(Integer.toString(i + 1), r.name()));
            for (String k : keys) row.add(Objects.requireNonNullElse(r.settings().get(k), "–"));
            row.add(Integer.toString(l.epoch()));
            row.add(Integer.toString(b.epoch()));
            for (double v : new double[]{b.testLoss(), b.testRecon(), b.testKl(), l.testLoss(), l.testRecon(), l.testKl()})
                row.add(num(v, "%.3f"));
            row.add(num(l.testMse(), "%.5f"));
            row.add(num(l.testBce(), "%.4f"));
            row.add(num(l.testPsnr(), "%.2f"));
            rows.add(row);
        }
        return rows;
    }

    /** The caption that says how the table is ordered and what the metrics are. */
    public static final String CAPTION = "Ranked by the last epoch's test PSNR (reconstructions at z = mu; pixel MSE, BCE and PSNR "
            + "are means per test image and do not depend on the training loss). Test losses are per image in nats; "
            + "with different --loss or --beta they are not on one scale.";

    /** A Markdown table; columns 1 to {@code textColumns} (the run and its settings) left-aligned, the numbers right. */
    public static String markdown(List<String> columns, List<List<String>> rows, int textColumns) {
        StringBuilder m = new StringBuilder();
        m.append('|');
        for (String c : columns) m.append(' ').append(md(c)).append(" |");
        m.append("\n|");
        for (int i = 0; i < columns.size(); i++) m.append(i >= 1 && i <= textColumns ? "---|" : "---:|");
        m.append('\n');
        for (List<String> row : rows) {
            m.append('|');
            for (String v : row) m.append(' ').append(md(v)).append(" |");
            m.append('\n');
        }
        return m.toString();
    }

    private static String md(String s) { return s.replace("|", "\\|").replace("\n", " "); }

    private static String num(double v, String fmt) { return Double.isNaN(v) ? "–" : String.format(java.util.Locale.ROOT, fmt, v); }
}
