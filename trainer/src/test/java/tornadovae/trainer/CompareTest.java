package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.cli.VaeCommand;

/** vae compare over two tiny runs trained with different losses, and a sweep that trains and compares in one command. */
class CompareTest {
    @TempDir static Path tmp;
    static Path data, sweep, bce, mse;

    /** The two runs come from one sweep: `train --loss bce,mse` trains both into sibling folders and compares them. */
    @BeforeAll
    static void sweepTwoLosses() throws Exception {
        data = TinyMnist.write(tmp.resolve("data"), 200, 40);
        sweep = tmp.resolve("sweep");
        assertEquals(0, VaeCommand.execute("train", "--data-dir", data.toString(), "--epochs", "1", "--batch-size", "50",
                "--hidden", "32", "--latent", "2", "--loss", "bce,mse", "--out", sweep.toString(), "--quiet", "--threads", "2"));
        bce = sweep.resolve("loss-bce");
        mse = sweep.resolve("loss-mse");
    }

    @Test
    void theSweepTrainedEachLossIntoItsOwnFolderAndComparedThem() throws Exception {
        for (Path run : List.of(bce, mse)) assertTrue(Files.isRegularFile(run.resolve("last.safetensors")), run.toString());
        assertEquals("mse", tornadovae.engine.Checkpoints.load(mse.resolve("last.safetensors")).spec().loss().cliName);
        List<String> csv = Files.readAllLines(sweep.resolve("compare.csv"));
        assertEquals(3, csv.size(), csv.toString());
        assertTrue(Files.isRegularFile(sweep.resolve("compare.html")));
    }

    @Test
    void aSweepCannotBeResumed() {
        StringWriter err = new StringWriter();
        assertEquals(1, VaeCommand.execute(new PrintWriter(err, true), "train", "--resume", bce.toString(), "--loss", "bce,mse"));
        assertTrue(err.toString().contains("--resume continues one run, not a sweep"), err.toString());
    }

    @Test
    void theTableRanksTheRunsByPsnrAndThePageReferencesImagesThatExist() throws Exception {
        Path out = tmp.resolve("cmp");
        assertEquals(0, VaeCommand.execute("compare", bce.toString(), mse.toString(), "--out", out.toString()));
        List<String> csv = Files.readAllLines(out.resolve("compare.csv"));
        assertEquals(3, csv.size(), "header and one row per run: " + csv);
        List<String> cols = List.of(csv.get(0).split(","));
        assertTrue(cols.contains("loss"), "the differing setting is a column: " + cols);
        assertFalse(cols.contains("latent"), "settings the runs share are left out: " + cols);
        int psnr = cols.indexOf("test_psnr_db"), rank = cols.indexOf("rank");
        double first = Double.parseDouble(csv.get(1).split(",")[psnr]), second = Double.parseDouble(csv.get(2).split(",")[psnr]);
        assertEquals("1", csv.get(1).split(",")[rank]);
        assertTrue(first >= second, "ranked by PSNR, best first: " + csv);
        String md = Files.readString(out.resolve("compare.md"));
        assertTrue(md.startsWith("| rank | run | loss |"), md);
        String html = Files.readString(out.resolve("compare.html"));
        Matcher m = Pattern.compile("<img src=\"([^\"]+)\"").matcher(html);
        int images = 0;
        for (; m.find(); images++) {
            assertFalse(m.group(1).contains("/"), "images lie beside the page: " + m.group(1));
            assertTrue(Files.size(out.resolve(m.group(1))) > 100, m.group(1));
        }
        assertEquals(5, images, "the curves and each run's sample and reconstruction grids");
    }

    @Test
    void comparisonOpensInHeadlessChromiumWithEveryImageLoaded() throws Exception {
        Path browser = HeadlessChromium.find();
        org.junit.jupiter.api.Assumptions.assumeTrue(browser != null, "no chromium on PATH");
        String dom = HeadlessChromium.dumpDom(browser, sweep.resolve("compare.html"));
        assertTrue(dom.contains("data-images-loaded=\"5/5\""), dom.length() > 300 ? dom.substring(dom.length() - 300) : dom);
    }

    @Test
    void badInputIsOneSentenceNamingThePath() throws Exception {
        StringWriter err = new StringWriter();
        assertEquals(1, VaeCommand.execute(new PrintWriter(err, true), "compare", bce.toString()));
        assertTrue(err.toString().contains("at least 2 run folders") && err.toString().contains(bce.toString()), err.toString());
        err.getBuffer().setLength(0);
        assertEquals(1, VaeCommand.execute(new PrintWriter(err, true), "compare", bce.toString(), data.toString()));
        assertTrue(err.toString().contains(data + " is not a run folder"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }
}
