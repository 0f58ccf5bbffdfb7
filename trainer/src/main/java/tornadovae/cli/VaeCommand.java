package tornadovae.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import picocli.CommandLine.Command;
import picocli.CommandLine;
import tornadovae.trainer.TrainingDivergedException;

/** The `vae` command line: train, sample, reconstruct, eval, latent pictures, encode, decode, score, import-torch, export-torch, demo, data fetch, devices, bench. */
@Command(name = "vae", mixinStandardHelpOptions = true, version = "tornado-vae 0.1.0",
        description = "Train and run variational autoencoders on the JVM or on TornadoVM devices.",
        subcommands = {TrainCommand.class, SampleCommand.class, ReconstructCommand.class, EvalCommand.class,
                LatentPcaCommand.class, ManifoldCommand.class, InterpolateCommand.class, EncodeCommand.class, DecodeCommand.class, ScoreCommand.class, ImportTorchCommand.class, ExportTorchCommand.class, CompareCommand.class, DemoCommand.class, DataCommand.class,
                DevicesCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class VaeCommand implements Runnable {

    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { throw new CommandLine.ParameterException(spec.commandLine(), "name a command: train, sample, reconstruct, eval, latent-pca, manifold, interpolate, encode, decode, score, import-torch, export-torch, compare, demo, data, devices or bench"); }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(execute(args));
    }

    /** Runs the command line and returns the exit code: 0 ok, 1 bad input or failure, 2 usage error, 3 diverged. */
    public static int execute(String... args) {
        return execute(new java.io.PrintWriter(System.err, true), args);
    }

    /** As {@link #execute(String...)}, with error messages going to {@code err}. */
    public static int execute(java.io.PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new VaeCommand());
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            if (e instanceof TrainingDivergedException) {
                cmd.getErr().println("vae: " + msg);
                return 3;
            }
            if (e instanceof IllegalArgumentException || e instanceof IOException || e instanceof UncheckedIOException) {
                cmd.getErr().println("vae: " + msg);
                return 1;
            }
            throw e;
        });
        return cl.execute(args);
    }
}
