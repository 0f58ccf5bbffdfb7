package tornadovae.cli;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a CSV of latent codes for `vae decode`: `vae encode`'s own CSV (its mu columns; index, label, logvar and class
 * are ignored), a CSV with a header of z_0..z_{L-1} or mu_0..mu_{L-1} columns (others ignored), or a CSV without a
 * header of exactly L numbers a row. Bad input is one sentence naming the file and the line or column.
 */
final class LatentCsv {
    private LatentCsv() {}

    /** One record of the file and the line it starts on (1-based). */
    private record Row(int line, List<String> fields) {}

    /**
     * The codes, as [n][latent] in file order: the first {@code limit} rows, or all when {@code limit} is 0.
     *
     * @throws IllegalArgumentException with one sentence when the file cannot give such codes
     */
    static float[] read(Path file, int latent, int limit) throws IOException {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file))).toString();
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException(file + " does not exist.");
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + " is not a UTF-8 text file of latent codes.");
        }
        if (text.startsWith("\uFEFF")) text = text.substring(1);
        List<Row> rows = records(file, text);
        if (rows.isEmpty()) throw new IllegalArgumentException(file + " is empty: it holds no latent codes.");

        Row first = rows.get(0);
        int width = first.fields().size();
        int[] cols;
        int start;
        String what;
        if (isHeader(first.fields())) {
            cols = latentColumns(file, first.fields(), latent);
            what = "its header";
            start = 1;
            if (rows.size() == 1) throw new IllegalArgumentException(file + " has a header but no rows of latent codes.");
        } else {
            if (width != latent)
                throw new IllegalArgumentException(file + " line " + first.line() + " has " + columns(width) + ", but a CSV without a header "
                        + "needs exactly one column per latent dimension, and the checkpoint's latent size is " + latent + ".");
            cols = new int[latent];
            for (int j = 0; j < latent; j++) cols[j] = j;
            what = "line " + first.line();
            start = 0;
        }
        int n = rows.size() - start;
        if (limit > 0) n = Math.min(n, limit);
        float[] z = new float[n * latent];
        for (int i = 0; i < n; i++) {
            Row r = rows.get(start + i);
            if (r.fields().size() != width)
                throw new IllegalArgumentException(file + " line " + r.line() + " has " + columns(r.fields().size()) + ", but "
                        + what + " has " + width + ".");
            for (int j = 0; j < latent; j++) {
                String cell = r.fields().get(cols[j]).strip();
                String col = start == 1 ? "column " + first.fields().get(cols[j]).strip() : "column " + (cols[j] + 1);
                float v;
                try {
                    v = Float.parseFloat(cell);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException(file + " line " + r.line() + ", " + col + ": '" + cell + "' is not a number.");
                }
                if (!Float.isFinite(v))
                    throw new IllegalArgumentException(file + " line " + r.line() + ", " + col + ": " + cell + " is not a finite number.");
                z[i * latent + j] = v;
            }
        }
        return z;
    }

    private static String columns(int n) { return n == 1 ? "1 column" : n + " columns"; }

    /** A first row is a header when some cell is a name rather than a number (NaN and Infinity are numbers, to be refused later). */
    private static boolean isHeader(List<String> fields) {
        for (String f : fields) {
            String s = f.strip();
            if (s.isEmpty()) continue;
            try {
                Double.parseDouble(s);
            } catch (NumberFormatException e) {
                return true;
            }
        }
        return false;
    }

    /** The indexes of mu_0..mu_{L-1} (or z_0..z_{L-1}) in the header, checked to be exactly L of them. */
    private static int[] latentColumns(Path file, List<String> header, int latent) {
        Map<String, Map<Integer, Integer>> byPrefix = new HashMap<>();
        for (int c = 0; c < header.size(); c++) {
            String name = header.get(c).strip();
            for (String prefix : new String[]{"mu_", "z_"})
                if (name.startsWith(prefix) && name.length() > prefix.length() && name.substring(prefix.length()).chars().allMatch(Character::isDigit)) {
                    int j;
                    try {
                        j = Integer.parseInt(name.substring(prefix.length()));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(file + " line 1 names a column " + name + ", which is no latent dimension.");
                    }
                    Integer before = byPrefix.computeIfAbsent(prefix, p -> new HashMap<>()).put(j, c);
                    if (before != null)
                        throw new IllegalArgumentException(file + " line 1 names the column " + name + " twice (columns "
                                + (before + 1) + " and " + (c + 1) + ").");
                }
        }
        if (byPrefix.size() == 2)
            throw new IllegalArgumentException(file + " line 1 has both mu_ and z_ columns, so which ones are the latent codes is unclear.");
        if (byPrefix.isEmpty())
            throw new IllegalArgumentException(file + " line 1 is a header without z_0.. or mu_0.. columns, so it names no latent codes.");
        String prefix = byPrefix.keySet().iterator().next();
        Map<Integer, Integer> found = byPrefix.get(prefix);
        if (found.size() != latent)
            throw new IllegalArgumentException(file + " has " + found.size() + " latent columns (" + prefix + "..), but the checkpoint's "
                    + "latent size is " + latent + ".");
        int[] cols = new int[latent];
        for (int j = 0; j < latent; j++) {
            Integer c = found.get(j);
            if (c == null)
                throw new IllegalArgumentException(file + " line 1 has no column " + prefix + j + ", but the checkpoint's latent size is "
                        + latent + ".");
            cols[j] = c;
        }
        return cols;
    }

    /** The file's records as RFC 4180 has them (quoted fields may hold commas, quotes and line breaks); blank lines are skipped. */
    private static List<Row> records(Path file, String text) {
        List<Row> rows = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int line = 1, recordLine = 1, i = 0, n = text.length();
        boolean quoted = false, any = false;
        while (i < n) {
            char c = text.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < n && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i += 2;
                        continue;
                    }
                    quoted = false;
                } else {
                    if (c == '\n') line++;
                    field.append(c);
                }
                i++;
                continue;
            }
            if (c == '"' && field.toString().isBlank()) {
                quoted = true;
                any = true;
                field.setLength(0);
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
                any = true;
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < n && text.charAt(i + 1) == '\n') i++;
                endRecord(rows, fields, field, recordLine, any);
                fields = new ArrayList<>();
                any = false;
                line++;
                recordLine = line;
            } else {
                field.append(c);
                if (!Character.isWhitespace(c)) any = true;
            }
            i++;
        }
        if (quoted) throw new IllegalArgumentException(file + " line " + recordLine + " opens a quoted field that never closes.");
        endRecord(rows, fields, field, recordLine, any);
        return rows;
    }

    private static void endRecord(List<Row> rows, List<String> fields, StringBuilder field, int line, boolean any) {
        if (!any) {   // a blank line
            field.setLength(0);
            return;
        }
        fields.add(field.toString());
        field.setLength(0);
        rows.add(new Row(line, fields));
    }
}
