package tornadovae.kernels.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Oclgrind test mode ({@code -Poclgrind}; see the profile in tornado-kernels' pom): every group of
 * {@link OclgrindCheck} runs in a child JVM on the Oclgrind device with its data-race checks on, and fails on
 * any diagnostic Oclgrind prints, on a result that differs from the reference, and unless the child says it
 * ran on a device named Oclgrind (so a run that fell back to PoCL or to Java fails).
 *
 * <p>Why a child JVM: Oclgrind writes its diagnostics to the process's stderr from native code, around the JVM's
 * own streams, so only the parent of that process can read them.
 *
 * <p>Why not OCLGRIND_UNINITIALIZED: with TornadoVM 5.2 it reports every value a kernel loads from an array the
 * host transferred as uninitialized ("Uninitialized value written to local memory", "Controlflow depends on
 * uninitialized value"), the SGEMM kernels already on main included, at a[0] of a fully written array: Oclgrind
 * does not see TornadoVM's copies as initialising the buffer. {@value #UNINITIALIZED_PROPERTY}=true turns it on.
 */
@Tag("oclgrind")
class OclgrindTest {
    static final String UNINITIALIZED_PROPERTY = "oclgrind.uninitialized";
    private static final long TIMEOUT_MINUTES = 20;

    /**
     * Lines that are Oclgrind diagnostics: invalid accesses, races, divergence, uninitialised values, API errors,
     * and the indented "Kernel:"/"Entity:" lines every one of them carries (so a message worded in a way this
     * list does not know still fails the test).
     */
    static final Pattern DIAGNOSTIC = Pattern.compile(
            "(?i)(invalid (read|write)|data race|uninitiali[sz]ed|divergence|runtime error|errors generated"
                    + "|^\\s+Kernel: |^\\s+Entity: )");

    /** System property: a comma-separated subset of the groups to run (all by default). */
    static final String ONLY_PROPERTY = "oclgrind.only";

    static List<String> groups() {
        String only = System.getProperty(ONLY_PROPERTY, "").trim();
        if (only.isEmpty()) return OclgrindCheck.GROUPS;
        List<String> l = List.of(only.split(","));
        for (String g : l)
            if (!OclgrindCheck.GROUPS.contains(g)) throw new IllegalArgumentException(ONLY_PROPERTY + ": no group " + g);
        return l;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("groups")
    void runsCleanOnOclgrind(String group) throws Exception {
        Child child = run(group);
        String device = child.lines().stream().filter(l -> l.startsWith(OclgrindCheck.DEVICE_LINE)).findFirst()
                .orElseGet(() -> fail("the check did not name its device (exit " + child.exit() + "):\n" + child.tail()));
        System.out.println(group + ": " + device + ", " + child.seconds() + " s");
        assertTrue(device.toLowerCase().contains("oclgrind"), "ran on " + device + ", not Oclgrind");
        List<String> diagnostics = diagnostics(child.lines());
        if (!diagnostics.isEmpty())
            fail(diagnostics.size() + " Oclgrind diagnostic lines in " + group + ", the first:\n"
                    + String.join("\n", diagnostics.subList(0, Math.min(12, diagnostics.size()))));
        assertEquals(0, child.exit(), "the check failed:\n" + child.tail());
        assertTrue(child.lines().contains(OclgrindCheck.OK_LINE + group), "no OK line:\n" + child.tail());
    }

    static List<String> diagnostics(List<String> lines) {
        List<String> d = new ArrayList<>();
        for (String l : lines) if (!l.startsWith("OCLGRIND-CHECK") && DIAGNOSTIC.matcher(l).find()) d.add(l);
        return d;
    }

    record Child(int exit, List<String> lines, long seconds) {
        String tail() { return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size())); }
    }

    /** Runs OclgrindCheck's group in a JVM started as this one (TornadoVM's argfile), stdout and stderr in one file. */
    static Child run(String group) throws IOException, InterruptedException {
        String home = System.getenv("TORNADOVM_HOME");
        if (home == null) fail("TORNADOVM_HOME is not set: the Oclgrind mode runs with the tornadovm profile");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + home + File.separator + "tornado-argfile", "-Dtornado.recover.bailout=False",
                "-Dtornado.tvm.maxbytecodesize=65536", "-Xmx2g", "-cp", classPath, OclgrindCheck.class.getName(), group));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> env = pb.environment();
        env.put("OCLGRIND_DATA_RACES", "1");
        if (Boolean.getBoolean(UNINITIALIZED_PROPERTY)) env.put("OCLGRIND_UNINITIALIZED", "1");
        else env.remove("OCLGRIND_UNINITIALIZED");
        env.remove("OCLGRIND_INST_COUNTS");   // its histogram is not a diagnostic, and is long
        Path log = Files.createTempFile("oclgrind-" + group, ".log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail(group + " ran longer than " + TIMEOUT_MINUTES + " minutes on Oclgrind; its output is in " + log);
        }
        List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
        Files.delete(log);
        return new Child(p.exitValue(), lines, (System.nanoTime() - t0) / 1_000_000_000L);
    }
}
