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
        var console = System.console();
        boolean terminal = !quiet && console != null && console.isTerminal();
        if (!terminal) return new Progress(null);
        return new Progress(new ProgressBarBuilder().setTaskName(task).setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                .startsFrom(done, java.time.Duration.ZERO).setUpdateIntervalMillis(250).continuousUpdate().build());
    }

    void step(String message) {
        if (bar == null) return;
        bar.step();
        bar.setExtraMessage(message);
    }

    @Override public void close() { if (bar != null) bar.close(); }
}
