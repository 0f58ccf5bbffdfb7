package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.api.VaeModel;
import tornadovae.engine.Checkpoints;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.Loss;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/**
 * vae import-torch and export-torch against real PyTorch (src/test/python/torch_vae.py). Skipped, saying why, where no
 * python3 can import torch (CI has none; Debian's python3-torch provides it).
 *
 * <p>Import: a model built by PyTorch in pytorch/examples' layout, in nn.Sequential containers and in the bench's conv
 * layout, with a fixed seed; `vae encode`'s mu equals PyTorch's. Export: model.py loads our checkpoints with
 * strict=True (one of them a resume checkpoint with Adam's moments) and its per-image reconstruction loss and KL at
 * z = mu equal {@link VaeModel#scores}'.
 */
class TorchRoundTripTest {
    static final int IMAGES = 16;   // torch_vae.py's COUNT
    static String python;
    static String whyNot;

    /** PyTorch's models, their files and mu, made once: importing torch takes seconds. */
    @TempDir static Path torchDir;
    static Path data;

    @TempDir Path tmp;

    @BeforeAll
    static void pytorchSavesItsModels() throws Exception {
        findPython();
        if (python == null) return;
        data = TinyMnist.write(torchDir.resolve("data"), 10, IMAGES);
        run("save", data.toString(), torchDir.toString());
    }

    static void findPython() {
        List<String> tried = new ArrayList<>();
        String env = System.getenv("TORCH_PYTHON");
        for (String candidate : env != null ? List.of(env) : List.of("python3", "/usr/bin/python3")) {
            tried.add(candidate);
            try {
                Process p = new ProcessBuilder(candidate, "-c", "import torch, numpy").redirectErrorStream(true).start();
                p.getInputStream().readAllBytes();
                if (p.waitFor(120, TimeUnit.SECONDS) && p.exitValue() == 0) {
                    python = candidate;
                    return;
                }
            } catch (IOException | InterruptedException e) {
                // not installed: try the next
            }
        }
        whyNot = "no python3 with torch and numpy found (tried " + String.join(", ", tried)
                + "; install python3-torch, or set TORCH_PYTHON): the PyTorch round trip is skipped";
        System.err.println("TorchRoundTripTest: " + whyNot);   // the build log says why too, not only the report
    }

    /** Each test, not the class, is skipped: surefire then counts and reports them as skipped, with the reason. */
    @BeforeEach
    void needsTorch() {
        Assumptions.assumeTrue(python != null, whyNot);
    }

    static Path script() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("trainer/src/test/python/torch_vae.py"))) dir = dir.getParent();
        assertNotNull(dir, "trainer/src/test/python/torch_vae.py not found above " + Path.of("").toAbsolutePath());
        return dir.resolve("trainer/src/test/python/torch_vae.py");
    }

    static void run(String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(python, script().toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "torch_vae.py did not finish");
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ":\n" + out);
    }

    static double[][] rows(Path csv) throws IOException {
        return Files.readAllLines(csv).stream().filter(l -> !l.isBlank())
                .map(l -> Arrays.stream(l.split(",")).mapToDouble(Double::parseDouble).toArray()).toArray(double[][]::new);
    }

    /** We import PyTorch's model and encode the same test images. */
    void importEncodesAsTorch(String layout, String... options) throws Exception {
        Path file = torchDir.resolve(layout + ".safetensors"), mu = torchDir.resolve(layout + "-mu.csv");
        Path out = tmp.resolve(layout + "-imported.safetensors");
        List<String> args = new ArrayList<>(List.of("import-torch", "--checkpoint", file.toString(), "--out", out.toString()));
        args.addAll(List.of(options));
        CliRun.Result r = CliRun.vae(args);
        assertEquals(0, r.code(), r.err());
        TorchImportTest.assertClose(rows(mu), TorchImportTest.encode(out, data, tmp.resolve(layout + "-ours.csv")), 1e-5);
    }

    @Test
    void pytorchExamplesModelEncodesAsTorch() throws Exception {
        importEncodesAsTorch("examples", "--model", "mlp", "--hidden", "400", "--latent", "20");
    }

    @Test
    void sequentialModelEncodesAsTorch() throws Exception {
        importEncodesAsTorch("sequential");
    }

    @Test
    void benchConvModelEncodesAsTorch() throws Exception {
        importEncodesAsTorch("conv", "--model", "mnist-conv");
    }

    /** Our checkpoints in export-torch's modules: recon and KL of each image at z = mu, as VaeModel computes them. */
    @Test
    void exportedModulesComputeOurLoss() throws Exception {
        // an MLP with GELU and both losses
        VaeSpec mlp = new VaeSpec("mlp", tornadovae.model.Shape.of(1, 28, 28), new int[]{48, 24}, 6, ActivationKind.GELU, 0.2f, Loss.BCE_MSE);
        Path mlpFile = save(mlp, tmp.resolve("mlp.safetensors"), Map.of(), Map.of());
        // a conv preset with leaky ReLU, from a resume checkpoint: its Adam moments must not stop strict=True
        VaeSpec conv = VaeSpec.preset("mnist-conv", 8, ActivationKind.LEAKY_RELU, Loss.BCE);
        int n = conv.build().paramCount();
        Path convFile = save(conv, tmp.resolve("resume.safetensors"), Map.of("optimizer.adam_m.", new float[n],
                "optimizer.adam_v.", new float[n]), Map.of("train.beta", "0.5"));
        List<String> args = new ArrayList<>(List.of("loss", data.toString()));
        for (Path ckpt : List.of(mlpFile, convFile)) {
            Path py = tmp.resolve(ckpt.getFileName() + ".py");
            CliRun.Result r = CliRun.vae("export-torch", "--checkpoint", ckpt.toString(), "--out", py.toString());
            assertEquals(0, r.code(), r.err());
            args.addAll(List.of(py.toString(), ckpt.toString(), ckpt + ".csv"));
        }
        run(args.toArray(String[]::new));
        byte[] idx = TinyMnist.images(IMAGES, 2);
        float[][] images = new float[IMAGES][784];
        for (int i = 0; i < IMAGES; i++) for (int j = 0; j < 784; j++) images[i][j] = (idx[16 + i * 784 + j] & 0xff) / 255f;
        for (Path ckpt : List.of(mlpFile, convFile)) {
            double[][] torch = rows(Path.of(ckpt + ".csv"));
            try (VaeModel model = VaeModel.load(ckpt)) {
                VaeModel.Score[] ours = model.scores(images);
                for (int i = 0; i < IMAGES; i++) {
                    assertEquals(ours[i].recon(), torch[i][0], 1e-5 * Math.max(1, Math.abs(ours[i].recon())), ckpt + ": recon of image " + i);
                    assertEquals(ours[i].kl(), torch[i][1], 1e-4 * Math.max(1, Math.abs(ours[i].kl())), ckpt + ": KL of image " + i);
                }
            }
        }
    }

    static Path save(VaeSpec spec, Path file, Map<String, float[]> arenas, Map<String, String> settings) throws IOException {
        Vae vae = spec.build();
        float[] params = new float[vae.paramCount()];
        vae.initParams(params, 3);
        Checkpoints.save(file, vae, params, arenas, settings);
        return file;
    }
}
