package tornadovae.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.api.VaeModel;
import tornadovae.engine.Checkpoints;
import tornadovae.io.data.ImageDecoder;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.Loss;
import tornadovae.model.Shape;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/** Spark's scores are VaeModel's, row for row, from each kind of input; the checkpoint is loaded once per JVM. */
class SparkScoringTest {
    @TempDir static Path dir;
    static Path checkpoint;
    static VaeModel model;
    static SparkSession spark;
    static int loadsBefore;

    @BeforeAll
    static void setUp() throws Exception {
        spark = TestSpark.session();
        Vae vae = new VaeSpec("mlp", Shape.of(1, 8, 8), new int[]{16}, 3, ActivationKind.RELU, 0.2f, Loss.parse("bce")).build();
        float[] params = new float[vae.paramCount()];
        vae.initParams(params, 3);
        checkpoint = dir.resolve("model.safetensors");
        Checkpoints.save(checkpoint, vae, params, Map.of());
        model = VaeModel.load(checkpoint);
        loadsBefore = ExecutorCache.modelLoads();
    }

    @AfterAll static void close() { model.close(); }

    /** Every Spark row against VaeModel.score of the same input, exactly. */
    private static void assertSameScores(Map<Object, float[]> inputs, List<Row> rows, String key) {
        assertEquals(inputs.size(), rows.size());
        for (Row r : rows) {
            float[] x = inputs.get(r.getAs(key));
            assertTrue(x != null, "unexpected key " + r.getAs(key));
            VaeModel.Score want = model.scores(new float[][]{x})[0];
            assertArrayEquals(want.mu(), floats(r.getList(r.fieldIndex(SparkScoring.MU))));
            assertArrayEquals(want.logvar(), floats(r.getList(r.fieldIndex(SparkScoring.LOGVAR))));
            assertEquals(want.score(), r.getDouble(r.fieldIndex(SparkScoring.SCORE)));
            assertEquals(model.anomalyScore(x), r.getDouble(r.fieldIndex(SparkScoring.SCORE)));
            assertEquals(want.recon(), r.getDouble(r.fieldIndex(SparkScoring.RECON)));
            assertEquals(want.kl(), r.getDouble(r.fieldIndex(SparkScoring.KL)));
        }
        // one load in this JVM (the driver is the executor in local mode), whichever test ran first
        assertEquals(1, ExecutorCache.modelLoads() - loadsBefore, "checkpoint loads");
    }

    private static float[] floats(List<Object> l) {
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) f[i] = (Float) l.get(i);
        return f;
    }

    private static float[] randomImage(Random r) {
        float[] x = new float[64];
        for (int i = 0; i < x.length; i++) x[i] = r.nextFloat();
        return x;
    }

    @Test
    void imageFolderOverSeveralPartitions() throws Exception {
        Path folder = dir.resolve("images");
        Files.createDirectories(folder.resolve("sub"));
        Random r = new Random(5);
        Map<Object, float[]> inputs = new HashMap<>();
        for (int i = 0; i < 12; i++) {
            BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
            for (int y = 0; y < 8; y++) for (int x = 0; x < 8; x++) img.getRaster().setSample(x, y, 0, r.nextInt(256));
            Path f = (i % 2 == 0 ? folder : folder.resolve("sub")).resolve("img" + i + ".png");
            ImageIO.write(img, "png", f.toFile());
            inputs.put(f.toUri().toString().replace("file:///", "file:/"), ImageDecoder.read(f, 8, 1));
        }
        SparkScoring s = SparkScoring.load(spark, checkpoint);
        List<Row> rows = s.score(s.readImages(folder.toString()).repartition(3), "path", "image").collectAsList();
        assertSameScores(inputs, rows, "path");
    }

    @Test
    void parquetThroughTheCommandLine() throws Exception {
        Random r = new Random(6);
        Map<Object, float[]> inputs = new HashMap<>();
        List<Row> rows = new ArrayList<>();
        for (long id = 100; id < 140; id++) {
            float[] x = randomImage(r);
            inputs.put(id, x);
            List<Float> l = new ArrayList<>();
            for (float v : x) l.add(v);
            rows.add(RowFactory.create(id, l));
        }
        StructType schema = new StructType().add("id", DataTypes.LongType).add("image", DataTypes.createArrayType(DataTypes.FloatType));
        Path in = dir.resolve("in.parquet"), out = dir.resolve("scores.parquet");
        spark.createDataFrame(rows, schema).repartition(3).write().parquet(in.toString());
        TestSpark.Run run = TestSpark.cli("score", "--checkpoint", checkpoint.toString(), "--input", in.toString(), "--out", out.toString());
        assertEquals(0, run.code(), run.err());
        Dataset<Row> scored = spark.read().parquet(out.toString());
        assertEquals(List.of("id", "mu", "logvar", "score", "recon", "kl"), List.of(scored.columns()));
        assertSameScores(inputs, scored.collectAsList(), "id");
    }

    @Test
    void csvWithAnIdColumn() throws Exception {
        Random r = new Random(7);
        Map<Object, float[]> inputs = new HashMap<>();
        StringBuilder csv = new StringBuilder("id");
        for (int i = 0; i < 64; i++) csv.append(",p").append(i);
        csv.append('\n');
        for (int id = 0; id < 10; id++) {
            float[] x = randomImage(r);
            inputs.put(id, x);
            csv.append(id);
            for (float v : x) csv.append(',').append(v);   // Float.toString reads back to the same float
            csv.append('\n');
        }
        Path in = dir.resolve("in.csv");
        Files.writeString(in, csv);
        SparkScoring s = SparkScoring.load(spark, checkpoint);
        assertSameScores(inputs, s.score(s.readCsv(in.toString(), "id"), "id", "image").collectAsList(), "id");
    }

    @Test
    void badInputIsOneSentence() throws Exception {
        Path out = dir.resolve("never");
        TestSpark.Run missing = TestSpark.cli("score", "--checkpoint", dir.resolve("nope.safetensors").toString(),
                "--input", dir.toString(), "--out", out.toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().startsWith("vae: the checkpoint "), missing.err());

        TestSpark.Run unreadable = TestSpark.cli("score", "--checkpoint", checkpoint.toString(),
                "--input", dir.resolve("no-such-folder").toString(), "--out", out.toString());
        assertEquals(1, unreadable.code());
        assertTrue(unreadable.err().contains("no-such-folder"), unreadable.err());

        Path doubles = dir.resolve("doubles.parquet");
        spark.createDataFrame(List.of(RowFactory.create(1L, List.of(0.5))),
                new StructType().add("id", DataTypes.LongType).add("image", DataTypes.createArrayType(DataTypes.DoubleType)))
                .write().parquet(doubles.toString());
        TestSpark.Run wrongType = TestSpark.cli("score", "--checkpoint", checkpoint.toString(), "--input", doubles.toString(),
                "--out", out.toString());
        assertEquals(1, wrongType.code());
        assertTrue(wrongType.err().contains("array<double>"), wrongType.err());
        // a bad row is found inside a task: the sentence still reaches the user, naming the row, out of Spark's wrappers
        Path shortRow = dir.resolve("short.parquet");
        spark.createDataFrame(List.of(RowFactory.create(42L, List.of(0.5f, 0.5f, 0.5f))),
                new StructType().add("id", DataTypes.LongType).add("image", DataTypes.createArrayType(DataTypes.FloatType)))
                .write().parquet(shortRow.toString());
        TestSpark.Run wrongLength = TestSpark.cli("score", "--checkpoint", checkpoint.toString(), "--input", shortRow.toString(),
                "--out", out.toString());
        assertEquals(1, wrongLength.code());
        assertTrue(wrongLength.err().startsWith("vae: the row id 42 has 3 values but the model takes 64"), wrongLength.err());
        for (TestSpark.Run run : List.of(missing, unreadable, wrongType, wrongLength))
            assertEquals(1, run.err().strip().lines().count(), run.err());
        assertFalse(Files.exists(out));
    }
}
