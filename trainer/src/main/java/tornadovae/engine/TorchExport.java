package tornadovae.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import tornadovae.kernels.plan.ConvGeometry;
import tornadovae.model.ConvSpec;
import tornadovae.model.Shape;
import tornadovae.model.VaeSpec;
import tornadovae.model.layers.Conv2d;

/**
 * The source of a small PyTorch module for a checkpoint's architecture (`vae export-torch`). Its parameters have the
 * checkpoint's tensor names ({@code encoder.0.weight}, {@code mu.weight}, {@code decoder.deconv.1.bias}, …): the
 * layers sit in {@code nn.ModuleList}s, whose indices count layers only, and the activations are applied in
 * {@code forward}. So {@code load_state_dict(..., strict=True)} takes the checkpoint as it is.
 *
 * <p>Each module is declared on one line, which the tests read back to check the names and shapes without PyTorch.
 */
public final class TorchExport {
    private TorchExport() {}

    /** Python source: the module, the loss (recon summed over pixels + beta·KL), and a loader that needs no safetensors package. */
    public static String source(VaeSpec spec, float beta, String checkpointName) {
        StringBuilder p = new StringBuilder();
        String act = activation(spec);
        Shape in = spec.input();
        p.append("\"\"\"PyTorch module for the tornado-vae checkpoint ").append(checkpointName).append(", written by `vae export-torch`.\n\n")
         .append("Its parameter names are the checkpoint's tensor names, so it loads with strict=True:\n\n")
         .append("    model = VAE()\n")
         .append("    model.load_state_dict(load_checkpoint(\"").append(checkpointName).append("\"), strict=True)\n")
         .append("    logits, mu, logvar = model(x)           # x: [B, ").append(String.join(", ", dims(in))).append("] in [0, 1]\n")
         .append("    loss = loss_function(logits, x, mu, logvar)\n\n")
         .append("The decoder returns logits (the loss takes them, as tornado-vae's does); decode() gives images in [0, 1].\n")
         .append("Run `python3 model.py CHECKPOINT` to load a checkpoint and print its parameter count.\n\"\"\"\n")
         .append("import json\nimport struct\nimport sys\n\nimport torch\nimport torch.nn.functional as F\nfrom torch import nn\n\n")
         .append("INPUT_SHAPE = (").append(String.join(", ", dims(in))).append(in.rank() == 1 ? ",)\n" : ")\n")
         .append("LATENT = ").append(spec.latent()).append('\n')
         .append("LOSS = \"").append(spec.loss().cliName).append("\"\n")
         .append("BETA = ").append(beta).append("\n\n\n")
         .append("def act(x):\n    return ").append(act).append("\n\n\n")
         .append("class VAE(nn.Module):\n    def __init__(self):\n        super().__init__()\n");
        if (spec.conv() == null) mlp(p, spec);
        else conv(p, spec, spec.conv());
        p.append("""

                    def forward(self, x, eps=None):
                        \"\"\"Logits of the reconstruction, mu and logvar; z = mu + exp(logvar / 2) * eps, eps ~ N(0, I) unless given (zeros: z = mu).\"\"\"
                        mu, logvar = self.encode(x)
                        eps = torch.randn_like(mu) if eps is None else eps
                        return self.decode_logits(mu + torch.exp(0.5 * logvar) * eps), mu, logvar

                    def decode(self, z):
                        return torch.sigmoid(self.decode_logits(z))


                def loss_terms(logits, x, mu, logvar, loss=LOSS):
                    \"\"\"Per sample: the reconstruction loss summed over the values (BCE from the logits, squared error of the sigmoid) and the KL.\"\"\"
                    logits, x = logits.reshape(len(x), -1), x.reshape(len(x), -1)
                    recon = torch.zeros(len(x), dtype=logits.dtype)
                    if "bce" in loss:
                        recon = recon + F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(1)
                    if "mse" in loss:
                        recon = recon + (torch.sigmoid(logits) - x).pow(2).sum(1)
                    kl = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), 1)
                    return recon, kl


                def loss_function(logits, x, mu, logvar, beta=BETA, loss=LOSS):
                    \"\"\"tornado-vae's training loss: the batch's sum of recon + beta * KL.\"\"\"
                    recon, kl = loss_terms(logits, x, mu, logvar, loss)
                    return (recon + beta * kl).sum()


                def load_checkpoint(path):
                    \"\"\"The checkpoint's parameters as a state dict, without the optimizer.* moments that a resume checkpoint also holds.\"\"\"
                    try:
                        from safetensors.torch import load_file
                        tensors = load_file(path)
                    except ImportError:
                        tensors = read_safetensors(path)
                    return {k: v for k, v in tensors.items() if not k.startswith("optimizer.")}


                def read_safetensors(path):
                    \"\"\"safetensors without its package: an 8-byte little-endian header size, a JSON header, little-endian F32 data.\"\"\"
                    with open(path, "rb") as f:
                        data = f.read()
                    n = struct.unpack("<Q", data[:8])[0]
                    tensors = {}
                    for name, info in json.loads(data[8:8 + n]).items():
                        if name == "__metadata__":
                            continue
                        if info["dtype"] != "F32":
                            raise ValueError(f"{path}: tensor {name} is {info['dtype']}, this reader takes F32")
                        begin, end = info["data_offsets"]
                        raw = bytearray(data[8 + n + begin:8 + n + end])
                        tensors[name] = torch.frombuffer(raw, dtype=torch.float32).reshape(info["shape"])
                    return tensors


                if __name__ == "__main__":
                    model = VAE()
                    model.load_state_dict(load_checkpoint(sys.argv[1]), strict=True)
                    print(f"{sys.argv[1]}: loaded with strict=True, {sum(p.numel() for p in model.parameters())} parameters")
                """);
        return p.toString();
    }

    private static void mlp(StringBuilder p, VaeSpec spec) {
        int[] h = spec.hidden();
        int d = spec.input().size(), prev = d;
        List<String> enc = new ArrayList<>(), dec = new ArrayList<>();
        for (int size : h) {
            enc.add(linear(prev, size));
            prev = size;
        }
        int last = prev;
        prev = spec.latent();
        for (int i = h.length - 1; i >= 0; i--) {
            dec.add(linear(prev, h[i]));
            prev = h[i];
        }
        dec.add(linear(prev, d));
        p.append("        self.encoder = nn.ModuleList([").append(String.join(", ", enc)).append("])\n")
         .append("        self.mu = ").append(linear(last, spec.latent())).append('\n')
         .append("        self.logvar = ").append(linear(last, spec.latent())).append('\n')
         .append("        self.decoder = nn.ModuleList([").append(String.join(", ", dec)).append("])\n\n")
         .append("""
                    def encode(self, x):
                        h = x.reshape(len(x), -1)
                        for layer in self.encoder:
                            h = act(layer(h))
                        return self.mu(h), self.logvar(h)

                    def decode_logits(self, z):
                        h = z
                        for layer in self.decoder[:-1]:
                            h = act(layer(h))
                        return self.decoder[-1](h)
                """);
    }

    /** VaeLayers.conv's layers: the same shapes, the same output padding for each ConvTranspose2d. */
    private static void conv(StringBuilder p, VaeSpec spec, ConvSpec c) {
        int[] ch = c.channels(), fc = spec.hidden();
        Shape[] convIn = new Shape[ch.length];
        Shape cur = spec.input();
        List<String> convs = new ArrayList<>(), encFc = new ArrayList<>(), decFc = new ArrayList<>(), deconvs = new ArrayList<>();
        for (int i = 0; i < ch.length; i++) {
            convIn[i] = cur;
            convs.add("nn.Conv2d(" + cur.dim(0) + ", " + ch[i] + ", " + c.kernel() + ", " + c.stride() + ", " + c.padding() + ")");
            cur = new Conv2d("encoder.conv." + i, cur, ch[i], c.kernel(), c.stride(), c.padding()).outputShape();
        }
        Shape convOut = cur;
        int prev = convOut.size();
        for (int f : fc) {
            encFc.add(linear(prev, f));
            prev = f;
        }
        int last = prev;
        prev = spec.latent();
        for (int i = fc.length - 1; i >= 0; i--) {
            decFc.add(linear(prev, fc[i]));
            prev = fc[i];
        }
        decFc.add(linear(prev, convOut.size()));
        for (int j = 0; j < ch.length; j++) {
            int i = ch.length - 1 - j;
            int opH = convIn[i].dim(1) - ConvGeometry.transposeOut(cur.dim(1), c.kernel(), c.stride(), c.padding(), 0);
            int opW = convIn[i].dim(2) - ConvGeometry.transposeOut(cur.dim(2), c.kernel(), c.stride(), c.padding(), 0);
            deconvs.add("nn.ConvTranspose2d(" + cur.dim(0) + ", " + convIn[i].dim(0) + ", " + c.kernel() + ", " + c.stride() + ", "
                    + c.padding() + ", output_padding=(" + opH + ", " + opW + "))");
            cur = convIn[i];
        }
        p.append("        self.encoder = nn.ModuleDict({\"conv\": nn.ModuleList([").append(String.join(", ", convs))
         .append("]), \"fc\": nn.ModuleList([").append(String.join(", ", encFc)).append("])})\n")
         .append("        self.mu = ").append(linear(last, spec.latent())).append('\n')
         .append("        self.logvar = ").append(linear(last, spec.latent())).append('\n')
         .append("        self.decoder = nn.ModuleDict({\"fc\": nn.ModuleList([").append(String.join(", ", decFc))
         .append("]), \"deconv\": nn.ModuleList([").append(String.join(", ", deconvs)).append("])})\n")
         .append("        self.conv_out = (").append(String.join(", ", dims(convOut))).append(")\n\n")
         .append("""
                    def encode(self, x):
                        h = x.reshape(len(x), *INPUT_SHAPE)
                        for layer in self.encoder["conv"]:
                            h = act(layer(h))
                        h = h.flatten(1)
                        for layer in self.encoder["fc"]:
                            h = act(layer(h))
                        return self.mu(h), self.logvar(h)

                    def decode_logits(self, z):
                        h = z
                        for layer in self.decoder["fc"]:
                            h = act(layer(h))
                        h = h.reshape(len(z), *self.conv_out)
                        deconv = self.decoder["deconv"]
                        for layer in deconv[:-1]:
                            h = act(layer(h))
                        return deconv[-1](h)
                """);
    }

    private static String linear(int in, int out) { return "nn.Linear(" + in + ", " + out + ")"; }

    private static List<String> dims(Shape s) {
        List<String> r = new ArrayList<>();
        for (int i = 0; i < s.rank(); i++) r.add(Integer.toString(s.dim(i)));
        return r;
    }

    /** The activation as PyTorch computes it: GELU in its tanh form, leaky ReLU with the model's slope. */
    private static String activation(VaeSpec spec) {
        return switch (spec.activation()) {
            case RELU -> "F.relu(x)";
            case LEAKY_RELU -> "F.leaky_relu(x, " + String.format(Locale.ROOT, "%s", spec.slope()) + ")";
            case SIGMOID -> "torch.sigmoid(x)";
            case TANH -> "torch.tanh(x)";
            case SILU -> "F.silu(x)";
            case GELU -> "F.gelu(x, approximate=\"tanh\")";
            case IDENTITY -> "x";
        };
    }
}
