package tornadovae.engine;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;
import org.junit.jupiter.api.parallel.Resources;

/** The bar of long commands (eval, encode, latent-pca): on a terminal only, and only once the work has lasted. */
@ResourceLock(Resources.SYSTEM_ERR)
class ProgressTest {
    /** What {@code run} wrote to stderr. */
    static String stderrOf(Runnable run) {
        PrintStream old = System.err;
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            run.run();
        } finally {
            System.setErr(old);
        }
        return err.toString(StandardCharsets.UTF_8);
    }

    /** 10 steps of a second each on a clock the test moves. */
    static String tenSeconds(boolean terminal, Duration showAfter, long secondsPerStep) {
        AtomicLong now = new AtomicLong();
        return stderrOf(() -> {
            try (Progress p = new Progress("encode", 10, 0, terminal, showAfter, now::get)) {
                for (int i = 0; i < 10; i++) {
                    now.addAndGet(Duration.ofSeconds(secondsPerStep).toNanos());
                    p.stepBy(1);
                }
            }
        });
    }

    @Test
    void longWorkOnATerminalShowsABarWithItsElapsedTime() {
        String err = tenSeconds(true, Progress.SHOW_AFTER, 1);
        assertTrue(err.contains("encode"), err);
        assertTrue(err.contains("10/10"), err);
        // the bar shows at the step that passes 2 s; its elapsed time (the library's clock from then on) starts there
        assertTrue(err.contains("(0:00:02"), "the elapsed time counts from the start, not from when the bar showed: " + err);
    }

    @Test
    void shortWorkShowsNothing() {
        assertEquals("", tenSeconds(true, Progress.SHOW_AFTER, 0));
    }

    @Test
    void noTerminalShowsNothing() {
        assertEquals("", tenSeconds(false, Progress.SHOW_AFTER, 1));
        assertEquals("", tenSeconds(false, Duration.ZERO, 1));
    }

    @Test
    void theLauncherSaysWhetherStderrIsATerminal() {
        String old = System.getProperty("vae.stderr.terminal");
        try {
            System.setProperty("vae.stderr.terminal", "false");
            assertFalse(Progress.stderrIsTerminal());
            System.setProperty("vae.stderr.terminal", "true");
            assertTrue(Progress.stderrIsTerminal());
        } finally {
            if (old == null) System.clearProperty("vae.stderr.terminal");
            else System.setProperty("vae.stderr.terminal", old);
        }
    }
}
