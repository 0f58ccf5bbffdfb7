package tornadovae.scripts;

import static org.junit.jupiter.api.Assertions.*;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The {@code vae} launcher filters the JVM's stderr to drop the incubator-module warning. A line filter (grep) held
 * the progress bar's "\r" redraws until a newline, a whole epoch of silence in a terminal: the filter must drop the
 * warning and pass a redraw on as soon as it is written.
 */
class LauncherStderrTest {
    static final Path ROOT = TornadoEnvTest.ROOT;

    @Test
    void dropsTheWarningAndPassesRedrawsOnAtOnce() throws Exception {
        String vae = Files.readString(ROOT.resolve("vae"));
        int from = vae.indexOf("jvm_stderr() {");
        assertTrue(from >= 0, "the launcher has no jvm_stderr filter");
        String function = vae.substring(from, vae.indexOf("\n}\n", from) + 3);
        // What a JVM writes: a picked-up note, the warning, a line, then a bar redrawn every second.
        String jvm = "{ printf 'Picked up JAVA_TOOL_OPTIONS: -Xmx1g\\n'; "
                + "printf 'WARNING: Using incubator modules: jdk.incubator.vector\\n'; printf 'epoch 1\\n'; "
                + "printf '\\rbar 1'; sleep 3; printf '\\rbar 2'; sleep 1; printf '\\n'; }";
        Process p = new ProcessBuilder("bash", "-c", function + jvm + " | jvm_stderr").redirectErrorStream(true).start();
        long start = System.nanoTime();
        InputStream in = p.getInputStream();
        StringBuilder seen = new StringBuilder();
        while (!seen.toString().contains("bar 1")) {
            int c = in.read();
            assertNotEquals(-1, c, "ended early: " + seen);
            seen.append((char) c);
        }
        double firstRedraw = (System.nanoTime() - start) / 1e9;
        assertTrue(firstRedraw < 2.5, "the first redraw came after " + firstRedraw + " s, with the next one (at 3 s)");
        seen.append(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(0, p.waitFor());
        assertEquals("Picked up JAVA_TOOL_OPTIONS: -Xmx1g\nepoch 1\n\rbar 1\rbar 2\n", seen.toString());
    }

    @Test
    void passesOutputWithoutTheWarningWhole() throws Exception {
        String vae = Files.readString(ROOT.resolve("vae"));
        int from = vae.indexOf("jvm_stderr() {");
        assertTrue(from >= 0, "the launcher has no jvm_stderr filter");
        String function = vae.substring(from, vae.indexOf("\n}\n", from) + 3);
        Process p = new ProcessBuilder("bash", "-c", function + "printf 'a\\nb\\nno newline' | jvm_stderr").start();
        assertEquals("a\nb\nno newline", new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(0, p.waitFor());
    }
}
