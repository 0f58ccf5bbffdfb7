package tornadovae.cli;

import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;
import tornadovae.engine.Datasets;
import tornadovae.engine.Scaler;
import tornadovae.engine.Tables;
import tornadovae.io.data.CsvTable;

/** The options of `--dataset csv` for `vae train`: the file, its columns and their scaling. */
final class TableMixin {
    static final float CSV_BETA = Tables.DEFAULT_BETA;

    @Option(names = "--data-file", paramLabel = "FILE", description = "--dataset csv: the CSV file (a header line of column names, then numeric rows)")
    Path dataFile;
    @Option(names = "--columns", split = ",", paramLabel = "A,B,..", description = "--dataset csv: the feature columns (default: every numeric column)")
    List<String> columns;
    @Option(names = "--label-column", paramLabel = "NAME", description = "--dataset csv: a column carried along as each row's label, not a feature")
    String labelColumn;
    @Option(names = "--skip-bad-rows", description = "--dataset csv: skip lines with blank, non-numeric or missing cells, with a warning, instead of stopping")
    boolean skipBadRows;
    @Option(names = "--scale", paramLabel = "minmax|standard",
            description = "--dataset csv: minmax maps each column's training range to [0, 1]; standard maps ±4 standard deviations about its mean to [0, 1] (default: minmax). The loss defaults to mse and --beta to "
                    + CSV_BETA + ", a Gaussian of standard deviation ~0.022 on the scaled values")
    String scale;

    /** Whether any of these options was given (they are refused for a data set of images). */
    private String given() {
        return dataFile != null ? "--data-file" : columns != null ? "--columns" : labelColumn != null ? "--label-column"
                : skipBadRows ? "--skip-bad-rows" : scale != null ? "--scale" : null;
    }

    /** @throws IllegalArgumentException for an option given with a data set that is not csv, naming it */
    void checkFor(String dataset, Path dataDir) {
        if (!dataset.equals(Datasets.CSV)) {
            if (given() != null) throw new IllegalArgumentException(given() + " applies only to --dataset csv, not " + dataset);
            return;
        }
        if (dataDir != null) throw new IllegalArgumentException("--dataset csv reads one file: give it as --data-file, not --data-dir");
        if (dataFile == null) throw new IllegalArgumentException("--dataset csv needs --data-file, the CSV file");
    }

    CsvTable.Options options() {
        return new CsvTable.Options(columns != null ? columns : List.of(), labelColumn, skipBadRows);
    }

    Scaler.Kind kind() { return scale == null ? Scaler.Kind.MINMAX : Scaler.Kind.parse(scale, "--scale"); }
}
