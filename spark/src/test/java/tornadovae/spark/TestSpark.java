package tornadovae.spark;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.apache.spark.sql.SparkSession;

/**
 * One SparkSession for every test class of the module (a start costs 5-7 s): 2 cores, and up to 3 attempts per task
 * so that a test can fail one attempt on purpose ("local[2,3]"). The CLI under test finds it and leaves it running.
 */
final class TestSpark {
    private TestSpark() {}

    private static SparkSession spark;

    static synchronized SparkSession session() {
        if (spark == null) {
            spark = SparkSession.builder().master("local[2,3]").appName("tornado-vae-tests")
                    .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
                    .config("spark.sql.shuffle.partitions", "2").config("spark.driver.host", "127.0.0.1").getOrCreate();
            spark.sparkContext().setLogLevel("ERROR");
            Runtime.getRuntime().addShutdownHook(new Thread(spark::stop));
        }
        return spark;
    }

    record Run(int code, String out, String err) {}

    /** Runs `vae spark ARGS` in this JVM. */
    static Run cli(String... args) {
        StringWriter err = new StringWriter();
        PrintStream stdout = System.out;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        try {
            int code = VaeSpark.execute(new PrintWriter(err, true), args);
            return new Run(code, out.toString(), err.toString());
        } finally {
            System.setOut(stdout);
        }
    }

    /** Small MNIST-format IDX files: 10 classes of 28×28 bars with noise (as the trainer's tests' TinyMnist). */
    static Path tinyMnist(Path dir, int train, int test) throws IOException {
        Files.createDirectories(dir);
        Files.write(dir.resolve("train-images-idx3-ubyte"), images(train, 1));
        Files.write(dir.resolve("train-labels-idx1-ubyte"), labels(train));
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), images(test, 2));
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), labels(test));
        return dir;
    }

    private static byte[] images(int count, long seed) {
        Random r = new Random(seed);
        ByteBuffer b = ByteBuffer.allocate(16 + count * 784);
        b.putInt(0x803).putInt(count).putInt(28).putInt(28);
        for (int i = 0; i < count; i++) {
            int cls = i % 10, shift = r.nextInt(3);
            for (int y = 0; y < 28; y++)
                for (int x = 0; x < 28; x++) {
                    boolean on = cls < 5 ? Math.abs(y - (4 + cls * 4 + shift)) <= 1 : Math.abs(x - (4 + (cls - 5) * 4 + shift)) <= 1;
                    b.put((byte) (on ? 230 + r.nextInt(26) : r.nextInt(20)));
                }
        }
        return b.array();
    }

    private static byte[] labels(int count) {
        ByteBuffer b = ByteBuffer.allocate(8 + count);
        b.putInt(0x801).putInt(count);
        for (int i = 0; i < count; i++) b.put((byte) (i % 10));
        return b.array();
    }
}
