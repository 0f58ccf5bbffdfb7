package tornadovae.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import tornadovae.api.VaeModel;
import tornadovae.engine.Checkpoints;
import tornadovae.model.Shape;

/**
 * Scores a Spark Dataset of inputs with a checkpoint: per row its key, the encoder's {@code mu} and {@code logvar},
 * the anomaly score (negative ELBO at z = mu, as {@link VaeModel#anomalyScore(float[])}), the reconstruction
 * error {@code recon} and the {@code kl} term. The checkpoint's bytes are broadcast once, and each executor JVM
 * loads them once ({@link ExecutorCache}); rows are scored by {@link VaeModel}, so results are VaeModel's.
 */
public final class SparkScoring {
    /** The output's columns after the key. */
    public static final String MU = "mu", LOGVAR = "logvar", SCORE = "score", RECON = "recon", KL = "kl";
    /** Rows handed to the model at a time inside a partition. */
    static final int ROWS_PER_CALL = 256;

    private final SparkSession spark;
    private final Broadcast<byte[]> checkpoint;
    private final String key;
    private final Shape input;

    private SparkScoring(SparkSession spark, Broadcast<byte[]> checkpoint, String key, Shape input) {
        this.spark = spark;
        this.checkpoint = checkpoint;
        this.key = key;
        this.input = input;
    }

    /** Reads and checks the checkpoint on the driver, then broadcasts its bytes. */
    public static SparkScoring load(SparkSession spark, Path file) throws IOException {
        if (!Files.isRegularFile(file)) throw new IOException("the checkpoint " + file + " does not exist or is not a file");
        Checkpoints.Loaded c = Checkpoints.load(file);   // a bad checkpoint is one sentence here, not a task failure
        byte[] bytes = Files.readAllBytes(file);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        return new SparkScoring(spark, sc.broadcast(bytes), sha256(bytes), c.spec().input());
    }

    /** Values per input row: the model's channels × height × width. */
    public int inputSize() { return input.size(); }

    /** The images of a folder (recursively; PNG, JPEG, BMP) as (path, image array&lt;float&gt;), decoded on the executors. */
    public Dataset<Row> readImages(String folder) {
        if (input.rank() != 3 || input.dim(1) != input.dim(2))
            throw new IllegalArgumentException("this model's input " + input + " is not a square image");
        int channels = input.dim(0), size = input.dim(1);
        Dataset<Row> files = spark.read().format("binaryFile").option("recursiveFileLookup", "true")
                .option("pathGlobFilter", "*.{png,jpg,jpeg,bmp,PNG,JPG,JPEG,BMP}").load(folder).select("path", "content");
        StructType schema = new StructType().add("path", DataTypes.StringType, false)
                .add("image", DataTypes.createArrayType(DataTypes.FloatType, false), false);
        return files.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> ImageRows.decode(rows, size, channels),
                Encoders.row(schema));
    }

    /** A Parquet file or folder with an array&lt;float&gt; column of images. */
    public Dataset<Row> readParquet(String path) { return spark.read().parquet(path); }

    /**
     * A CSV file with a header: a column named {@code keyColumn} (if present) is the key, every other column is one
     * pixel value in order; they become an array&lt;float&gt; column {@code image}.
     */
    public Dataset<Row> readCsv(String path, String keyColumn) {
        Dataset<Row> csv = spark.read().option("header", "true").option("inferSchema", "true").csv(path);
        List<org.apache.spark.sql.Column> pixels = new ArrayList<>();
        for (StructField f : csv.schema().fields()) {
            if (f.name().equals(keyColumn)) continue;
            if (!(f.dataType() instanceof org.apache.spark.sql.types.NumericType))
                throw new IllegalArgumentException("column " + f.name() + " of " + path + " is " + f.dataType().simpleString()
                        + ", not a number (every column but " + keyColumn + " is a pixel value)");
            pixels.add(csv.col("`" + f.name() + "`").cast(DataTypes.FloatType));
        }
        org.apache.spark.sql.Column image = org.apache.spark.sql.functions.array(pixels.toArray(org.apache.spark.sql.Column[]::new));
        return List.of(csv.columns()).contains(keyColumn) ? csv.select(csv.col(keyColumn), image.as("image"))
                : csv.select(image.as("image"));
    }

    /**
     * Scores {@code imageColumn} (array&lt;float&gt; of {@link #inputSize()} values in [0, 1]) keyed by {@code keyColumn};
     * without such a column, the key is a unique row id ({@code row_id}, Spark's monotonically increasing id).
     */
    public Dataset<Row> score(Dataset<Row> in, String keyColumn, String imageColumn) {
        StructType schema = in.schema();
        if (!List.of(schema.fieldNames()).contains(imageColumn))
            throw new IllegalArgumentException("the input has no column " + imageColumn + " (it has " + String.join(", ", schema.fieldNames()) + ")");
        var type = schema.apply(imageColumn).dataType();
        if (!(type instanceof ArrayType a) || !a.elementType().equals(DataTypes.FloatType))
            throw new IllegalArgumentException("column " + imageColumn + " is " + type.simpleString() + ", not array<float>");
        if (!List.of(schema.fieldNames()).contains(keyColumn)) {
            keyColumn = "row_id";
            in = in.withColumn(keyColumn, org.apache.spark.sql.functions.monotonically_increasing_id());
        }
        Dataset<Row> pairs = in.select(in.col(keyColumn), in.col(imageColumn));
        StructType out = new StructType().add(pairs.schema().fields()[0])
                .add(MU, DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add(LOGVAR, DataTypes.createArrayType(DataTypes.FloatType, false), false)
                .add(SCORE, DataTypes.DoubleType, false).add(RECON, DataTypes.DoubleType, false).add(KL, DataTypes.DoubleType, false);
        Broadcast<byte[]> ckpt = checkpoint;
        String k = key, name = keyColumn;
        int dim = input.size();
        return pairs.mapPartitions((MapPartitionsFunction<Row, Row>) rows -> scoreRows(ExecutorCache.model(k, ckpt.value()),
                rows, dim, name), Encoders.row(out));
    }

    /** Scores a partition ROWS_PER_CALL rows at a time. */
    private static Iterator<Row> scoreRows(VaeModel model, Iterator<Row> rows, int dim, String keyName) {
        return new Iterator<>() {
            private final List<Row> ready = new ArrayList<>();
            private int next;

            @Override public boolean hasNext() {
                if (next < ready.size()) return true;
                ready.clear();
                next = 0;
                List<Object> keys = new ArrayList<>();
                List<float[]> images = new ArrayList<>();
                while (rows.hasNext() && keys.size() < ROWS_PER_CALL) {
                    Row r = rows.next();
                    keys.add(r.get(0));
                    images.add(toFloats(r.getList(1), dim, keyName + " " + r.get(0)));
                }
                if (keys.isEmpty()) return false;
                VaeModel.Score[] s = model.scores(images.toArray(float[][]::new));
                for (int i = 0; i < s.length; i++)
                    ready.add(RowFactory.create(keys.get(i), s[i].mu(), s[i].logvar(), s[i].score(), s[i].recon(), s[i].kl()));
                return true;
            }

            @Override public Row next() {
                if (!hasNext()) throw new java.util.NoSuchElementException();
                return ready.get(next++);
            }
        };
    }

    private static float[] toFloats(List<Object> values, int dim, String row) {
        if (values == null) throw new IllegalArgumentException("the row " + row + " has no image (null)");
        if (values.size() != dim)
            throw new IllegalArgumentException("the row " + row + " has " + values.size() + " values but the model takes " + dim);
        float[] x = new float[dim];
        for (int i = 0; i < dim; i++) {
            Object v = values.get(i);
            if (v == null) throw new IllegalArgumentException("the row " + row + " has a null value at index " + i);
            x[i] = (Float) v;
        }
        return x;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
