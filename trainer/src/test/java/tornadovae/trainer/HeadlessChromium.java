package tornadovae.trainer;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Headless Chromium for checking pages from disk; optional (CI has none). */
final class HeadlessChromium {
    private HeadlessChromium() {}

    /** The browser on PATH, or null. */
    static Path find() {
        for (String name : List.of("chromium", "chromium-browser", "google-chrome")) {
            for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p)) return p;
            }
        }
        return null;
    }

    /** The DOM after the page's load handlers ran, as --dump-dom prints it. */
    static String dumpDom(Path browser, Path page) throws IOException, InterruptedException {
        Path profile = Files.createTempDirectory("chromium-profile");
        try {
            List<String> cmd = new ArrayList<>(List.of(browser.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
                    "--user-data-dir=" + profile, "--virtual-time-budget=5000", "--dump-dom", page.toUri().toString()));
            Path out = Files.createTempFile("dom", ".html");
            Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("chromium did not finish within 120 s");
            }
            String dom = Files.readString(out, StandardCharsets.UTF_8);
            Files.delete(out);
            return dom;
        } finally {
            try (var files = Files.walk(profile)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
