package tornadovae.io.report;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tornadovae.io.AtomicFiles;
import tornadovae.io.DataFormatException;

/**
 * A per-epoch metrics table as CSV. The whole file is rewritten atomically at every row: a crash leaves the
 * previous complete file, never a torn line, and a few hundred epochs cost nothing to rewrite.
 */
public final class MetricsCsv {
    private final Path file;
    private final List<String> columns;
    private final String header;
    private final List<String> rows = new ArrayList<>();

    private MetricsCsv(Path file, List<String> columns) {
        if (columns.isEmpty()) throw new IllegalArgumentException("a metrics table needs columns");
        this.file = file;
        this.columns = List.copyOf(columns);
        this.header = line(this.columns.toArray());
    }

    /** A new table with only the header row, replacing any file of that name. */
    public static MetricsCsv create(Path file, List<String> columns) throws IOException {
        MetricsCsv csv = new MetricsCsv(file, columns);
        csv.save();
        return csv;
    }

    /**
     * Continues an existing table (a resumed run), which must have exactly these columns; a missing file starts
     * a new one. Use {@link #truncate} to drop rows written after the checkpoint being resumed.
     */
    public static MetricsCsv resume(Path file, List<String> columns) throws IOException {
        MetricsCsv csv = new MetricsCsv(file, columns);
        if (!Files.exists(file)) {
            csv.save();
            return csv;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).equals(csv.header))
            throw new DataFormatException(file, "has columns " + (lines.isEmpty() ? "(none)" : lines.get(0))
                    + " but this run writes " + csv.header);
        for (int i = 1; i < lines.size(); i++) {
            String row = lines.get(i);
            if (row.isEmpty()) continue;
            int fields = fieldCount(row);
            if (fields != columns.size())
                throw new DataFormatException(file, "line " + (i + 1) + " has " + fields + " fields, expected " + columns.size());
            csv.rows.add(row);
        }
        return csv;
    }

    /** Adds one row (numbers, strings, or null for an empty cell) and rewrites the file atomically. */
    public void append(Object... values) throws IOException {
        if (values.length != columns.size())
            throw new IllegalArgumentException(values.length + " values for columns " + columns);
        rows.add(line(values));
        try {
            save();
        } catch (IOException e) {
            rows.remove(rows.size() - 1);   // keep memory and file in step
            throw e;
        }
    }

    /** Keeps only the first {@code keep} data rows. */
    public void truncate(int keep) throws IOException {
        if (keep < 0) throw new IllegalArgumentException("keep " + keep);
        if (keep >= rows.size()) return;
        rows.subList(keep, rows.size()).clear();
        save();
    }

    public Path file() { return file; }
    public List<String> columns() { return columns; }
    public int rowCount() { return rows.size(); }

    private void save() throws IOException {
        StringBuilder text = new StringBuilder(header).append('\n');
        for (String row : rows) text.append(row).append('\n');
        AtomicFiles.writeString(file, text.toString());
    }

    private static String line(Object[] values) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < values.length; i++) {
            if (i > 0) b.append(',');
            b.append(cell(values[i]));
        }
        return b.toString();
    }

    private static String cell(Object v) {
        if (v == null) return "";
        // Double.toString round-trips exactly, and every CSV reader parses it. One row stays one line.
        String s = v.toString().replace('\n', ' ').replace('\r', ' ');
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** Fields in one CSV line, honouring quotes (rows never span lines: {@link #cell} removes line breaks). */
    private static int fieldCount(String line) {
        int fields = 1;
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"') quoted = !quoted;
            else if (c == ',' && !quoted) fields++;
        }
        return fields;
    }
}
