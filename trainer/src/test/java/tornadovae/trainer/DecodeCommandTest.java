package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;
import static tornadovae.trainer.CliRun.vae;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.engine.Checkpoints;
import tornadovae.engine.Inference;
import tornadovae.engine.VaeSession;
import tornadovae.io.data.Dataset;
import tornadovae.io.data.IdxReader;
import tornadovae.trainer.CliRun.Result;

/** `vae decode`: the inverse of `vae encode`, and its refusals of bad CSV files. */
class DecodeCommandTest {
    @TempDir static Path tmp;
    static Path data, ckpt, codes;
    static final int N = 10;


    @BeforeAll
    static void trainAndEncode() throws Exception {
        data = TinyMnist.write(tmp.resolve("data"), 200, 40);
        Path run = tmp.resolve("run");
        Result r = vae("train", "--data-dir", data.toString(), "--epochs", "1", "--batch-size", "50", "--hidden", "32",
                "--latent", "2", "--out", run.toString(), "--quiet", "--seed", "3", "--threads", "2");
        assertEquals(0, r.code(), r.err());
        ckpt = run.resolve("last.safetensors");
        codes = tmp.resolve("codes.csv");
        r = vae("encode", "--checkpoint", ckpt.toString(), "--data-dir", data.toString(), "--limit", "" + N, "--out", codes.toString(),
                "--threads", "2");
        assertEquals(0, r.code(), r.err());
    }

    static BufferedImage decode(Path csv, Path png, String... more) throws Exception {
        String[] args = {"decode", "--checkpoint", ckpt.toString(), "--latents", csv.toString(), "--out", png.toString(), "--threads", "2"};
        List<String> all = new java.util.ArrayList<>(List.of(args));
        all.addAll(List.of(more));
        Result r = vae(all.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        return ImageIO.read(png.toFile());
    }

    /** The test split's first N images reconstructed with z = mu (no sampling noise), as [N][784]. */
    static float[] meanReconstructions() throws Exception {
        Dataset test = IdxReader.loadMnist(data, false);
        try (VaeSession s = Inference.open(Checkpoints.load(ckpt), "jvm", null, 2, new int[]{N}, new int[0])) {
            s.evalBatch(test.images(), 0, N, (float[]) null);
            return s.lastReconstructions(N);
        }
    }

    static void assertCellsAre(BufferedImage img, float[] images, int count, int columns) {
        int cell = 28 * 3 + 2;   // MNIST is scaled up 3 times, with 2 pixels of padding
        for (int i = 0; i < count; i++)
            for (int y = 0; y < 28; y++)
                for (int x = 0; x < 28; x++) {
                    int px = img.getRaster().getSample(2 + (i % columns) * cell + 3 * x, 2 + (i / columns) * cell + 3 * y, 0);
                    assertEquals(Math.round(Math.min(1, Math.max(0, images[i * 784 + y * 28 + x])) * 255), px, 1,
                            "image " + i + " pixel (" + y + ", " + x + ")");
                }
    }

    @Test
    void decodingEncodesMeansGivesTheirReconstructions() throws Exception {
        BufferedImage img = decode(codes, tmp.resolve("grid.png"), "--columns", "4");
        assertEquals(4 * 84 + 5 * 2, img.getWidth(), "4 columns");
        assertEquals(3 * 84 + 4 * 2, img.getHeight(), "10 images in rows of 4 are 3 rows");
        assertCellsAre(img, meanReconstructions(), N, 4);
    }

    @Test
    void plainCsvsWithAndWithoutAHeaderAndLimit() throws Exception {
        List<String> lines = Files.readAllLines(codes);
        StringBuilder z = new StringBuilder("z_1,z_0\n"), bare = new StringBuilder();   // columns in any order
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            z.append(f[3]).append(',').append(f[2]).append('\n');
            bare.append(f[2]).append(", ").append(f[3]).append("\r\n");
        }
        Files.writeString(tmp.resolve("z.csv"), z);
        Files.writeString(tmp.resolve("bare.csv"), bare);
        float[] expected = meanReconstructions();
        BufferedImage img = decode(tmp.resolve("z.csv"), tmp.resolve("z.png"));
        assertEquals(8 * 84 + 9 * 2, img.getWidth(), "8 columns by default");
        assertEquals(2 * 84 + 3 * 2, img.getHeight());
        assertCellsAre(img, expected, N, 8);
        img = decode(tmp.resolve("bare.csv"), tmp.resolve("bare.png"), "--limit", "3");
        assertEquals(3 * 84 + 4 * 2, img.getWidth(), "3 codes make one row of 3");
        assertEquals(84 + 2 * 2, img.getHeight());
        assertCellsAre(img, expected, 3, 8);
    }

    void refused(String name, String content, String... expected) throws Exception {
        Path csv = tmp.resolve(name), png = tmp.resolve(name + ".png");
        Files.writeString(csv, content);
        Result r = vae("decode", "--checkpoint", ckpt.toString(), "--latents", csv.toString(), "--out", png.toString());
        assertEquals(1, r.code(), name + ": " + r.err());
        String err = r.err().strip();
        assertTrue(err.startsWith("vae: " + csv), name + " names the file: " + err);
        assertTrue(err.endsWith(".") && err.lines().count() == 1, name + " is one sentence: " + err);
        for (String e : expected) assertTrue(err.contains(e), name + " says '" + e + "': " + err);
        assertFalse(Files.exists(png), name + " writes no PNG");
    }

    @Test
    void badInputIsOneSentenceNamingTheFileAndPlace() throws Exception {
        refused("empty.csv", "", "is empty");
        refused("blank.csv", "\n \n", "is empty");
        refused("header-only.csv", "index,label,mu_0,mu_1\n", "no rows");
        refused("ragged.csv", "index,label,mu_0,mu_1\n0,1,0.5,0.5\n1,2,0.5\n", "line 3 has 3 columns", "header has 4");
        refused("ragged-bare.csv", "0.5,0.5\n0.1\n", "line 2 has 1 column,", "line 1 has 2");
        refused("text.csv", "z_0,z_1\n0.5,0.5\n0.1,abc\n", "line 3, column z_1", "'abc' is not a number");
        refused("text-bare.csv", "0.5,0.5\n,0.1\n", "line 2, column 1", "is not a number");
        refused("nan.csv", "index,label,mu_0,mu_1,logvar_0,logvar_1\n0,1,NaN,0.5,0,0\n", "line 2, column mu_0", "NaN is not a finite number");
        refused("inf.csv", "0.5,Infinity\n", "line 1, column 2", "not a finite number");
        refused("three.csv", "mu_0,mu_1,mu_2\n1,2,3\n", "3 latent columns", "latent size is 2");
        refused("three-bare.csv", "1,2,3\n", "line 1 has 3 columns", "latent size is 2");
        refused("gap.csv", "z_0,z_2\n1,2\n", "no column z_1");
        refused("no-latents.csv", "a,b\n1,2\n", "line 1", "z_0.. or mu_0..");
    }

    @Test
    void encodesClassColumnIsIgnoredEvenQuoted() throws Exception {
        Path csv = tmp.resolve("classes.csv");
        Files.writeString(csv, "index,label,mu_0,mu_1,logvar_0,logvar_1,class\n0,0,0.1,0.2,0,0,\"a, b\"\n1,1,0.3,0.4,0,0,c\n");
        BufferedImage img = decode(csv, tmp.resolve("classes.png"));
        assertEquals(2 * 84 + 3 * 2, img.getWidth());
    }
}
