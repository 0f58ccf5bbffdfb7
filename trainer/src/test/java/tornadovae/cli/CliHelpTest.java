package tornadovae.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CliHelpTest {
    @ParameterizedTest
    @ValueSource(strings = {"", "train", "sample", "reconstruct", "data", "data fetch", "devices", "eval", "latent-pca",
            "manifold", "interpolate", "encode", "compare", "demo", "demo pca-vs-vae", "bench"})
    void everyCommandHasHelp(String command) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out));
        int code;
        try {
            String[] words = command.isEmpty() ? new String[0] : command.split(" ");
            String[] args = java.util.Arrays.copyOf(words, words.length + 1);
            args[words.length] = "--help";
            code = VaeCommand.execute(args);
        } finally {
            System.setOut(old);
        }
        assertEquals(0, code);
        String text = out.toString();
        assertTrue(text.startsWith("Usage: vae"), text);
        if (command.equals("train"))
            for (String opt : new String[]{"--dataset", "--data-dir", "--model", "--hidden", "--latent", "--epochs",
                    "--batch-size", "--lr", "--loss", "--beta", "--kl-warmup", "--kl-cycles", "--free-bits", "--clip-grad-norm", "--seed", "--backend", "--device", "--out"})
                assertTrue(text.contains(opt), opt + " missing from train --help");
    }
}
