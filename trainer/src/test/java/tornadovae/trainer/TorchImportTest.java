package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.engine.Checkpoints;
import tornadovae.engine.TorchImport;
import tornadovae.io.safetensors.Safetensors;
import tornadovae.io.safetensors.Tensor;
import tornadovae.model.ParamLayout;

/**
 * `vae import-torch` without PyTorch: state dicts built here in pytorch/examples' names, in nn.Sequential indices and
 * in the bench's conv layout import into checkpoints whose encodings are the ones computed here by hand (or whose
 * tensors land where they should), and each kind of bad file stops with its one sentence, exit code 1, nothing written.
 */
class TorchImportTest {
    @TempDir Path tmp;

    static final int TEST_IMAGES = 8;

    /** A Linear layer's weight [out, in] and bias [out], as PyTorch names them under {@code name}. */
    static void linear(Map<String, Tensor> t, String name, int in, int out, SplittableRandom r) {
        t.put(name + ".weight", Tensor.f32(values(out * in, 1 / Math.sqrt(in), r), out, in));
        t.put(name + ".bias", Tensor.f32(values(out, 0.1, r), out));
    }

    static void conv(Map<String, Tensor> t, String name, long... shape) {
        SplittableRandom r = new SplittableRandom(Arrays.hashCode(shape));
        int n = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        t.put(name + ".weight", Tensor.f32(values(n, 0.1, r), shape));
        int out = (int) (name.startsWith("dec") ? shape[1] : shape[0]);   // ConvTranspose2d's weight is [in][out][k][k]
        t.put(name + ".bias", Tensor.f32(values(out, 0.1, r), out));
    }

    static float[] values(int n, double scale, SplittableRandom r) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) ((r.nextDouble() * 2 - 1) * scale);
        return v;
    }

    /** pytorch/examples' VAE, 784-h-latent. */
    static Map<String, Tensor> examples(int hidden, int latent) {
        SplittableRandom r = new SplittableRandom(3);
        Map<String, Tensor> t = new LinkedHashMap<>();
        linear(t, "fc1", 784, hidden, r);
        linear(t, "fc21", hidden, latent, r);
        linear(t, "fc22", hidden, latent, r);
        linear(t, "fc3", latent, hidden, r);
        linear(t, "fc4", hidden, 784, r);
        return t;
    }

    /** Two hidden layers in nn.Sequential containers (ReLUs at the odd indices), in the order safetensors sorts names. */
    static Map<String, Tensor> sequential() {
        SplittableRandom r = new SplittableRandom(4);
        Map<String, Tensor> t = new LinkedHashMap<>();
        linear(t, "decoder.0", 4, 12, r);
        linear(t, "decoder.2", 12, 24, r);
        linear(t, "decoder.4", 24, 784, r);
        linear(t, "encoder.0", 784, 24, r);
        linear(t, "encoder.2", 24, 12, r);
        linear(t, "fc_logvar", 12, 4, r);
        linear(t, "fc_mu", 12, 4, r);
        return t;
    }

    Path write(String name, Map<String, Tensor> tensors, Map<String, String> meta) throws IOException {
        Path f = tmp.resolve(name);
        Safetensors.write(f, tensors, meta);
        return f;
    }

    /** mu of each test image, in double: the encoder's layers with ReLU, then the mu layer. */
    static double[][] referenceMu(Map<String, Tensor> t, List<String> encoder, String mu) {
        byte[] idx = TinyMnist.images(TEST_IMAGES, 2);
        double[][] r = new double[TEST_IMAGES][];
        for (int i = 0; i < TEST_IMAGES; i++) {
            double[] h = new double[784];
            for (int j = 0; j < 784; j++) h[j] = (idx[16 + i * 784 + j] & 0xff) / 255f;
            for (String layer : encoder) h = relu(affine(t, layer, h));
            r[i] = affine(t, mu, h);
        }
        return r;
    }

    static double[] affine(Map<String, Tensor> t, String layer, double[] x) {
        Tensor w = t.get(layer + ".weight"), b = t.get(layer + ".bias");
        int out = (int) w.shape()[0], in = (int) w.shape()[1];
        double[] y = new double[out];
        for (int o = 0; o < out; o++) {
            double s = b.get(o);
            for (int k = 0; k < in; k++) s += (double) w.get(o * in + k) * x[k];
            y[o] = s;
        }
        return y;
    }

    static double[] relu(double[] x) { return Arrays.stream(x).map(v -> Math.max(0, v)).toArray(); }

    /** `vae encode`'s mu columns for the test split of {@code data}. */
    static double[][] encode(Path checkpoint, Path data, Path csv) throws IOException {
        CliRun.Result r = CliRun.vae("encode", "--checkpoint", checkpoint.toString(), "--data-dir", data.toString(),
                "--no-logvar", "--out", csv.toString(), "--threads", "1");
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(csv);
        double[][] mu = new double[lines.size() - 1][];
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).split(",");
            mu[i - 1] = Arrays.stream(f, 2, f.length).mapToDouble(Double::parseDouble).toArray();
        }
        return mu;
    }

    static void assertClose(double[][] want, double[][] got, double tol) {
        assertEquals(want.length, got.length);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i].length, got[i].length);
            for (int j = 0; j < want[i].length; j++)
                assertEquals(want[i][j], got[i][j], tol, "image " + i + ", mu_" + j);
        }
    }

    @Test
    void pytorchExamplesNamesImportAndEncode() throws IOException {
        Path data = TinyMnist.write(tmp.resolve("data"), 10, TEST_IMAGES);
        Map<String, Tensor> t = examples(16, 3);
        Path file = write("examples.safetensors", t, Map.of("format", "pt"));
        Path out = tmp.resolve("imported.safetensors");
        CliRun.Result r = CliRun.vae("import-torch", "--checkpoint", file.toString(), "--model", "mlp", "--hidden", "16",
                "--latent", "3", "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("fc21 -> mu"), r.out());
        assertClose(referenceMu(t, List.of("fc1"), "fc21"), encode(out, data, tmp.resolve("mu.csv")), 1e-5);
    }

    @Test
    void sequentialIndicesImportByOrderWithTheArchitectureReadFromTheShapes() throws IOException {
        Path data = TinyMnist.write(tmp.resolve("data"), 10, TEST_IMAGES);
        Map<String, Tensor> t = sequential();
        Path file = write("seq.safetensors", t, Map.of());   // no metadata at all
        Path out = tmp.resolve("imported.safetensors");
        CliRun.Result r = CliRun.vae("import-torch", "--checkpoint", file.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        Checkpoints.Loaded ckpt = Checkpoints.load(out);
        assertArrayEquals(new int[]{24, 12}, ckpt.spec().hidden());
        assertEquals(4, ckpt.spec().latent());
        assertEquals("1×28×28", ckpt.spec().input().toString());
        assertClose(referenceMu(t, List.of("encoder.0", "encoder.2"), "fc_mu"), encode(out, data, tmp.resolve("mu.csv")), 1e-5);
    }

    /** bench/pytorch/conv_vae_step.py's names: Flatten, Unflatten and the ReLUs leave gaps in the indices. */
    @Test
    void convPresetFromTheBenchSequentialLayout() throws IOException {
        Map<String, Tensor> t = new LinkedHashMap<>();
        SplittableRandom r = new SplittableRandom(5);
        conv(t, "enc.0", 32, 1, 3, 3);
        conv(t, "enc.2", 64, 32, 3, 3);
        linear(t, "enc.5", 3136, 256, r);
        linear(t, "mu", 256, 6, r);
        linear(t, "logvar", 256, 6, r);
        linear(t, "dec.0", 6, 256, r);
        linear(t, "dec.2", 256, 3136, r);
        conv(t, "dec.5", 64, 32, 3, 3);
        conv(t, "dec.7", 32, 1, 3, 3);
        Path file = write("conv.safetensors", t, Map.of("format", "pt"));
        Path out = tmp.resolve("imported.safetensors");
        CliRun.Result res = CliRun.vae("import-torch", "--checkpoint", file.toString(), "--model", "mnist-conv", "--out", out.toString());
        assertEquals(0, res.code(), res.err());
        Checkpoints.Loaded ckpt = Checkpoints.load(out);
        assertEquals(6, ckpt.spec().latent());
        Map<String, String> ours = Map.of("enc.0", "encoder.conv.0", "enc.2", "encoder.conv.1", "enc.5", "encoder.fc.0", "mu", "mu",
                "logvar", "logvar", "dec.0", "decoder.fc.0", "dec.2", "decoder.fc.1", "dec.5", "decoder.deconv.0", "dec.7", "decoder.deconv.1");
        for (var e : t.entrySet()) {
            String layer = e.getKey().substring(0, e.getKey().lastIndexOf('.'));
            ParamLayout.Entry entry = ckpt.vae().layout().get(ours.get(layer) + e.getKey().substring(layer.length()));
            assertArrayEquals(e.getValue().toArray(), Arrays.copyOfRange(ckpt.params(), entry.offset(), entry.offset() + entry.size()),
                    e.getKey());
        }
    }

    /** The exact sentence for each kind of bad file, exit code 1, and no checkpoint written. */
    @Test
    void badFilesStopWithOneSentenceNamingTheTensor() throws IOException {
        Path out = tmp.resolve("never.safetensors");
        Map<String, Tensor> narrow = examples(16, 3);
        narrow.put("fc21.weight", Tensor.f32(new float[3 * 12], 3, 12));
        refused(write("narrow.safetensors", narrow, Map.of("format", "pt")), out,
                "tensor 'fc21.weight' has shape [3, 12], the model needs [3, 16] (for our mu.weight)");

        Map<String, Tensor> missing = examples(16, 3);
        missing.remove("fc4.bias");
        refused(write("missing.safetensors", missing, Map.of("format", "pt")), out, "lacks 'fc4.bias'");

        Map<String, Tensor> extra = examples(16, 3);
        extra.put("classifier.weight", Tensor.f32(new float[10 * 16], 10, 16));
        refused(write("extra.safetensors", extra, Map.of()), out, "tensor 'classifier.weight' belongs to no part of a VAE that "
                + "import-torch knows (encoder*/enc*, mu/fc_mu/fc21, logvar/fc_logvar/fc_var/fc22, decoder*/dec*, or pytorch/examples' fc1, fc3, fc4)");

        Map<String, Tensor> bn = sequential();
        bn.put("encoder.1.running_mean", Tensor.f32(new float[24], 24));
        refused(write("bn.safetensors", bn, Map.of()), out, "tensor 'encoder.1.running_mean' is neither a weight nor a bias "
                + "(tornado-vae's layers are Linear, Conv2d and ConvTranspose2d, with no other parameters or buffers)");

        refused(write("flax.safetensors", examples(16, 3), Map.of("format", "flax")), out, "has format 'flax', not PyTorch's "
                + "('pt'): import-torch reads PyTorch state dicts (other frameworks store weights transposed)");

        Path ok = write("ok.safetensors", examples(16, 3), Map.of("format", "pt"));
        CliRun.Result r = CliRun.vae("import-torch", "--checkpoint", ok.toString(), "--hidden", "16,8", "--out", out.toString());
        assertEquals("vae: " + ok + ": has 1 encoder layer with weights (fc1) where the mlp 784-16-8-3 has 2 (encoder.0, encoder.1)\n",
                r.err());
        assertEquals(1, r.code());
        assertFalse(Files.exists(out));
    }

    /** A PyTorch file given where a checkpoint is needed is pointed to import-torch, with or without its format entry. */
    @Test
    void commandsPointPyTorchFilesToImportTorch() throws IOException {
        String hint = "`vae import-torch --checkpoint FILE --model ... --out checkpoint.safetensors` converts one";
        Path pt = write("pt.safetensors", examples(16, 3), Map.of("format", "pt"));
        CliRun.Result r = CliRun.vae("sample", "--checkpoint", pt.toString(), "--out", tmp.resolve("s.png").toString());
        assertEquals("vae: " + pt + ": is a PyTorch state dict (format 'pt'), not a tornado-vae checkpoint: " + hint + "\n", r.err());
        assertEquals(1, r.code());
        Path bare = write("bare.safetensors", examples(16, 3), Map.of());
        r = CliRun.vae("sample", "--checkpoint", bare.toString(), "--out", tmp.resolve("s.png").toString());
        assertEquals("vae: " + bare + ": is not a usable tornado-vae checkpoint: architecture metadata lacks 'input' (a PyTorch "
                + "state dict? " + hint + ")\n", r.err());
        assertEquals(1, r.code());
    }

    private static void refused(Path file, Path out, String problem) {
        CliRun.Result r = CliRun.vae("import-torch", "--checkpoint", file.toString(), "--out", out.toString());
        assertEquals("vae: " + file + ": " + problem + "\n", r.err(), file.toString());
        assertEquals(1, r.code());
        assertFalse(Files.exists(out), "nothing is written for " + file);
    }

    @Test
    void layerNamesSortAsTheLayersRun() {
        List<String> names = new ArrayList<>(List.of("encoder.10", "encoder.2", "encoder.fc.0", "encoder.conv.1", "encoder.conv.0"));
        names.sort(TorchImport::compareNames);
        assertEquals(List.of("encoder.2", "encoder.10", "encoder.conv.0", "encoder.conv.1", "encoder.fc.0"), names);
        List<String> dec = new ArrayList<>(List.of("decoder.deconv.0", "decoder.fc.1", "decoder.fc.0"));
        dec.sort(TorchImport::compareNames);
        assertEquals(List.of("decoder.fc.0", "decoder.fc.1", "decoder.deconv.0"), dec);
    }
}
