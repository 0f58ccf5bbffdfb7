package tornadovae.cli;

import java.io.BufferedWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tornadovae.engine.Progress;
import tornadovae.engine.VaeSession;
import tornadovae.io.AtomicFiles;
import tornadovae.report.LatentPictures;

@Command(name = "encode", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write the latent means (and log-variances) of a data split to CSV: index, label, mu_0.., logvar_0..",
                "A data set whose classes have names (an image folder's subfolders, CIFAR-10, Fashion-MNIST) gets a last column, class."})
final class EncodeCommand implements Callable<Integer> {
    @Mixin ModelDataOptions m;
    @Option(names = "--limit", defaultValue = "0", description = "only the first N images; 0 = all (default: ${DEFAULT-VALUE})")
    int limit;
    @Option(names = "--no-logvar", description = "write the means only")
    boolean noLogvar;
    @Option(names = "--out", defaultValue = "latents.csv", description = "CSV file (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        CheckpointData cd = m.load();
        int count = cd.count(limit), lat = cd.checkpoint().vae().latent();
        int[] labels = cd.data().labels();
        // last, so that every other column keeps its place whether or not the data set has names
        List<String> names = labels == null ? List.of() : cd.classNames();
        float[] ml;
        try (VaeSession s = m.open(cd, count); Progress progress = Progress.later("encode", count)) {
            ml = LatentPictures.encode(s, cd.data().images(), count, m.batch(count), progress);
        }
        AtomicFiles.write(out, os -> {
            var w = new BufferedWriter(new java.io.OutputStreamWriter(os, StandardCharsets.UTF_8));
            w.write("index,label");
            for (int j = 0; j < lat; j++) w.write(",mu_" + j);
            if (!noLogvar) for (int j = 0; j < lat; j++) w.write(",logvar_" + j);
            if (!names.isEmpty()) w.write(",class");
            w.newLine();
            for (int i = 0; i < count; i++) {
                w.write(i + "," + (labels == null ? "" : Integer.toString(labels[i])));
                for (int j = 0; j < (noLogvar ? lat : 2 * lat); j++) w.write("," + ml[i * 2 * lat + j]);
                if (!names.isEmpty()) w.write("," + csvField(names.get(labels[i])));
                w.newLine();
            }
            w.flush();
        });
        System.out.printf("wrote %,d encodings of %d dimensions to %s%n", count, lat, out);
        return 0;
    }

    /** A CSV field as RFC 4180 has it: quoted, quotes doubled, when it holds a comma, quote or line break (a folder name may). */
    static String csvField(String s) {
        boolean quote = s.chars().anyMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r');
        return quote ? '"' + s.replace("\"", "\"\"") + '"' : s;
    }
}
