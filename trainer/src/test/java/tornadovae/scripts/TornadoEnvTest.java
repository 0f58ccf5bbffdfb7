package tornadovae.scripts;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * tornado.env must recognise JDK 25 when JAVA_TOOL_OPTIONS is set (the README suggests it for -Xmx): the JVM then
 * prints "Picked up JAVA_TOOL_OPTIONS: ..." before its version line, and reading that line as the version made
 * tornado.env pass over JDK 25 and leave an older java on the PATH.
 */
class TornadoEnvTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path JDK = Path.of(System.getProperty("java.home"));

    /** Sources tornado.env in bash with this JAVA_HOME and JAVA_TOOL_OPTIONS; returns [JAVA_HOME after, stderr]. */
    static String[] source(Path javaHome) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", ". ./tornado.env; printf %s \"$JAVA_HOME\"").directory(ROOT.toFile());
        pb.environment().put("JAVA_HOME", javaHome.toString());
        pb.environment().put("JAVA_TOOL_OPTIONS", "-Xmx300m");
        pb.environment().put("TORNADOVM_HOME", "none");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), err);
        return new String[]{out, err};
    }

    @Test
    void findsJdk25WithJavaToolOptionsSet() throws Exception {
        assertEquals(25, Runtime.version().feature(), "the tests run on JDK 25");
        String[] r = source(JDK);
        assertTrue(r[1].contains("JDK 25 at " + JDK), r[1]);
        assertEquals(JDK.toString(), r[0]);
    }

    /** A JDK without a release file (some custom images): the version comes from `java -version`, Picked-up line or not. */
    @Test
    void findsJdk25WithoutAReleaseFile(@TempDir Path tmp) throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("jdk/bin"));
        for (String tool : List.of("java", "javac")) Files.createSymbolicLink(bin.resolve(tool), JDK.resolve("bin").resolve(tool));
        String[] r = source(tmp.resolve("jdk"));
        assertTrue(r[1].contains("JDK 25 at " + tmp.resolve("jdk")), r[1]);
    }
}
