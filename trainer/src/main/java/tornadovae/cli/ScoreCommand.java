package tornadovae.cli;

import java.io.BufferedWriter;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tornadovae.engine.AnomalyScore;
import tornadovae.engine.Checkpoints;
import tornadovae.engine.Datasets;
import tornadovae.engine.Inference;
import tornadovae.engine.Progress;
import tornadovae.engine.Scaler;
import tornadovae.engine.Tables;
import tornadovae.engine.VaeSession;
import tornadovae.io.AtomicFiles;
import tornadovae.io.DataFormatException;
import tornadovae.io.data.CsvTable;
import tornadovae.io.data.Dataset;
import tornadovae.trainer.CheckpointMetadata;

@Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write each input's anomaly score to CSV, in input order: the negative ELBO at z = mu of the model as trained "
                + "(score = recon / beta + kl, in nats; higher is less like the training data), its reconstruction loss and its KL.",
                "A CSV file (--data-file) is read with the checkpoint's columns and scaled by its scaler, as in training: columns "
                        + "index, line (in the file), the label column if any, score, recon, kl.",
                "Images (--dataset, --data-dir, --split): columns index, label, score, recon, kl, and class where the classes have names."})
final class ScoreCommand implements Callable<Integer> {
    @Mixin ModelDataOptions m;
    @Option(names = "--data-file", paramLabel = "FILE", description = "a CSV file with the columns the model was trained on (a checkpoint of --dataset csv)")
    Path dataFile;
    @Option(names = "--label-column", paramLabel = "NAME", description = "CSV: the column carried through as the label (default: the training run's, when the file has it)")
    String labelColumn;
    @Option(names = "--skip-bad-rows", description = "CSV: skip lines with blank, non-numeric or missing cells, with a warning, instead of stopping")
    boolean skipBadRows;
    @Option(names = "--out", defaultValue = "scores.csv", description = "CSV file (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (m.batchSize < 1) throw new IllegalArgumentException("--batch-size must be at least 1, got " + m.batchSize);
        if (dataFile == null && (labelColumn != null || skipBadRows))
            throw new IllegalArgumentException((labelColumn != null ? "--label-column" : "--skip-bad-rows") + " applies only to a CSV file (--data-file)");
        if (dataFile != null && m.dataDir != null)
            throw new IllegalArgumentException("give the rows to score as --data-file (a CSV file) or --data-dir (images), not both");
        return dataFile != null ? scoreTable() : scoreImages();
    }

    private int scoreTable() throws Exception {
        Checkpoints.Loaded ckpt = Checkpoints.load(m.checkpoint);
        Scaler scaler;
        try {
            scaler = Scaler.fromMetadata(ckpt.metadata(), ckpt.vae().inputDim());
        } catch (IllegalArgumentException e) {
            throw new DataFormatException(m.checkpoint, "has an unusable scaler: " + e.getMessage());
        }
        if (scaler == null)
            throw new IllegalArgumentException(m.checkpoint + " was not trained on a CSV file (it has no column scaler); score images with --dataset and --data-dir");
        String label = labelColumn;
        if (label == null) {   // the training run's label column, when this file has it (new rows may come without)
            String stored = ckpt.metadata().get(CheckpointMetadata.LABEL_COLUMN);
            if (stored != null && CsvTable.header(dataFile).contains(stored)) label = stored;
        }
        CsvTable t = CsvTable.read(dataFile, new CsvTable.Options(scaler.columns(), label, skipBadRows), System.err::println);
        Dataset d = Tables.scaled(t, scaler);
        double[][] s = score(ckpt, d);
        String labelName = label;
        AtomicFiles.write(out, os -> {
            var w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8));
            w.write("index,line" + (labelName != null ? "," + EncodeCommand.csvField(labelName) : "") + ",score,recon,kl");
            w.newLine();
            for (int i = 0; i < t.rows(); i++) {
                w.write(i + "," + t.lines()[i] + (labelName != null ? "," + EncodeCommand.csvField(t.labels().get(i)) : ""));
                writeScore(w, s, i);
                w.newLine();
            }
            w.flush();
        });
        System.out.printf("wrote the anomaly scores of %,d rows of %s to %s%n", t.rows(), dataFile, out);
        return 0;
    }

    private int scoreImages() throws Exception {
        if (m.dataset.equals(Datasets.CSV)) throw new IllegalArgumentException("--dataset csv needs --data-file, the CSV file");
        CheckpointData cd = m.load();
        int count = cd.count(0);
        double[][] s = score(cd.checkpoint(), cd.data());
        int[] labels = cd.data().labels();
        List<String> names = labels == null ? List.of() : cd.classNames();
        AtomicFiles.write(out, os -> {
            var w = new BufferedWriter(new OutputStreamWriter(os, StandardCharsets.UTF_8));
            w.write("index,label,score,recon,kl" + (names.isEmpty() ? "" : ",class"));
            w.newLine();
            for (int i = 0; i < count; i++) {
                w.write(i + "," + (labels == null ? "" : Integer.toString(labels[i])));
                writeScore(w, s, i);
                if (!names.isEmpty()) w.write("," + EncodeCommand.csvField(names.get(labels[i])));
                w.newLine();
            }
            w.flush();
        });
        System.out.printf("wrote the anomaly scores of %,d images of the %s split to %s%n", count, m.split, out);
        return 0;
    }

    private static void writeScore(BufferedWriter w, double[][] s, int i) throws java.io.IOException {
        w.write("," + s[0][i] + "," + (float) s[1][i] + "," + (float) s[2][i]);
    }

    /** Per input, the score, the reconstruction loss and the KL at z = mu (the eval plan with zero noise), as [3][count]. */
    private double[][] score(Checkpoints.Loaded ckpt, Dataset d) throws DataFormatException {
        int count = d.count(), batch = m.batch(count);
        double beta;
        try {
            beta = AnomalyScore.beta(ckpt.metadata());
        } catch (IllegalArgumentException e) {
            throw new DataFormatException(m.checkpoint, e.getMessage());
        }
        double[][] r = new double[3][count];
        try (VaeSession s = Inference.open(ckpt, m.backend, m.device, m.threads(), m.evalBatches(count), new int[0]);
             Progress progress = Progress.later("score", count)) {
            for (int from = 0; from < count; from += batch) {
                int b = Math.min(batch, count - from);
                s.evalBatch(d.images(), from, b, (float[]) null);
                float[][] l = s.lastPerSampleLosses(b);
                for (int i = 0; i < b; i++) {
                    r[0][from + i] = AnomalyScore.of(l[0][i], l[1][i], beta);
                    r[1][from + i] = l[0][i];
                    r[2][from + i] = l[1][i];
                }
                progress.stepBy(b);
            }
        }
        return r;
    }
}
