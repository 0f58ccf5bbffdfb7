package tornadovae.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tornadovae.engine.Progress;
import tornadovae.engine.VaeSession;
import tornadovae.report.LatentPictures;

@Command(name = "latent-pca", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Encode a data split and plot the first two principal components of the latent means, coloured by label (PNG).",
                "A 2-D latent space is plotted directly, on the same axes as `vae manifold`."})
final class LatentPcaCommand implements Callable<Integer> {
    @Mixin ModelDataOptions m;
    @Option(names = "--limit", defaultValue = "0", description = "only the first N images; 0 = all (default: ${DEFAULT-VALUE})")
    int limit;
    @Option(names = "--colour", defaultValue = "label", description = "label or none (default: ${DEFAULT-VALUE})")
    String colour;
    @Option(names = "--out", defaultValue = "latent_pca.png", description = "PNG file (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!colour.equals("label") && !colour.equals("none"))
            throw new IllegalArgumentException("--colour must be label or none, got '" + colour + "'");
        CheckpointData cd = m.load();
        if (colour.equals("label")) LatentPictures.requireLabels(cd.data(), 0); // before the encoding, not after
        int count = cd.count(limit);
        if (count < 2) throw new IllegalArgumentException("a PCA needs at least 2 images, the " + m.split + " split has " + count);
        int lat = cd.checkpoint().vae().latent();
        LatentPictures.Pca p;
        try (VaeSession s = m.open(cd, count)) {
            float[] ml;
            try (Progress progress = Progress.later("latent-pca", count)) {
                ml = LatentPictures.encode(s, cd.data().images(), count, m.batch(count), progress);
            }
            int[] labels = colour.equals("label") ? LatentPictures.requireLabels(cd.data(), count) : null;
            p = LatentPictures.writeLatentMeans(out, ml, count, lat, labels, cd.classNames(), "latent means of " + count + " " + m.split + " images");
        }
        if (p == null) {   // a 2-D latent space is drawn as it is, on the axes of `vae manifold`
            System.out.printf("wrote %s: the latent means on the manifold's axes (2-D latent space: no PCA)%n", out);
            return 0;
        }
        System.out.printf("wrote %s: PC1 and PC2 explain %.1f%% and %.1f%% of the latent means' variance%n", out,
                100 * p.explained()[0], p.explained().length > 1 ? 100 * p.explained()[1] : 0);
        return 0;
    }
}
