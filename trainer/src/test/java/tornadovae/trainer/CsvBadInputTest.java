package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;
import static tornadovae.trainer.CliRun.vae;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.trainer.CliRun.Result;

/** Bad CSV files and options: one sentence naming the file, line and column or the option, exit 1, nothing written. */
class CsvBadInputTest {
    @TempDir Path tmp;

    Path csv(String name, String text) throws Exception {
        Path f = tmp.resolve(name);
        Files.writeString(f, text);
        return f;
    }

    /** A good file of n rows: two numeric columns and a label. */
    static String good(int n) {
        StringBuilder b = new StringBuilder("a,b,kind\n");
        for (int i = 0; i < n; i++) b.append(i % 7).append(',').append(0.5 * (i % 5)).append(i % 3 == 0 ? ",x\n" : ",y\n");
        return b.toString();
    }

    Result train(Path file, String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--dataset", "csv", "--data-file", file.toString(), "--epochs", "1",
                "--batch-size", "16", "--hidden", "8", "--latent", "2", "--out", tmp.resolve("run").toString(), "--quiet", "--threads", "1"));
        args.addAll(List.of(extra));
        return vae(args);
    }

    void refused(Result r, String message) {
        assertEquals(1, r.code(), r.out() + r.err());
        assertEquals("vae: " + message, r.err().strip());
        assertFalse(Files.exists(tmp.resolve("run")), "no run folder for refused data");
    }

    @Test
    void raggedNanBlankAndTextCellsAreRefusedNamingLineAndColumn() throws Exception {
        Path ragged = csv("ragged.csv", "a,b,kind\n1,2,x\n3,4\n");
        refused(train(ragged), ragged + ": line 3 has 2 fields but the header has 3");
        Path nan = csv("nan.csv", "a,b\n1,2\n3,NaN\n");
        refused(train(nan), nan + ": line 3, column 'b': 'NaN' is not a finite number");
        Path blank = csv("blank.csv", "a,b\n1,2\n3,4\n,5\n");
        refused(train(blank), blank + ": line 4, column 'a': the cell is blank");
        Path text = csv("text.csv", "name,city\nann,oslo\nbob,rome\n");
        refused(train(text), text + ": has no numeric column (its first data row has no number outside the label column)");
        Path empty = csv("empty.csv", "");
        refused(train(empty), empty + ": is empty (a CSV file needs a header line of column names)");
        Path header = csv("header.csv", "a,b\n");
        refused(train(header), header + ": has no data rows below its header");
    }

    @Test
    void badOptionsAreRefusedNamingTheOption() throws Exception {
        Path f = csv("good.csv", good(60));
        refused(train(f, "--columns", "a,zz"), f + ": has no column 'zz' (--columns); its columns are a,b,kind");
        refused(train(f, "--label-column", "label"), f + ": has no column 'label' (--label-column); its columns are a,b,kind");
        refused(train(f, "--scale", "robust"), "--scale must be minmax or standard, got 'robust'");
        refused(train(f, "--scale", "standard", "--loss", "bce"), "--scale standard gives values outside [0, 1], which only --loss mse can fit");
        refused(train(f, "--model", "conv"), "--model conv needs images; the rows of --dataset csv need --model mlp");
        refused(vae("train", "--columns", "a", "--out", tmp.resolve("run").toString()), "--columns applies only to --dataset csv, not mnist");
        refused(vae("train", "--dataset", "csv", "--out", tmp.resolve("run").toString()), "--dataset csv needs --data-file, the CSV file");
    }

    @Test
    void skipBadRowsTrainsOnTheRestAndSaysSo() throws Exception {
        Path f = csv("some-bad.csv", good(60) + "1,oops,x\n2,3\n");
        Result r = train(f, "--skip-bad-rows", "--label-column", "kind");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("warning: skipped 2 bad lines of " + f + "; the first: " + f + ": line 62, column 'b': 'oops' is not a finite number"),
                r.out());
        assertTrue(Files.exists(tmp.resolve("run/best.safetensors")));
    }

    @Test
    void scoringABadFileWritesNothing() throws Exception {
        Path f = csv("good.csv", good(60));
        assertEquals(0, train(f, "--label-column", "kind").code());
        Path ckpt = tmp.resolve("run/best.safetensors"), out = tmp.resolve("scores.csv");
        Path bad = csv("bad.csv", "a,b,kind\n1,2,x\n3,inf,y\n");
        Result r = vae("score", "--checkpoint", ckpt.toString(), "--data-file", bad.toString(), "--out", out.toString());
        assertEquals(1, r.code());
        assertEquals("vae: " + bad + ": line 3, column 'b': 'inf' is not a finite number", r.err().strip());
        assertFalse(Files.exists(out));
        Path missing = csv("missing.csv", "a,kind\n1,x\n");
        r = vae("score", "--checkpoint", ckpt.toString(), "--data-file", missing.toString(), "--out", out.toString());
        assertEquals("vae: " + missing + ": has no column 'b' (--columns); its columns are a,kind", r.err().strip());
        assertFalse(Files.exists(out));
        // new rows without the label column are scored without it
        Path unlabelled = csv("new.csv", "b,a\n1,6\n2,0\n");
        r = vae("score", "--checkpoint", ckpt.toString(), "--data-file", unlabelled.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(out);
        assertEquals("index,line,score,recon,kl", lines.get(0));
        assertEquals(3, lines.size());
    }

    @Test
    void aCsvRunResumesWithItsColumnsAndScaler() throws Exception {
        Path f = csv("good.csv", good(60));
        assertEquals(0, train(f, "--label-column", "kind", "--columns", "b,a").code());
        Result r = vae("train", "--resume", tmp.resolve("run").toString(), "--epochs", "2", "--quiet", "--threads", "1");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("epoch 2/2"), r.out());
        try (var m = tornadovae.api.VaeModel.load(tmp.resolve("run/last.safetensors"))) {
            assertEquals(List.of("b", "a"), m.scaler().orElseThrow().columns());
        }
    }
}
