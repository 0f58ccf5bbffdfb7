package tornadovae.api;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's embedding example compiles and runs as written: in this JVM, and in a plain JVM without the Vector API. */
class ReadmeExampleTest {
    @TempDir Path tmp;

    static String exampleSource() throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("README.md"))) dir = dir.getParent();
        assertNotNull(dir, "README.md not found above " + Path.of("").toAbsolutePath());
        String readme = Files.readString(dir.resolve("README.md"));
        Matcher m = Pattern.compile("<!-- embedding-example: EmbedExample\\.java[^>]*-->\\s*```java\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(m.find(), "README.md has no embedding example block");
        return m.group(1);
    }

    @Test
    void theReadmeExampleCompilesAndRuns() throws Exception {
        Path src = tmp.resolve("src/EmbedExample.java"), classes = tmp.resolve("classes");
        Files.createDirectories(src.getParent());
        Files.createDirectories(classes);
        Files.writeString(src, exampleSource());
        Path checkpoint = TestCheckpoints.write(tmp.resolve("best.safetensors"));

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        boolean ok = javac.getTask(diagnostics, null, null,
                List.of("-d", classes.toString(), "-cp", System.getProperty("java.class.path")), null,
                javac.getStandardFileManager(null, null, null).getJavaFileObjects(src)).call();
        assertTrue(ok, "the README example does not compile:\n" + diagnostics);

        String out;
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true));
        try (URLClassLoader loader = new URLClassLoader(new URL[]{classes.toUri().toURL()}, getClass().getClassLoader())) {
            Method main = loader.loadClass("EmbedExample").getMethod("main", String[].class);
            main.invoke(null, (Object) new String[]{checkpoint.toString()});
        } finally {
            System.setOut(old);
        }
        out = buf.toString();
        assertTrue(out.matches("(?s)latent 5, 4 samples of 784 pixels, anomaly score \\d+\\.\\d\\s*"), out);

        // the same class in a fresh JVM with nothing but the class path: no Vector API module, no TornadoVM
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", classes + java.io.File.pathSeparator + System.getProperty("java.class.path"), "EmbedExample",
                checkpoint.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String child = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), child);
        assertEquals(out.strip(), child.strip(), "the reference loops agree with the Vector API kernels to the printed digit");
    }
}
