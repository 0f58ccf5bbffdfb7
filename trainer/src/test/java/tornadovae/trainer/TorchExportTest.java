package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.engine.Checkpoints;
import tornadovae.engine.TorchExport;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.ConvSpec;
import tornadovae.model.Loss;
import tornadovae.model.ParamLayout;
import tornadovae.model.Shape;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/**
 * `vae export-torch` without PyTorch: the module that model.py declares has exactly the checkpoint's tensor names and
 * shapes (read back from its __init__ here, as PyTorch would name them), for the MLP, the conv presets and a custom
 * conv model; bad options stop with one sentence and write nothing.
 */
class TorchExportTest {
    @TempDir Path tmp;

    /** The checkpoint's tensors: our layout's names and shapes. */
    static Map<String, String> ours(Vae vae) {
        Map<String, String> m = new TreeMap<>();
        for (ParamLayout.Entry e : vae.layout().entries()) m.put(e.name(), Arrays.toString(e.shape()));
        return m;
    }

    @Test
    void moduleNamesAndShapesAreTheCheckpointsForEveryModelKind() {
        ActivationKind relu = ActivationKind.RELU;
        for (VaeSpec spec : new VaeSpec[]{
                new VaeSpec("mlp", Shape.of(1, 28, 28), new int[]{24, 12}, 4, relu, 0.2f, Loss.BCE),
                VaeSpec.mnistDefault(),
                VaeSpec.preset("mnist-conv", 0, ActivationKind.LEAKY_RELU, Loss.BCE),
                VaeSpec.preset("mnist-conv4", 8, relu, Loss.MSE),
                VaeSpec.preset("rgb128-conv", 16, ActivationKind.GELU, Loss.BCE),
                new VaeSpec("conv", Shape.of(3, 30, 30), new int[]{32}, 5, relu, 0.2f, Loss.BCE, new ConvSpec(new int[]{8, 16}, 3, 2, 1, 0))}) {
            String py = TorchExport.source(spec, 1f, "x.safetensors");
            assertEquals(ours(spec.build()), PyModules.stateDict(py), spec.toString());
        }
    }

    @Test
    void exportWritesModelPyForACheckpointWithOptimizerMoments() throws IOException {
        VaeSpec spec = VaeSpec.preset("mnist-conv", 6, ActivationKind.RELU, Loss.BCE);
        Vae vae = spec.build();
        float[] params = new float[vae.paramCount()];
        vae.initParams(params, 1);
        Path ckpt = tmp.resolve("resume.safetensors");
        Checkpoints.save(ckpt, vae, params, Map.of("optimizer.adam_m.", new float[params.length], "optimizer.adam_v.",
                new float[params.length]), Map.of("train.beta", "0.5"));
        Path out = tmp.resolve("model.py");
        CliRun.Result r = CliRun.vae("export-torch", "--checkpoint", ckpt.toString(), "--out", out.toString());
        assertEquals(0, r.code(), r.err());
        String py = Files.readString(out);
        assertEquals(ours(vae), PyModules.stateDict(py));
        assertTrue(py.contains("BETA = 0.5\n"), py);
        assertTrue(py.contains("if not k.startswith(\"optimizer.\")"), "the loader drops the moments, so strict=True holds");
    }

    @Test
    void badOptionsWriteNothing() throws IOException {
        Path txt = tmp.resolve("model.txt");
        CliRun.Result r = CliRun.vae("export-torch", "--checkpoint", tmp.resolve("any.safetensors").toString(), "--out", txt.toString());
        assertEquals("vae: --out must name a .py file, got '" + txt + "'.\n", r.err());
        assertEquals(1, r.code());
        Path py = tmp.resolve("model.py");
        Path missing = tmp.resolve("missing.safetensors");
        r = CliRun.vae("export-torch", "--checkpoint", missing.toString(), "--out", py.toString());
        assertEquals("vae: " + missing + ": file not found\n", r.err());
        assertEquals(1, r.code());
        assertFalse(Files.exists(txt) || Files.exists(py));
    }

    /** Reads the state dict's names and shapes that the nn.Module lines of model.py's __init__ declare. */
    static final class PyModules {
        private static final Pattern ASSIGN = Pattern.compile("^ {8}self\\.(\\w+) = (nn\\..*)$", Pattern.MULTILINE);

        static Map<String, String> stateDict(String py) {
            Map<String, String> m = new TreeMap<>();
            Matcher a = ASSIGN.matcher(py);
            while (a.find()) {
                int[] pos = {0};
                module(a.group(2), pos, a.group(1), m);
                assertEquals(a.group(2).length(), pos[0], "unparsed: " + a.group(2).substring(pos[0]));
            }
            return m;
        }

        private static void module(String s, int[] pos, String prefix, Map<String, String> m) {
            String kind = word(s, pos);
            expect(s, pos, "(");
            switch (kind) {
                case "nn.ModuleList" -> {
                    expect(s, pos, "[");
                    for (int i = 0; !s.startsWith("]", pos[0]); i++) {
                        if (i > 0) expect(s, pos, ", ");
                        module(s, pos, prefix + "." + i, m);
                    }
                    expect(s, pos, "])");
                }
                case "nn.ModuleDict" -> {
                    expect(s, pos, "{");
                    for (int i = 0; !s.startsWith("}", pos[0]); i++) {
                        if (i > 0) expect(s, pos, ", ");
                        expect(s, pos, "\"");
                        int end = s.indexOf('"', pos[0]);
                        String key = s.substring(pos[0], end);
                        pos[0] = end;
                        expect(s, pos, "\": ");
                        module(s, pos, prefix + "." + key, m);
                    }
                    expect(s, pos, "})");
                }
                default -> {
                    // a ConvTranspose2d's arguments end in its output_padding's tuple
                    int end = kind.equals("nn.ConvTranspose2d") ? s.indexOf("))", pos[0]) + 1 : s.indexOf(')', pos[0]);
                    String[] args = s.substring(pos[0], end).split(", ");
                    pos[0] = end + 1;
                    int in = Integer.parseInt(args[0]), out = Integer.parseInt(args[1]);
                    String weight = switch (kind) {
                        case "nn.Linear" -> Arrays.toString(new int[]{out, in});
                        case "nn.Conv2d" -> Arrays.toString(new int[]{out, in, Integer.parseInt(args[2]), Integer.parseInt(args[2])});
                        case "nn.ConvTranspose2d" -> Arrays.toString(new int[]{in, out, Integer.parseInt(args[2]), Integer.parseInt(args[2])});
                        default -> throw new AssertionError("unknown module " + kind);
                    };
                    m.put(prefix + ".weight", weight);
                    m.put(prefix + ".bias", Arrays.toString(new int[]{out}));
                }
            }
        }

        private static String word(String s, int[] pos) {
            int start = pos[0];
            while (pos[0] < s.length() && (Character.isLetterOrDigit(s.charAt(pos[0])) || s.charAt(pos[0]) == '.')) pos[0]++;
            return s.substring(start, pos[0]);
        }

        private static void expect(String s, int[] pos, String what) {
            assertTrue(s.startsWith(what, pos[0]), "expected '" + what + "' at " + pos[0] + " of " + s);
            pos[0] += what.length();
        }
    }
}
