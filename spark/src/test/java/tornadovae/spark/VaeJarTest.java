package tornadovae.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** Spark is provided: the trainer's fat jar gets none of it, nor this module's classes. */
class VaeJarTest {
    @Test
    void vaeJarHasNoSparkClass() throws IOException {
        Path jar = Path.of("../trainer/target/vae.jar");
        // built by the reactor's package phase before this module's tests (`mvnw verify`); `mvnw test` has none
        assumeTrue(Files.isRegularFile(jar), "no " + jar + " (run the package phase)");
        try (JarFile j = new JarFile(jar.toFile())) {
            List<String> spark = j.stream().map(e -> e.getName())
                    .filter(n -> n.startsWith("org/apache/spark/") || n.startsWith("scala/") || n.startsWith("tornadovae/spark/"))
                    .limit(5).toList();
            assertEquals(List.of(), spark);
        }
    }
}
