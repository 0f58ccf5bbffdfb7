package tornadovae.cli;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine;
import tornadovae.trainer.TrainOptions;

/**
 * `vae train`'s options parsed for another launcher of the same training loop (the spark module's `vae spark
 * train`), so that both take the same model and training options with the same defaults and checks. One run
 * only: a sweep or --resume is refused here.
 */
public final class TrainArgs {
    private TrainArgs() {}

    /** The options `vae train` would run with for these arguments (--checkpoint-every included). */
    public static TrainOptions parse(String... args) {
        TrainCommand c = new TrainCommand();
        try {
            new CommandLine(c).parseArgs(args);
        } catch (CommandLine.ParameterException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
        if (c.resume != null) throw new IllegalArgumentException("--resume is not supported here; start a new run");
        Sweep sweep = new Sweep(c);
        if (sweep.size() > 1)
            throw new IllegalArgumentException("one run at a time here: give --loss, --beta, --latent and --lr one value each");
        sweep.select(0);
        tornadovae.engine.Backends.checkOptions(c.backend, c.device, c.threads != null ? c.threads : 1);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path out = c.out != null ? c.out : Path.of("runs", c.dataset + "-" + c.model + "-" + stamp);
        return c.options(out).withCheckpointEvery(c.checkpointEvery);
    }

    /** The help text of `vae train`'s options, to show beside another launcher's own. */
    public static String usage() {
        return new CommandLine(new TrainCommand()).getUsageMessage();
    }
}
