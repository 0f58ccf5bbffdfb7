package tornadovae.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tornadovae.engine.Checkpoints;
import tornadovae.engine.TorchImport;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.Loss;
import tornadovae.model.Shape;

@Command(name = "import-torch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Convert a PyTorch VAE's state dict, saved as safetensors (safetensors.torch.save_file), into a checkpoint for every vae command.",
                "Tensors are matched to the model's layers by part (encoder, mu, logvar, decoder: pytorch/examples' fc1, fc21, fc22, fc3, fc4, nn.Sequential indices such as encoder.0 and encoder.2, or our own names) and in order within a part, each checked by shape."})
final class ImportTorchCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "The PyTorch .safetensors file: metadata {\"format\": \"pt\"} or none.")
    Path checkpoint;
    @Option(names = "--model", defaultValue = "mlp", description = "The architecture: mlp, mnist-conv, mnist-conv4 or rgb128-conv (default: ${DEFAULT-VALUE}).")
    String model;
    @Option(names = "--hidden", split = ",", description = "The MLP's hidden layer sizes, e.g. 400 or 512,256 (default: read from the encoder's weights).")
    int[] hidden;
    @Option(names = "--latent", description = "The latent size (default: read from mu's weight).")
    Integer latent;
    @Option(names = "--activation", defaultValue = "relu", description = "The hidden activation the PyTorch model used: relu, leaky-relu (slope 0.2), sigmoid, tanh, silu or gelu (default: ${DEFAULT-VALUE}).")
    String activation;
    @Option(names = "--loss", defaultValue = "bce", description = "The reconstruction loss to record: bce (the decoder ends in a sigmoid, as pytorch/examples'), mse or bce+mse (default: ${DEFAULT-VALUE}).")
    String loss;
    @Option(names = "--input", description = "The MLP's input shape, e.g. 1x28x28 (default: from the first weight: 784 is 1x28x28, 3072 is 3x32x32, a square is one channel, else flat).")
    String input;
    @Option(names = "--out", defaultValue = "imported.safetensors", description = "The checkpoint written (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (latent != null && latent < 1) throw new IllegalArgumentException("--latent must be at least 1, got " + latent + ".");
        if (hidden != null && !model.equals("mlp"))
            throw new IllegalArgumentException("--hidden is for --model mlp; " + model + " has its own layer sizes.");
        if (Files.exists(out) && Files.isSameFile(out, checkpoint))
            throw new IllegalArgumentException("--out " + out + " is the PyTorch file itself; name another file.");
        TorchImport.Arch arch = new TorchImport.Arch(model, hidden, latent != null ? latent : 0, ActivationKind.parse(activation),
                Loss.parse(loss), input == null ? null : shape(input));
        TorchImport.Result r = TorchImport.convert(checkpoint, arch);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("import.source", String.valueOf(checkpoint.getFileName()));
        settings.put("import.layers", r.sources().toString());
        Checkpoints.save(out, r.vae(), r.params(), settings);
        System.out.println(r.vae().layerTable());
        r.sources().forEach((ours, theirs) -> { if (!ours.equals(theirs)) System.out.println("  " + theirs + " -> " + ours); });
        System.out.printf("wrote %s: %s, %,d parameters from %s%n", out, r.spec().model().equals("mlp")
                ? "mlp " + r.spec().input().toString().replace('×', 'x') + " " + Arrays.toString(r.spec().hidden()) + " latent " + r.spec().latent()
                : r.spec().model() + " latent " + r.spec().latent(), r.vae().paramCount(), checkpoint);
        return 0;
    }

    static Shape shape(String s) {
        try {
            return Shape.of(Arrays.stream(s.toLowerCase(java.util.Locale.ROOT).split("x")).mapToInt(Integer::parseInt).toArray());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--input must be sizes joined by x, e.g. 1x28x28 or 784, got '" + s + "'.");
        }
    }
}
