package tornadovae.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tornadovae.engine.VaeSession;
import tornadovae.io.data.Dataset;
import tornadovae.report.LatentPictures;

@Command(name = "interpolate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Decode a walk in latent space between two images (one PNG row).",
                "Walk the latent space between the means of two images and decode each step: one PNG row, the first image, the decoded steps, the second image."})
final class InterpolateCommand implements Callable<Integer> {
    @Mixin ModelDataOptions m;
    @Option(names = "--from", defaultValue = "0", description = "index of the first image (default: ${DEFAULT-VALUE})")
    int from;
    @Option(names = "--to", defaultValue = "1", description = "index of the second image (default: ${DEFAULT-VALUE})")
    int to;
    @Option(names = "--steps", defaultValue = "10", description = "decoded steps, ends included (default: ${DEFAULT-VALUE})")
    int steps;
    @Option(names = "--slerp", description = "spherical instead of linear interpolation")
    boolean slerp;
    @Option(names = "--out", defaultValue = "interpolation.png", description = "PNG file (default: ${DEFAULT-VALUE})")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (steps < 2 || steps > 100) throw new IllegalArgumentException("--steps must be between 2 and 100, got " + steps);
        CheckpointData cd = m.load();
        Dataset d = cd.data();
        var in = cd.checkpoint().spec().input();
        if (in.rank() != 3) throw new IllegalArgumentException(m.checkpoint + " is a model of " + in + " inputs, not images");
        int dim = d.dim(), lat = cd.checkpoint().vae().latent();
        float[] pair = new float[2 * dim];
        System.arraycopy(d.images(), cd.index("--from", from) * dim, pair, 0, dim);
        System.arraycopy(d.images(), cd.index("--to", to) * dim, pair, dim, dim);
        try (VaeSession s = cd.open(m.backend, m.device, m.threads(), new int[]{2}, new int[]{steps})) {
            float[] ml = LatentPictures.encode(s, pair, 2, 2);
            float[] a = Arrays.copyOfRange(ml, 0, lat), b = Arrays.copyOfRange(ml, 2 * lat, 3 * lat);
            float[] walk = s.decode(LatentPictures.interpolate(a, b, steps, slerp), steps);
            LatentPictures.writeStrip(out, Arrays.copyOfRange(pair, 0, dim), walk, steps, Arrays.copyOfRange(pair, dim, 2 * dim),
                    in.dim(0), in.dim(1), in.dim(2));
        }
        System.out.printf("wrote %s: image %d, %d %s steps, image %d%n", out, from, steps, slerp ? "spherical" : "linear", to);
        return 0;
    }
}
