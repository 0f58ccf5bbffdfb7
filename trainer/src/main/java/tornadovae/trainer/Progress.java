package tornadovae.trainer;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on a terminal, nothing when output goes to a file or CI log. */
final class Progress implements AutoCloseable {
    private final ProgressBar bar;

    private Progress(ProgressBar bar) { this.bar = bar; }

    /** A bar of {@code steps} of which {@code done} are already behind (a run resumed mid-epoch). */
    static Progress start(String task, long steps, long done, boolean quiet) {
        if (quiet || !stderrIsTerminal()) return new Progress(null);
        return new Progress(new ProgressBarBuilder().setTaskName(task).setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                .startsFrom(done, java.time.Duration.ZERO).setUpdateIntervalMillis(250).continuousUpdate().build());
    }

    /**
     * Whether the bar's stream, stderr, ends at a terminal. The {@code vae} launcher knows and says so in
     * {@code vae.stderr.terminal}: it passes stderr through a filter, so the JVM itself only ever sees a pipe there.
     * Without the launcher, the JVM's console (stdin and stdout at a terminal) is the best guess Java offers.
     */
    static boolean stderrIsTerminal() {
        String said = System.getProperty("vae.stderr.terminal");
        if (said != null) return Boolean.parseBoolean(said);
        var console = System.console();
        return console != null && console.isTerminal();
    }

    void step(String message) {
        if (bar == null) return;
        bar.step();
        bar.setExtraMessage(message);
    }

    @Override public void close() { if (bar != null) bar.close(); }
}
