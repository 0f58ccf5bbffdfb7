package tornadovae.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tornadovae.engine.Checkpoints;
import tornadovae.engine.Inference;
import tornadovae.engine.VaeSession;
import tornadovae.report.LatentPictures;

@Command(name = "manifold", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Decode a grid over a 2-D latent space into one PNG.",
                "Decode a grid over a 2-D latent space (the Gaussian's 5%% to 95%% quantiles in each direction) into one PNG: the learned manifold.",
                "Needs a model trained with --latent 2."})
final class ManifoldCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "a .safetensors checkpoint written by `vae train`")
    Path checkpoint;
    @Option(names = "--side", defaultValue = "20", description = "codes per side (default: ${DEFAULT-VALUE})")
    int side;
    @Option(names = "--out", defaultValue = "manifold.png", description = "PNG file (default: ${DEFAULT-VALUE})")
    Path out;
    @Option(names = "--backend", defaultValue = "jvm", description = "jvm or tornado (default: ${DEFAULT-VALUE})")
    String backend;
    @Option(names = "--device", description = "TornadoVM device, e.g. 0:0")
    String device;

    @Override
    public Integer call() throws Exception {
        if (side < 2 || side > 60) throw new IllegalArgumentException("--side must be between 2 and 60, got " + side);
        Checkpoints.Loaded ckpt = Checkpoints.load(checkpoint);
        if (ckpt.vae().latent() != 2)
            throw new IllegalArgumentException(checkpoint + " has a " + ckpt.vae().latent()
                    + "-dimensional latent space; the manifold grid needs a model trained with --latent 2");
        var in = ckpt.spec().input();
        if (in.rank() != 3) throw new IllegalArgumentException(checkpoint + " is a model of " + in + " inputs, not images");
        int plan = Math.min(side * side, 100);
        try (VaeSession s = Inference.open(ckpt, backend, device, Runtime.getRuntime().availableProcessors(), new int[0], new int[]{plan})) {
            float[] images = LatentPictures.decodeAll(s, LatentPictures.manifoldCodes(side), side * side, plan);
            LatentPictures.writeManifold(out, images, side, in.dim(0), in.dim(1), in.dim(2));
        }
        System.out.println("wrote the " + side + "x" + side + " manifold to " + out);
        return 0;
    }
}
