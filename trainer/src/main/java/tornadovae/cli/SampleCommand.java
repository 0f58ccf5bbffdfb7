package tornadovae.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tornadovae.engine.Checkpoints;
import tornadovae.engine.Inference;
import tornadovae.engine.Noise;
import tornadovae.engine.VaeSession;
import tornadovae.report.Pictures;

@Command(name = "sample", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Decode random latent codes z ~ N(0, I) from a checkpoint into a PNG grid.")
final class SampleCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "a .safetensors checkpoint written by `vae train`")
    Path checkpoint;
    @Option(names = "--count", defaultValue = "64", description = "number of samples (default: ${DEFAULT-VALUE})")
    int count;
    @Option(names = "--seed", defaultValue = "1", description = "seed of the random latent codes (default: ${DEFAULT-VALUE})")
    long seed;
    @Option(names = "--out", defaultValue = "samples.png", description = "PNG file (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--backend", defaultValue = "jvm", description = "jvm or tornado (default: ${DEFAULT-VALUE})")
    String backend;
    @Option(names = "--device", description = "TornadoVM device, e.g. 0:0")
    String device;

    @Override
    public Integer call() throws Exception {
        if (count < 1 || count > 4096) throw new IllegalArgumentException("--count must be between 1 and 4096, got " + count);
        Checkpoints.Loaded ckpt = Checkpoints.load(checkpoint);
        var in = ckpt.spec().input();
        try (VaeSession s = Inference.open(ckpt, backend, device, Runtime.getRuntime().availableProcessors(),
                new int[0], new int[]{count})) {
            float[] z = new float[count * ckpt.vae().latent()];
            new Noise(seed).gaussian(z, 0, z.length);
            float[] images = s.decode(z, count);
            Pictures.samples(out, images, count, in.dim(0), in.dim(1), in.dim(2));
        }
        System.out.println("wrote " + count + " samples to " + out);
        return 0;
    }
}
