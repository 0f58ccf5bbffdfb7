package tornadovae.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tornadovae.engine.AnomalyScore;
import tornadovae.engine.Checkpoints;
import tornadovae.engine.TorchExport;
import tornadovae.io.AtomicFiles;

@Command(name = "export-torch", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Write a small PyTorch nn.Module (model.py) whose load_state_dict takes the checkpoint as it is, with strict=True.",
                "It has the checkpoint's layers under the checkpoint's tensor names, a forward that returns logits, mu and logvar, the training loss, and a loader that drops a resume checkpoint's optimizer moments."})
final class ExportTorchCommand implements Callable<Integer> {
    @Option(names = "--checkpoint", required = true, description = "The .safetensors checkpoint written by `vae train` or `vae import-torch`.")
    Path checkpoint;
    @Option(names = "--out", defaultValue = "model.py", description = "The Python file written (default: ${DEFAULT-VALUE}).")
    Path out;

    @Override
    public Integer call() throws Exception {
        if (!out.getFileName().toString().endsWith(".py"))
            throw new IllegalArgumentException("--out must name a .py file, got '" + out + "'.");
        if (Files.isDirectory(out)) throw new IllegalArgumentException("--out " + out + " is a folder; name a .py file.");
        Checkpoints.Loaded ckpt = Checkpoints.load(checkpoint);   // every check of the checkpoint before anything is written
        float beta;
        try {
            beta = Float.parseFloat(ckpt.metadata().getOrDefault(AnomalyScore.BETA_KEY, "1"));
        } catch (NumberFormatException e) {
            throw new tornadovae.io.DataFormatException(checkpoint, "has an unusable " + AnomalyScore.BETA_KEY + " entry: " + e.getMessage());
        }
        AtomicFiles.writeString(out, TorchExport.source(ckpt.spec(), beta, String.valueOf(checkpoint.getFileName())));
        System.out.printf("wrote %s: %s, %,d parameters; load it with model.load_state_dict(load_checkpoint(\"%s\"), strict=True)%n",
                out, ckpt.spec().model(), ckpt.vae().paramCount(), checkpoint);
        return 0;
    }
}
