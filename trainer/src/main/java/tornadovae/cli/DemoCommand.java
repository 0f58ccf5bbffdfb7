package tornadovae.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tornadovae.engine.Backends;

@Command(name = "demo", mixinStandardHelpOptions = true, description = "Small self-contained demonstrations.",
        subcommands = {DemoCommand.PcaVsVae.class})
final class DemoCommand implements Runnable {
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override public void run() { throw new picocli.CommandLine.ParameterException(spec.commandLine(), "name a demo: pca-vs-vae"); }

    @Command(name = "pca-vs-vae", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Compress 2-D points to one number by PCA and by a VAE, and plot both reconstructions (one PNG).",
                    "The points are correlated Gaussian ones scaled into [0, 1]; the VAE has a 1-D latent (2-32-1-32-2, tanh, mse loss)."})
    static final class PcaVsVae implements Callable<Integer> {
        @Option(names = "--points", defaultValue = "2000", description = "number of 2-D points (default: ${DEFAULT-VALUE})")
        int points;
        @Option(names = "--epochs", defaultValue = "200", description = "VAE training epochs, 20 steps each (default: ${DEFAULT-VALUE})")
        int epochs;
        @Option(names = "--beta", defaultValue = "0.001", description = "KL weight; 1 collapses the latent at this data scale (default: ${DEFAULT-VALUE})")
        float beta;
        @Option(names = "--seed", defaultValue = "1", description = "seed of the points and of the VAE's training (default: ${DEFAULT-VALUE})")
        long seed;
        @Option(names = "--out", defaultValue = "pca_vs_vae.png", description = "PNG file (default: ${DEFAULT-VALUE})")
        Path out;

        @Override
        public Integer call() throws Exception {
            if (points < 10 || points > 100_000) throw new IllegalArgumentException("--points must be between 10 and 100000, got " + points);
            if (epochs < 1) throw new IllegalArgumentException("--epochs must be at least 1, got " + epochs);
            if (!(beta >= 0) || Float.isInfinite(beta)) throw new IllegalArgumentException("--beta must be ≥ 0, got " + beta);
            tornadovae.io.AtomicFiles.checkFolderWritable(out);
            var r = PcaVsVaeDemo.run(points, epochs, beta, seed, Backends.create("jvm", null, 1));
            PcaVsVaeDemo.plot(out, r);
            System.out.printf("wrote %s: reconstruction MSE per point, PCA %.5f, VAE %.5f%n", out, r.pcaMse(), r.vaeMse());
            return 0;
        }
    }
}
