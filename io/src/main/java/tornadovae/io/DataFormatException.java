package tornadovae.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The one checked error for a user-supplied file that is missing, truncated or malformed.
 *
 * <p>Its message is a single sentence that starts with the file's path, so that the command line
 * can print it as-is and the user knows which file to fix: {@code "data/mnist/train-images-idx3-ubyte:
 * bad magic number 0x00000000 (expected 0x00000803 for IDX images)"}.
 */
public final class DataFormatException extends IOException {
    private final transient Path file;

    public DataFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public DataFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file that is wrong. */
    public Path file() { return file; }
}
