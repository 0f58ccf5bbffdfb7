package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.cli.CheckpointData;
import tornadovae.cli.VaeCommand;
import tornadovae.engine.Checkpoints;
import tornadovae.io.report.ScatterPlot;

/** Class names of an image folder's subfolders, from training through the checkpoint to encode's CSV and the PCA legend. */
class ClassNamesTest {
    @TempDir static Path tmp;
    static Path data, run;

    @BeforeAll
    static void trainOnce() throws Exception {
        data = tmp.resolve("pets");
        for (int i = 0; i < 6; i++) {
            ImageFolderTrainTest.write(data.resolve("cats/c" + i + ".png"), ImageFolderTrainTest.image(8, 8, 0xE0 - i, 0x40, 0x20), "png");
            ImageFolderTrainTest.write(data.resolve("dogs/d" + i + ".png"), ImageFolderTrainTest.image(8, 8, 0x20, 0x60, 0xE0 - i), "png");
        }
        run = tmp.resolve("run");
        // a latent space of 3: the picture is the PCA scatter plot, whose legend names the series
        assertEquals(0, VaeCommand.execute("train", "--dataset", "folder", "--data-dir", data.toString(), "--image-size", "8",
                "--epochs", "1", "--batch-size", "4", "--hidden", "16", "--latent", "3", "--out", run.toString(),
                "--quiet", "--threads", "1"));
    }

    static String vae(String... args) {
        StringWriter err = new StringWriter();
        assertEquals(0, VaeCommand.execute(new PrintWriter(err, true), args), err.toString());
        return err.toString();
    }

    @Test
    void everyCheckpointOfTheRunHoldsTheSubfolderNames() throws Exception {
        for (String f : new String[]{"last.safetensors", "best.safetensors", "resume.safetensors"}) {
            Map<String, String> meta = Checkpoints.load(run.resolve(f)).metadata();
            assertEquals("[\"cats\",\"dogs\"]", meta.get("train.class_names"), f);
            assertEquals(List.of("cats", "dogs"), CheckpointMetadata.classNames(meta), f);
        }
        assertTrue(Files.readString(run.resolve("index.html")).contains("train.class_names"), "listed in the report's settings");
    }

    @Test
    void encodeWritesTheClassNameInALastColumn() throws Exception {
        Path csv = tmp.resolve("codes.csv");
        vae("encode", "--checkpoint", run.resolve("last.safetensors").toString(), "--dataset", "folder", "--data-dir",
                data.toString(), "--split", "train", "--out", csv.toString());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("index,label,mu_0,mu_1,mu_2,logvar_0,logvar_1,logvar_2,class", lines.get(0));
        boolean cats = false, dogs = false;
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            assertEquals(f[1].equals("0") ? "cats" : "dogs", f[f.length - 1], line);
            cats |= f[f.length - 1].equals("cats");
            dogs |= f[f.length - 1].equals("dogs");
        }
        assertTrue(cats && dogs, "both classes in the training split: " + lines);
    }

    @Test
    void thePcaLegendNamesTheClasses() throws Exception {
        CheckpointData cd = CheckpointData.load(run.resolve("last.safetensors"), "folder", data, "train");
        int n = cd.data().count();
        // the series latent-pca draws (LatentPictures.writePcaScatter builds them this way), one per label
        var series = ScatterPlot.byLabel(new double[n], new double[n], cd.data().labels(), cd.classNames(), 5);
        assertEquals(List.of("cats", "dogs"), series.stream().map(ScatterPlot.Series::name).toList());
        Path png = tmp.resolve("pca.png");
        vae("latent-pca", "--checkpoint", run.resolve("last.safetensors").toString(), "--dataset", "folder",
                "--data-dir", data.toString(), "--split", "train", "--out", png.toString());
        assertTrue(Files.size(png) > 100);
    }

    @Test
    void withoutNamesLabelsAreNumbers() {
        assertEquals(List.of(), CheckpointMetadata.classNames(Map.of()), "a checkpoint from before names were kept");
        var series = ScatterPlot.byLabel(new double[3], new double[3], new int[]{1, 0, 1}, List.of(), 5);
        assertEquals(List.of("0", "1"), series.stream().map(ScatterPlot.Series::name).toList());
    }

    @Test
    void storedNamesAreCheckedAsDataFromAStranger() throws Exception {
        String many = "[" + "\"a\",".repeat(CheckpointMetadata.MAX_CLASSES) + "\"b\"]";
        for (String bad : new String[]{"cats,dogs", "{\"a\":1}", "[1,2]", "[\"a\",\"a\"]", many,
                "[\"" + "x".repeat(CheckpointMetadata.MAX_CLASS_NAME_CHARS + 1) + "\"]"}) {
            var e = assertThrows(IllegalArgumentException.class, () -> CheckpointMetadata.classNames(Map.of("train.class_names", bad)));
            assertTrue(e.getMessage().startsWith("its 'train.class_names' is not "), e.getMessage());
        }
        // a name with a comma or quote survives the round trip
        Map<String, String> m = CheckpointMetadata.withClassNames(new LinkedHashMap<>(), List.of("a, b", "say \"hi\""));
        assertEquals(List.of("a, b", "say \"hi\""), CheckpointMetadata.classNames(m));

        // a checkpoint with a garbled entry is refused in one sentence naming the file
        Checkpoints.Loaded c = Checkpoints.load(run.resolve("last.safetensors"));
        Map<String, String> meta = new LinkedHashMap<>(c.metadata());
        meta.put("train.class_names", "[1,2]");
        Path garbled = tmp.resolve("garbled.safetensors");
        Checkpoints.save(garbled, c.vae(), c.params(), meta);
        StringWriter err = new StringWriter();
        assertEquals(1, VaeCommand.execute(new PrintWriter(err, true), "encode", "--checkpoint", garbled.toString(),
                "--dataset", "folder", "--data-dir", data.toString(), "--out", tmp.resolve("never.csv").toString()));
        assertTrue(err.toString().contains(garbled + ": has unusable class names: its 'train.class_names' is not"), err.toString());
        assertEquals(1, err.toString().strip().lines().count(), err.toString());
    }
}
