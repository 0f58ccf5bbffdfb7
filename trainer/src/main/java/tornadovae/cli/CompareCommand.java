package tornadovae.cli;

import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import tornadovae.report.Comparison;
import tornadovae.report.ComparisonPage;

@Command(name = "compare", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compare finished runs: the settings that differ, best and last test loss, pixel MSE, BCE and PSNR.",
                "Prints a Markdown table, ranked by test PSNR (which does not depend on the loss), and writes it as compare.md and compare.csv.",
                "Also writes compare.png (test loss and metrics per epoch, every run overlaid) and compare.html (all of it, with the runs' latest sample and reconstruction grids side by side; it opens from disk)."})
final class CompareCommand implements Callable<Integer> {
    @Parameters(paramLabel = "RUN_DIR", arity = "0..*", description = "two or more run folders (each with metrics.csv and last.safetensors)")
    List<Path> runs = List.of();
    @Option(names = "--out", description = "folder for the comparison's files (default: runs/compare-<time>)")
    Path out;

    @Override
    public Integer call() throws Exception {
        List<Comparison.Run> read = Comparison.readAll(runs);   // refuses bad input before anything is written
        Path dir = out != null ? out : defaultOut();
        System.out.print(run(dir, read));
        return 0;
    }

    static Path defaultOut() {
        return Path.of("runs", "compare-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")));
    }

    /** Writes the comparison into {@code dir} and returns what to print: the table, its caption and where the files are. */
    static String run(Path dir, List<Comparison.Run> runs) throws java.io.IOException {
        String md = ComparisonPage.write(dir, runs);
        return md + "\n" + Comparison.CAPTION + "\ncomparison written to " + dir.resolve("compare.html") + " (and compare.md, compare.csv, compare.png)\n";
    }
}
