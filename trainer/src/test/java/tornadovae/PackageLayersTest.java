package tornadovae;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The trainer module's packages are layers (docs/ARCHITECTURE.md): engine runs a model and imports none of the
 * others; report and api import engine only; trainer imports engine and report; cli may import them all. So no
 * two packages import each other. Read from the sources: an import or a qualified name is a dependency.
 */
class PackageLayersTest {
    static final Path SOURCES = Path.of("src/main/java/tornadovae");
    static final Map<String, Set<String>> ALLOWED = Map.of(
            "engine", Set.of(),
            "report", Set.of("engine"),
            "api", Set.of("engine"),
            "trainer", Set.of("engine", "report"),
            "cli", Set.of("engine", "report", "trainer", "api"));
    static final Pattern USE = Pattern.compile("\\btornadovae\\.(" + String.join("|", ALLOWED.keySet()) + ")\\.");

    @Test
    void eachPackageImportsOnlyTheLayersBelowIt() throws IOException {
        List<String> wrong = new ArrayList<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                String pkg = SOURCES.relativize(f.getParent()).toString();
                assertTrue(ALLOWED.containsKey(pkg), f + " is in a package this test does not know: add its layer");
                Matcher m = USE.matcher(Files.readString(f));
                while (m.find())
                    if (!m.group(1).equals(pkg) && !ALLOWED.get(pkg).contains(m.group(1)))
                        wrong.add(f + " uses tornadovae." + m.group(1));
            }
        }
        assertEquals(List.of(), wrong);
    }
}
