package tornadovae.spark;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tornadovae.cli.TrainArgs;
import tornadovae.trainer.TrainOptions;
import tornadovae.trainer.Trainer;
import tornadovae.trainer.TrainingDivergedException;

/**
 * `vae spark`: the Spark commands, a main class of their own so that the trainer (and vae.jar) never needs Spark.
 * Run by the vae-spark launcher (`vae spark ...`) or by spark-submit with vae.jar on the classpath.
 */
@Command(name = "vae spark", mixinStandardHelpOptions = true, version = "tornado-vae 0.1.0",
        description = "Score inputs and train VAEs on Apache Spark.",
        subcommands = {VaeSpark.Score.class, VaeSpark.Train.class, CommandLine.HelpCommand.class})
public final class VaeSpark implements Runnable {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Override public void run() { throw new CommandLine.ParameterException(spec.commandLine(), "name a command: score or train"); }

    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        int rc = execute(new PrintWriter(System.err, true), args);
        System.exit(rc);
    }

    /** Runs the command line: 0 ok, 1 bad input or failure, 2 usage error, 3 diverged. */
    public static int execute(PrintWriter err, String... args) {
        CommandLine cl = new CommandLine(new VaeSpark());
        cl.setErr(err);
        cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
            Throwable root = cause(e);
            String msg = root.getMessage() == null ? root.toString() : root.getMessage();
            if (root instanceof TrainingDivergedException) {
                cmd.getErr().println("vae: " + msg);
                return 3;
            }
            if (root instanceof IllegalArgumentException || root instanceof IOException) {
                cmd.getErr().println("vae: " + msg);
                return 1;
            }
            throw e;
        });
        return cl.execute(args);
    }

    /**
     * The user's own error inside Spark's wrappers: a task's exception arrives as a SparkException around it, an
     * analysis error (a missing path) as an AnalysisException; both say what is wrong in their message.
     */
    static Throwable cause(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t
                && (t instanceof UncheckedIOException || t.getClass().getName().startsWith("org.apache.spark.")))
            t = t.getCause();
        if (t.getClass().getName().equals("org.apache.spark.sql.AnalysisException"))
            return new IOException(t.getMessage().replaceAll("\\s*SQLSTATE.*", "").strip());
        return t;
    }

    /**
     * A SparkSession on this master (null: the one spark-submit set, else local[*]). An existing session (a program
     * that embeds this command, or a test) is used as it is, and {@link #stop} leaves it running.
     */
    static SparkSession session(String master) {
        SparkSession.Builder b = SparkSession.builder().appName("tornado-vae").config("spark.ui.showConsoleProgress", "false");
        if (master != null) b.master(master);
        else if (!new org.apache.spark.SparkConf().contains("spark.master")) b.master("local[*]");
        return b.getOrCreate();
    }

    private static void stop(SparkSession spark, boolean existed) { if (!existed) spark.stop(); }

    private static boolean existing() { return SparkSession.getDefaultSession().isDefined(); }

    @Command(name = "score", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Score inputs with a checkpoint on Spark: per row its key, mu, logvar, the anomaly score "
                    + "(negative ELBO at z = mu), the reconstruction error and the KL term, written as Parquet."})
    static final class Score implements Callable<Integer> {
        @Option(names = "--checkpoint", required = true, description = "a checkpoint written by vae train") Path checkpoint;
        @Option(names = "--input", required = true,
                description = "a folder of images (PNG, JPEG, BMP), a Parquet file or folder, or a .csv file") String input;
        @Option(names = "--format", description = "images, parquet or csv (default: csv for *.csv, parquet for *.parquet, else images)") String format;
        @Option(names = "--column", defaultValue = "image", description = "Parquet: the array<float> column (default: ${DEFAULT-VALUE})") String column;
        @Option(names = "--key", defaultValue = "id", description = "Parquet and CSV: the key column (default: ${DEFAULT-VALUE}; without one, a row id)") String key;
        @Option(names = "--out", required = true, description = "the Parquet folder to write (must not exist)") String out;
        @Option(names = "--master", description = "Spark master URL, e.g. local[4] or spark://host:7077 (default: spark-submit's, else local[*])") String master;

        @Override public Integer call() throws IOException {
            String f = format != null ? format : input.endsWith(".csv") ? "csv" : input.endsWith(".parquet") ? "parquet" : "images";
            if (!List.of("images", "parquet", "csv").contains(f))
                throw new IllegalArgumentException("--format must be images, parquet or csv, got " + f);
            if (java.nio.file.Files.exists(Path.of(out))) throw new IllegalArgumentException("--out " + out + " already exists");
            if (!input.contains("://") && !java.nio.file.Files.isReadable(Path.of(input)))
                throw new IllegalArgumentException("--input " + input + " does not exist or cannot be read");
            boolean existed = existing();
            SparkSession spark = session(master);
            try {
                SparkScoring s = SparkScoring.load(spark, checkpoint);
                Dataset<Row> rows = switch (f) {
                    case "images" -> s.score(s.readImages(input), "path", "image");
                    case "csv" -> s.score(s.readCsv(input, key), key, "image");
                    default -> s.score(s.readParquet(input), key, column);
                };
                write(rows, out);
                System.out.printf("scored %s with %s into %s%n", input, checkpoint, out);
                return 0;
            } finally {
                stop(spark, existed);
            }
        }
    }

    /**
     * Parquet into a local folder appears whole or not at all: Spark creates the folder before its tasks run and
     * leaves it behind when one fails (a bad row), so it writes a hidden sibling that is renamed at the end.
     * A URL (hdfs://, s3a://) is left to Spark's own commit protocol.
     */
    static void write(Dataset<Row> rows, String out) throws IOException {
        if (out.contains("://")) {
            rows.write().parquet(out);
            return;
        }
        Path target = Path.of(out).toAbsolutePath();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".partial-" + java.util.UUID.randomUUID());
        try {
            rows.write().parquet(tmp.toString());
            java.nio.file.Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            if (java.nio.file.Files.exists(tmp))
                try (var files = java.nio.file.Files.walk(tmp)) {
                    for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) java.nio.file.Files.deleteIfExists(f);
                }
        }
    }

    @Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Train as `vae train` does, with each step's batch split over Spark partitions: every partition "
                    + "computes its shard's gradient, the driver sums them in a fixed order and makes one Adam step.",
                    "Takes every option of `vae train` (see `vae train --help`) except --resume, sweeps, --free-bits "
                    + "and --backend tornado; and these:"})
    static final class Train implements Callable<Integer> {
        @Option(names = "--master", description = "Spark master URL (default: spark-submit's, else local[*])") String master;
        @Option(names = "--partitions", description = "shards per step (default: Spark's default parallelism)") Integer partitions;
        @Option(names = "--average-every", defaultValue = "1", paramLabel = "H",
                description = "local SGD: each partition makes H Adam steps on its shards, then the driver averages parameters "
                        + "and moments; 1 = sum the gradients every step, the single-machine run (default: ${DEFAULT-VALUE})")
        int averageEvery;
        @CommandLine.Unmatched List<String> trainArgs = new ArrayList<>();

        @Override public Integer call() throws IOException {
            TrainOptions o = TrainArgs.parse(trainArgs.toArray(String[]::new));
            if (o.kl().freeBits() > 0)
                throw new IllegalArgumentException("--free-bits gates the KL by a batch statistic, which a split batch "
                        + "does not have; train without it on Spark");
            if (!o.backend().equals("jvm")) throw new IllegalArgumentException("vae spark train runs on the jvm backend only");
            if (averageEvery > 1 && o.checkpointEvery() > 0)
                throw new IllegalArgumentException("--checkpoint-every needs --average-every 1: within a round of local steps "
                        + "the driver has no current parameters to save");
            boolean existed = existing();
            SparkSession spark = session(master);
            try (SparkStepRunner runner = new SparkStepRunner(JavaSparkContext.fromSparkContext(spark.sparkContext()),
                    partitions != null ? partitions : spark.sparkContext().defaultParallelism()).averageEvery(averageEvery)) {
                new Trainer(o, System.out).stepRunner(runner).run();
                System.out.println("spark: " + runner.timing());
                return 0;
            } finally {
                stop(spark, existed);
            }
        }
    }
}
