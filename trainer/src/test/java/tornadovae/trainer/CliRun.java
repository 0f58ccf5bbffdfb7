package tornadovae.trainer;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import tornadovae.cli.VaeCommand;

/** Runs the `vae` command line in this JVM, capturing what it prints: the tests' one way to drive a command. */
public final class CliRun {
    private CliRun() {}

    /** The exit code, standard output and standard error of one command. */
    public record Result(int code, String out, String err) {}

    public static Result vae(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StringWriter err = new StringWriter();
        System.setOut(new PrintStream(out, true));
        try {
            int code = VaeCommand.execute(new PrintWriter(err, true), args);
            return new Result(code, out.toString(), err.toString());
        } finally {
            System.setOut(old);
        }
    }

    public static Result vae(List<String> args) { return vae(args.toArray(String[]::new)); }
}
