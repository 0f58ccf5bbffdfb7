package tornadovae.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import tornadovae.engine.Evaluation;
import tornadovae.engine.ReconMetrics;
import tornadovae.engine.Progress;
import tornadovae.engine.VaeSession;

@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Test loss (negative ELBO) and an importance-weighted log-likelihood estimate.",
                "Negative ELBO (reconstruction + KL, one sampled z, as training reports it) and the importance-weighted estimate of -log p(x) with k samples (IWAE bound), in nats per image and bits per dimension, with standard errors over the images.",
                "Also the loss-independent pixel MSE, pixel BCE and PSNR of the reconstructions at z = mu, averaged over the images."})
final class EvalCommand implements Callable<Integer> {
    @Mixin ModelDataOptions m;
    @Option(names = "--k", defaultValue = "1000", description = "importance samples per image (default: ${DEFAULT-VALUE})")
    int k;
    @Option(names = "--limit", defaultValue = "0", description = "evaluate only the first N images; 0 = all (default: ${DEFAULT-VALUE})")
    int limit;
    @Option(names = "--seed", description = "noise seed (default: the training seed + 1, which reproduces the test loss training printed)")
    Long seed;

    @Override
    public Integer call() throws Exception {
        if (k < 1) throw new IllegalArgumentException("--k must be at least 1, got " + k);
        if (k > 100_000) throw new IllegalArgumentException("--k above 100000 is not supported (it holds k weights per image in memory), got " + k);
        CheckpointData cd = m.load();
        int count = cd.count(limit), batch = m.batch(count);
        long noiseSeed = seed != null ? seed : cd.trainSeed(1) + 1;
        Evaluation.Result r;
        ReconMetrics rm;
        try (VaeSession s = cd.openWithDecodeLoss(m.backend, m.device, m.threads(), m.evalBatches(count),
                Evaluation.rowsPerRun(count, batch, k));
             Progress progress = Progress.later("eval", (long) count * k)) {
            r = Evaluation.run(s, cd.data().images(), count, batch, k, noiseSeed, progress);
            rm = ReconMetrics.run(s, cd.data().images(), count, batch);
        }
        System.out.printf("%s, %s split: %,d images of %d values; seed %d%n", m.checkpoint, m.split, count, r.dim(), noiseSeed);
        System.out.printf("negative ELBO  %9.3f ± %.3f nats  (recon %.3f + KL %.3f)  %.4f bits/dim%n",
                r.negElbo(), r.negElboSe(), r.recon(), r.kl(), r.bitsPerDim(r.negElbo()));
        System.out.printf("IWAE, k=%-5d  %9.3f ± %.3f nats  -log p(x) estimate  %.4f bits/dim%n",
                r.k(), r.nll(), r.nllSe(), r.bitsPerDim(r.nll()));
        // the same for every --loss, so runs trained with different losses compare here
        System.out.printf("reconstruction at z = mu, mean per image: pixel MSE %.5f  pixel BCE %.4f nats  PSNR %.2f dB%n",
                rm.mse(), rm.bce(), rm.psnr());
        if (r.gaussianConstant() != 0)
            System.out.printf("mse loss: a Gaussian of variance 1/2; its constant (D/2)·log π = %.3f nats is not included above%n",
                    r.gaussianConstant());
        if (cd.checkpoint().spec().loss().wBce != 0 && cd.checkpoint().spec().loss().wMse != 0)
            System.out.println("bce+mse loss: not a normalised likelihood, so these are scores, not log-likelihoods");
        System.out.printf("%.1f s, %,.0f decoder passes/s%n", r.seconds(), (double) count * k / r.seconds());
        return 0;
    }
}
