package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.trainer.cli.VaeCommand;

/** Inputs at the edges (empty, huge, out of range) get one sentence naming the file or option, and leave nothing behind. */
class LimitsTest {
    @TempDir Path tmp;

    record Result(int code, String err) {}

    static Result run(String... args) {
        StringWriter err = new StringWriter();
        PrintStream old = System.out;
        System.setOut(new PrintStream(new ByteArrayOutputStream()));
        try {
            int code = VaeCommand.execute(new PrintWriter(err, true), args);
            return new Result(code, err.toString());
        } finally {
            System.setOut(old);
        }
    }

    Result train(Path data, String... extra) {
        String[] base = {"train", "--data-dir", data.toString(), "--epochs", "1", "--out", tmp.resolve("out").toString(), "--quiet"};
        String[] all = Arrays.copyOf(base, base.length + extra.length);
        System.arraycopy(extra, 0, all, base.length, extra.length);
        return run(all);
    }

    static void assertOneSentence(Result r, String... parts) {
        assertEquals(1, r.code(), r.err());
        for (String p : parts) assertTrue(r.err().contains(p), "'" + p + "' in: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line, no stack trace: " + r.err());
    }

    @Test
    void anIdxFileWithNoImagesIsNamed() throws Exception {
        Path data = TinyMnist.write(tmp.resolve("d"), 20, 10);
        Files.write(data.resolve("train-images-idx3-ubyte"), TinyMnist.images(0, 1));
        Files.write(data.resolve("train-labels-idx1-ubyte"), TinyMnist.labels(0));
        Result r = train(data);
        assertOneSentence(r, data.resolve("train-images-idx3-ubyte").toString(), "no images");
        assertFalse(Files.exists(tmp.resolve("out")), "no run folder for a refused run");
    }
}
