package tornadovae.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import org.junit.jupiter.params.provider.ValueSource;

class CliHelpTest {
    @ParameterizedTest
    @ValueSource(strings = {"", "train", "sample", "reconstruct", "data", "data fetch", "devices", "eval", "latent-pca",
            "manifold", "interpolate", "encode", "decode", "import-torch", "export-torch", "compare", "demo", "demo pca-vs-vae", "bench"})
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

    /**
     * Every command's description is whole sentences, one or more to each line: `vae --help` shows the first line as
     * the command's summary, and a sentence split over two lines was cut there mid-sentence.
     */
    @Test
    void everyDescriptionIsWholeSentences() {
        List<String> bad = new ArrayList<>();
        for (CommandSpec c : commands(new CommandLine(new VaeCommand()).getCommandSpec())) {
            String[] lines = c.usageMessage().description();
            if (lines.length == 0) bad.add(c.qualifiedName() + ": no description");
            for (String line : lines)
                if (!line.replace("%n", "").strip().endsWith(".")) bad.add(c.qualifiedName() + ": '" + line + "' is not a whole sentence");
        }
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    /** Every option and parameter says what it is, not only its default. */
    @Test
    void everyOptionHasADescription() {
        List<String> bad = new ArrayList<>();
        for (CommandSpec c : commands(new CommandLine(new VaeCommand()).getCommandSpec()))
            for (ArgSpec a : c.args()) {
                String text = String.join(" ", a.description()).replaceAll("\\(default: [^)]*\\)", "").strip();
                if (text.isEmpty()) bad.add(c.qualifiedName() + " " + (a.isOption() ? ((CommandLine.Model.OptionSpec) a).longestName()
                        : a.paramLabel()) + ": no description");
            }
        assertTrue(bad.isEmpty(), String.join("\n", bad));
    }

    private static List<CommandSpec> commands(CommandSpec root) {
        List<CommandSpec> all = new ArrayList<>(List.of(root));
        for (CommandLine sub : root.subcommands().values()) all.addAll(commands(sub.getCommandSpec()));
        return all;
    }
}
