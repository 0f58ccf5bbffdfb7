package tornadovae.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tornadovae.engine.Checkpoints;
import tornadovae.engine.Inference;
import tornadovae.engine.VaeSession;
import tornadovae.report.LatentPictures;
import tornadovae.report.Pictures;

@Command(name = "decode", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Decode latent codes from a CSV file into a PNG grid of images, in the file's order.",
                "The CSV may be the one `vae encode` writes (its mu columns are decoded), one with a header of z_0.. or mu_0.. columns, or one without a header of exactly one number per latent dimension a row."})
final class DecodeCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "The .safetensors checkpoint written by `vae train` whose decoder is run.")
    Path checkpoint;
    @Option(names = "--latents", required = true, description = "The CSV file of latent codes, one code a row.")
    Path latents;
    @Option(names = "--out", defaultValue = "decoded.png", description = "The PNG file the grid is written to (default: ${DEFAULT-VALUE}).")
    Path out;
    @Option(names = "--columns", defaultValue = "8", description = "The number of images in each row of the grid (default: ${DEFAULT-VALUE}).")
    int columns;
    @Option(names = "--limit", defaultValue = "0", description = "Decode only the first N codes; 0 decodes them all (default: ${DEFAULT-VALUE}).")
    int limit;
    @Option(names = "--batch-size", defaultValue = "128", description = "The number of codes in each decoder pass (default: ${DEFAULT-VALUE}).")
    int batchSize;
    @Option(names = "--backend", defaultValue = "jvm", description = "The backend that runs the decoder: jvm or tornado (default: ${DEFAULT-VALUE}).")
    String backend;
    @Option(names = "--device", description = "The TornadoVM device, e.g. 0:0.")
    String device;
    @Option(names = "--threads", description = "The number of JVM backend threads (default: all cores).")
    Integer threads;

    @Override
    public Integer call() throws Exception {
        if (columns < 1) throw new IllegalArgumentException("--columns must be at least 1, got " + columns + ".");
        if (limit < 0) throw new IllegalArgumentException("--limit must be 0 (all) or more, got " + limit + ".");
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be at least 1, got " + batchSize + ".");
        Checkpoints.Loaded ckpt = Checkpoints.load(checkpoint);
        var in = ckpt.spec().input();
        if (in.rank() != 3) throw new IllegalArgumentException(checkpoint + " is a model of " + in + " inputs, not images.");
        int lat = ckpt.vae().latent();
        float[] z = LatentCsv.read(latents, lat, limit);   // every check of the file before anything is decoded or written
        int n = z.length / lat, batch = Math.min(batchSize, n);
        float[] images;
        try (VaeSession s = Inference.open(ckpt, backend, device, threads != null ? threads : Runtime.getRuntime().availableProcessors(),
                new int[0], new int[]{batch})) {
            images = LatentPictures.decodeAll(s, z, n, batch);
        }
        Pictures.grid(out, images, n, columns, in.dim(0), in.dim(1), in.dim(2));
        System.out.printf("wrote %,d decoded images of %s to %s%n", n, latents, out);
        return 0;
    }
}
