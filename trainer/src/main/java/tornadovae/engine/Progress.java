package tornadovae.engine;

import java.time.Duration;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar with an ETA on a terminal, nothing when stderr goes to a file or CI log. It lives in engine so that
 * the engine's and the report's long loops (evaluation, encoding) can step it, as the trainer's epochs do.
 */
public final class Progress implements AutoCloseable {
    /** Work that ends sooner than this shows no bar ({@link #later}): a bar that flashes up and is gone is noise. */
    public static final Duration SHOW_AFTER = Duration.ofSeconds(2);

    private final String task;
    private final long steps;
    private final boolean terminal;
    private final long showAfterNanos, startNanos;
    private final LongSupplier clock;
    private long done;
    private ProgressBar bar;

    Progress(String task, long steps, long done, boolean terminal, Duration showAfter, LongSupplier clock) {
        this.task = task;
        this.steps = steps;
        this.done = done;
        this.terminal = terminal;
        this.showAfterNanos = showAfter.toNanos();
        this.clock = clock;
        this.startNanos = clock.getAsLong();
        if (terminal && showAfterNanos == 0) show();
    }

    /** A bar shown at once, of {@code steps} of which {@code done} are already behind (a run resumed mid-epoch). */
    public static Progress start(String task, long steps, long done, boolean quiet) {
        return new Progress(task, steps, done, !quiet && stderrIsTerminal(), Duration.ZERO, System::nanoTime);
    }

    /** A bar that shows up only once the work has taken {@link #SHOW_AFTER}, its elapsed time counted from now. */
    public static Progress later(String task, long steps) {
        return new Progress(task, steps, 0, stderrIsTerminal(), SHOW_AFTER, System::nanoTime);
    }

    /** No bar. */
    public static Progress none() { return new Progress("", 0, 0, false, Duration.ZERO, () -> 0); }

    /**
     * Whether the bar's stream, stderr, ends at a terminal. The {@code vae} launcher knows and says so in
     * {@code vae.stderr.terminal}: it passes stderr through a filter, so the JVM itself only ever sees a pipe there.
     * Without the launcher, the JVM's console (stdin and stdout at a terminal) is the best guess Java offers.
     */
    public static boolean stderrIsTerminal() {
        String said = System.getProperty("vae.stderr.terminal");
        if (said != null) return Boolean.parseBoolean(said);
        var console = System.console();
        return console != null && console.isTerminal();
    }

    private void show() {
        long elapsed = clock.getAsLong() - startNanos;
        bar = new ProgressBarBuilder().setTaskName(task).setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                .startsFrom(done, Duration.ofNanos(elapsed)).setUpdateIntervalMillis(250).continuousUpdate().build();
    }

    /** One step done, with a message after the bar (the trainer's loss). */
    public void step(String message) {
        stepBy(1);
        if (bar != null) bar.setExtraMessage(message);
    }

    public void stepBy(long n) {
        done += n;
        if (bar != null) bar.stepBy(n);
        else if (terminal && clock.getAsLong() - startNanos >= showAfterNanos) show();
    }

    @Override public void close() { if (bar != null) bar.close(); }
}
