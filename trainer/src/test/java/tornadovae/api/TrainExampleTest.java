package tornadovae.api;

import static org.junit.jupiter.api.Assertions.*;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The library training example, docs/examples/TrainExample.java (the README's), compiles and runs as written in a
 * fresh JVM: it trains on 10,000 rows in memory, its callback stops training before the last epoch, the returned
 * model scores the odd rows above the normal ones, and nothing is written to its working folder.
 */
class TrainExampleTest {
    @TempDir Path tmp;

    static Path example() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docs/examples/TrainExample.java"))) dir = dir.getParent();
        assertNotNull(dir, "docs/examples/TrainExample.java not found above " + Path.of("").toAbsolutePath());
        return dir.resolve("docs/examples/TrainExample.java");
    }

    @Test
    void theExampleTrainsStopsEarlyAndScoresWithoutWritingFiles() throws Exception {
        Path classes = Files.createDirectories(tmp.resolve("classes")), work = Files.createDirectories(tmp.resolve("work"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter diagnostics = new StringWriter();
        boolean ok = javac.getTask(diagnostics, null, null,
                List.of("-d", classes.toString(), "-cp", System.getProperty("java.class.path")), null,
                javac.getStandardFileManager(null, null, null).getJavaFileObjects(example())).call();
        assertTrue(ok, "the example does not compile:\n" + diagnostics);

        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules=jdk.incubator.vector", "-Xmx1g",
                "-cp", classes + java.io.File.pathSeparator + System.getProperty("java.class.path"), "TrainExample")
                .directory(work.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);

        Matcher m = Pattern.compile("stopped after epoch (\\d+) of 100; mean anomaly score: normal rows (\\S+), odd rows (\\S+)").matcher(out);
        assertTrue(m.find(), out);
        System.out.print(out);   // the numbers, for a reader of the build log
        int stopped = Integer.parseInt(m.group(1));
        assertTrue(stopped > 1 && stopped < 100, "the callback stopped training early: " + out);
        assertTrue(Double.parseDouble(m.group(3)) > 2 * Double.parseDouble(m.group(2)), "odd rows score higher: " + out);
        try (Stream<Path> files = Files.list(work)) {
            assertEquals(List.of(), files.toList(), "the example wrote files");
        }
    }

    /** Where the README shows the example (a block after a train-example marker), it shows this file as it is. */
    @Test
    void theReadmeShowsTheExampleAsItIs() throws Exception {
        Path readme = example().getParent().getParent().getParent().resolve("README.md");
        Matcher m = Pattern.compile("<!-- train-example: docs/examples/TrainExample\\.java[^>]*-->\\s*```java\\n(.*?)```", Pattern.DOTALL)
                .matcher(Files.readString(readme));
        org.junit.jupiter.api.Assumptions.assumeTrue(m.find(), "the README does not show the training example yet");
        assertEquals(Files.readString(example()), m.group(1), "README.md's copy of docs/examples/TrainExample.java differs from the file");
    }
}
