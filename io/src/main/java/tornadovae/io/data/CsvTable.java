package tornadovae.io.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.function.Consumer;
import tornadovae.io.DataFormatException;

/**
 * A CSV file of numeric columns (RFC 4180: comma-separated, fields with commas or quotes quoted, UTF-8), its first
 * line a header of column names. The values are read as they are, unscaled, row after row in file order.
 *
 * <p>The feature columns are those named in {@link Options#columns()}, or, when none are named, every column whose
 * cell in the first data row is a number (the label column aside). A cell of a feature column that is blank, not a
 * number, or not finite (NaN, Infinity), and a line with more or fewer fields than the header, stops the read with one
 * sentence naming the file, the line and the column, or, with {@link Options#skipBadRows()}, skips that line (and says
 * how many were skipped). Blank lines are ignored.
 *
 * @param columns     the feature columns' names, in the order of their values in a row
 * @param values      [rows][columns.size()] as read
 * @param labelColumn the label column's name, or null
 * @param labels      each row's label cell as written (null without a label column)
 * @param lines       each row's line number in the file (1 is the header)
 */
public record CsvTable(Path file, List<String> columns, float[] values, int rows, String labelColumn, List<String> labels,
                       int[] lines) {

    /**
     * @param columns     feature columns by name (empty: every numeric column)
     * @param labelColumn a column carried along as each row's label (not a feature), or null
     * @param skipBadRows skip malformed lines with a warning rather than stopping at the first
     */
    public record Options(List<String> columns, String labelColumn, boolean skipBadRows) {
        public Options {
            columns = List.copyOf(columns);
            if (new LinkedHashSet<>(columns).size() != columns.size())
                throw new IllegalArgumentException("--columns names a column twice: " + String.join(",", columns));
            if (labelColumn != null && columns.contains(labelColumn))
                throw new IllegalArgumentException("--label-column " + labelColumn + " is also in --columns; a label is not a feature");
        }

        public static Options defaults() { return new Options(List.of(), null, false); }
    }

    /** The column names of a CSV file's header line. */
    public static List<String> header(Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file + " (no such CSV file)");
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            int line = 1;
            String h = in.readLine();
            for (; h != null && h.isBlank(); line++) h = in.readLine();
            if (h == null) throw new DataFormatException(file, "is empty (a CSV file needs a header line of column names)");
            List<String> r = fields(file, line, h.startsWith("\uFEFF") ? h.substring(1) : h);
            r.replaceAll(String::strip);
            return r;
        } catch (CharacterCodingException e) {
            throw new DataFormatException(file, "is not UTF-8 text", e);
        }
    }

    public static CsvTable read(Path file, Options o, Consumer<String> log) throws IOException {
        if (!Files.isRegularFile(file)) throw new NoSuchFileException(file + " (no such CSV file)");
        try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(file, in, o, log);
        } catch (CharacterCodingException e) {
            throw new DataFormatException(file, "is not UTF-8 text", e);
        }
    }

    private static CsvTable read(Path file, BufferedReader in, Options o, Consumer<String> log) throws IOException {
        String headerLine = in.readLine();
        int line = 1;
        while (headerLine != null && headerLine.isBlank()) {
            headerLine = in.readLine();
            line++;
        }
        if (headerLine == null) throw new DataFormatException(file, "is empty (a CSV file needs a header line of column names)");
        if (headerLine.startsWith("\uFEFF")) headerLine = headerLine.substring(1);   // a byte order mark
        List<String> header = fields(file, line, headerLine);
        for (int j = 0; j < header.size(); j++) header.set(j, header.get(j).strip());
        for (int j = 0; j < header.size(); j++)
            if (header.indexOf(header.get(j)) != j)
                throw new DataFormatException(file, "has two columns named '" + header.get(j) + "' in its header");
        int label = -1;
        if (o.labelColumn() != null && (label = header.indexOf(o.labelColumn())) < 0)
            throw new DataFormatException(file, "has no column '" + o.labelColumn() + "' (--label-column); its columns are " + String.join(",", header));
        int[] pick = null;
        if (!o.columns().isEmpty()) {
            pick = new int[o.columns().size()];
            for (int k = 0; k < pick.length; k++)
                if ((pick[k] = header.indexOf(o.columns().get(k))) < 0)
                    throw new DataFormatException(file, "has no column '" + o.columns().get(k) + "' (--columns); its columns are " + String.join(",", header));
        }
        Builder b = new Builder(file, label);
        int skipped = 0;
        String firstSkip = null;
        for (String text; (text = in.readLine()) != null; ) {
            line++;
            if (text.isBlank()) continue;
            try {
                List<String> cells = fields(file, line, text);
                if (cells.size() != header.size())
                    throw new DataFormatException(file, "line " + line + " has " + cells.size() + " fields but the header has " + header.size());
                if (pick == null) pick = numericColumns(file, header, cells, label);
                b.add(line, cells, pick, header);
            } catch (DataFormatException e) {
                if (!o.skipBadRows()) throw e;
                if (skipped++ == 0) firstSkip = e.getMessage();
            }
        }
        if (skipped > 0) log.accept("warning: skipped " + skipped + " bad line" + (skipped == 1 ? "" : "s") + " of " + file + "; the first: " + firstSkip);
        if (b.rows == 0) throw new DataFormatException(file, "has no data rows" + (skipped > 0 ? " left after skipping " + skipped + " bad lines" : " below its header"));
        List<String> names = new ArrayList<>();
        for (int j : pick) names.add(header.get(j));
        return new CsvTable(file, List.copyOf(names), Arrays.copyOf(b.values, b.rows * pick.length), b.rows,
                o.labelColumn(), label < 0 ? null : List.copyOf(b.labels), Arrays.copyOf(b.lines, b.rows));
    }

    /** Every column but the label whose cell in this first data row is a number; none is an error. */
    private static int[] numericColumns(Path file, List<String> header, List<String> cells, int label) throws DataFormatException {
        List<Integer> r = new ArrayList<>();
        for (int j = 0; j < cells.size(); j++) if (j != label && number(cells.get(j)) != null) r.add(j);
        if (r.isEmpty())
            throw new DataFormatException(file, "has no numeric column (its first data row has no number outside the label column)");
        return r.stream().mapToInt(Integer::intValue).toArray();
    }

    private static final java.util.regex.Pattern NUMBER = java.util.regex.Pattern.compile("[+-]?(\\d+\\.?\\d*|\\.\\d+)([eE][+-]?\\d+)?");

    /** The cell's number, or null when it is none (blank, text, NaN, infinite, or a Java-only form such as 1f). */
    static Float number(String cell) {
        String s = cell.strip();
        if (s.isEmpty() || !NUMBER.matcher(s).matches()) return null;
        float v = Float.parseFloat(s);
        return Float.isFinite(v) ? v : null;
    }

    /** The growing arrays of a read; a row is added whole or not at all. */
    private static final class Builder {
        final Path file;
        final int label;
        float[] values = new float[1024];
        int[] lines = new int[64];
        final List<String> labels = new ArrayList<>();
        int rows;

        Builder(Path file, int label) { this.file = file; this.label = label; }

        void add(int line, List<String> cells, int[] pick, List<String> header) throws DataFormatException {
            long need = (long) (rows + 1) * pick.length;
            if (need > Integer.MAX_VALUE - 8) throw new DataFormatException(file, "has more values than one array holds (line " + line + ")");
            if (need > values.length) values = Arrays.copyOf(values, (int) Math.min(Integer.MAX_VALUE - 8, Math.max(need, 2L * values.length)));
            for (int k = 0; k < pick.length; k++) {
                String cell = cells.get(pick[k]);
                Float v = number(cell);
                if (v == null)
                    throw new DataFormatException(file, "line " + line + ", column '" + header.get(pick[k]) + "': "
                            + (cell.isBlank() ? "the cell is blank" : "'" + cell.strip() + "' is not a finite number"));
                values[rows * pick.length + k] = v;
            }
            if (rows == lines.length) lines = Arrays.copyOf(lines, 2 * rows);
            lines[rows++] = line;
            if (label >= 0) labels.add(cells.get(label).strip());
        }
    }

    /** The fields of one line: commas separate, a quoted field may hold commas and doubled quotes. */
    static List<String> fields(Path file, int line, String text) throws DataFormatException {
        List<String> r = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false, wasQuoted = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < text.length() && text.charAt(i + 1) == '"') { f.append('"'); i++; }
                else if (c == '"') quoted = false;
                else f.append(c);
            } else if (c == '"' && f.toString().isBlank() && !wasQuoted) {
                quoted = wasQuoted = true;
                f.setLength(0);
            } else if (c == ',') {
                r.add(f.toString());
                f.setLength(0);
                wasQuoted = false;
            } else f.append(c);
        }
        if (quoted) throw new DataFormatException(file, "line " + line + " has a quote that is not closed (a field cannot span lines)");
        r.add(f.toString());
        return r;
    }
}
