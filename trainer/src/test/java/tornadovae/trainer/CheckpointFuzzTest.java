package tornadovae.trainer;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import tornadovae.engine.Checkpoints;
import tornadovae.engine.Noise;
import tornadovae.io.DataFormatException;
import tornadovae.io.data.ImageFolderOptions;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.ConvSpec;
import tornadovae.model.Loss;
import tornadovae.model.Optimizer;
import tornadovae.model.Shape;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/**
 * Mutated checkpoints against Checkpoints.load and ResumeCheckpoint.load: either exactly the saved model comes back
 * (same architecture, parameters and Adam state, bit for bit; for a resume checkpoint the same options and position)
 * or a DataFormatException names the file; never another exception, a hang or an allocation the file cannot justify.
 * Seeds: an MLP, a conv model, an rgb128-conv-shaped one (five stride-2 layers, kernel 4, a fixed flatten size; on
 * 32×32 so it stays small), each as a checkpoint with Adam's moments and as a resume checkpoint.
 * (The io module fuzzes the safetensors layer beneath.)
 */
class CheckpointFuzzTest {
    enum Kind {
        MLP(new VaeSpec("mlp", Shape.of(1, 4, 4), new int[]{3}, 2, ActivationKind.RELU, 0.2f, Loss.BCE)),
        CONV(new VaeSpec("conv", Shape.of(1, 6, 6), new int[]{3}, 2, ActivationKind.LEAKY_RELU, 0.2f, Loss.BCE,
                new ConvSpec(new int[]{2, 3}, 3, 2, 1, 0))),
        RGB128_SHAPED(new VaeSpec("rgb128-conv", Shape.of(3, 32, 32), new int[0], 3, ActivationKind.LEAKY_RELU, 0.2f,
                Loss.BCE_MSE, new ConvSpec(new int[]{2, 2, 3, 3, 4}, 4, 2, 1, 4)));

        final VaeSpec spec;
        Kind(VaeSpec spec) { this.spec = spec; }
    }

    /** One seed file and what loading it must give back. */
    record Seed(Kind kind, byte[] bytes, float[] params, float[] m, float[] v, Map<String, String> metadata) {}

    static Path dir;
    static final Map<Kind, Seed> CHECKPOINTS = new EnumMap<>(Kind.class), RESUMES = new EnumMap<>(Kind.class);

    @BeforeContainer
    static void seed() throws IOException {
        dir = Files.createTempDirectory("checkpoint-fuzz");
        Files.createDirectories(dir.resolve("run"));
        for (Kind k : Kind.values()) {
            CHECKPOINTS.put(k, write(k, Map.of("train.lr", "0.001", "train.epoch", "3")));
            TrainOptions o = new TrainOptions("mnist", Path.of("data/mnist"), k.spec, 4, 8, 1e-3f, 1f, Optimizer.adam(), 7,
                    "jvm", null, 1, dir.resolve("run"), true, ImageFolderOptions.defaults(), new KlSchedule(1, 0, 0f), 1);
            var p = new ResumeCheckpoint.Position(2, 3, 11, new Noise(7).saveState(), new Noise(8).saveState(), 12.5, 3.25);
            RESUMES.put(k, write(k, CheckpointMetadata.resume(o, List.of(), p)));
        }
    }

    static Seed write(Kind k, Map<String, String> settings) throws IOException {
        Vae vae = k.spec.build();
        float[] params = new float[vae.paramCount()];
        vae.initParams(params, 1);
        float[] m = params.clone(), v = new float[params.length];
        for (int i = 0; i < v.length; i++) { m[i] *= 0.1f; v[i] = i * 1e-4f; }
        Map<String, float[]> extra = new LinkedHashMap<>();
        extra.put(ResumeCheckpoint.ADAM_M, m);
        extra.put(ResumeCheckpoint.ADAM_V, v);
        Path f = dir.resolve("seed.safetensors");
        Checkpoints.save(f, vae, params, extra, settings);
        return new Seed(k, Files.readAllBytes(f), params, m, v, Checkpoints.load(f).metadata());
    }

    @AfterContainer
    static void clean() throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    /** Loads {@code file} as a checkpoint with Adam arenas: the seed's contents or a DataFormatException naming it. */
    static boolean check(Seed seed, byte[] file) throws Exception {
        Path p = Files.write(dir.resolve("fuzz.safetensors"), file);
        Checkpoints.WithArenas loaded = withinBudget(file, p, () -> Checkpoints.loadWith(p, ResumeCheckpoint.ADAM_M, ResumeCheckpoint.ADAM_V));
        if (loaded == null) return false;
        assertEquals(seed.kind().spec, loaded.loaded().spec());
        assertArrayEquals(seed.params(), loaded.loaded().params(), "accepted, so the parameters must be the saved ones");
        assertArrayEquals(seed.m(), loaded.arenas().get(ResumeCheckpoint.ADAM_M));
        assertArrayEquals(seed.v(), loaded.arenas().get(ResumeCheckpoint.ADAM_V));
        assertSameMetadata(seed, loaded.loaded().metadata());
        return true;
    }

    /** Loads {@code file} as RUN/resume.safetensors: the seed's run or a DataFormatException naming it. */
    static boolean checkResume(Seed seed, byte[] file) throws Exception {
        Path p = Files.write(dir.resolve("run").resolve(ResumeCheckpoint.FILE), file);
        ResumeCheckpoint.Loaded loaded = withinBudget(file, p, () -> ResumeCheckpoint.load(dir.resolve("run"), 1, true));
        if (loaded == null) return false;
        loaded.close();
        assertEquals(seed.kind().spec, loaded.options().spec());
        assertArrayEquals(seed.params(), loaded.params());
        assertArrayEquals(seed.m(), loaded.adamM());
        assertArrayEquals(seed.v(), loaded.adamV());
        // what was parsed writes back to what was saved: options and position, RNG states included
        CheckpointMetadata.resume(loaded.options(), List.of(), loaded.position())
                .forEach((key, value) -> assertEquals(seed.metadata().get(key), value, key));
        assertSameMetadata(seed, loaded.metadata());
        return true;
    }

    static void assertSameMetadata(Seed seed, Map<String, String> got) {
        for (var e : seed.metadata().entrySet())
            if (!e.getKey().equals(Checkpoints.FORMAT_KEY) && !e.getKey().startsWith("checksum"))
                assertEquals(e.getValue(), got.get(e.getKey()), e.getKey());
    }

    /** Runs a load: null after a DataFormatException naming {@code p}; never a hang or an allocation past the file's worth. */
    static <T> T withinBudget(byte[] file, Path p, org.junit.jupiter.api.function.ThrowingSupplier<T> load) {
        return assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = mx.getCurrentThreadAllocatedBytes();
            T w = null;
            try {
                w = load.get();
            } catch (IOException e) {
                assertInstanceOf(DataFormatException.class, e, () -> "not a DataFormatException: " + e);
                assertTrue(e.getMessage().contains(p.getFileName().toString()), e.getMessage());
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 16L * file.length + (8 << 20), "allocated " + allocated + " bytes");
            return w;
        }, "loading hung");
    }

    @Example
    void theSeedsLoad() throws Exception {
        for (Kind k : Kind.values()) {
            assertTrue(check(CHECKPOINTS.get(k), CHECKPOINTS.get(k).bytes()), k.name());
            assertTrue(checkResume(RESUMES.get(k), RESUMES.get(k).bytes()), k.name());
        }
    }

    @Property
    void mutatedCheckpoints(@ForAll Kind kind, @ForAll long rngSeed, @ForAll @IntRange(min = 1, max = 2) int mutations) throws Exception {
        Seed s = CHECKPOINTS.get(kind);
        Statistics.collect(kind, check(s, mutate(s.bytes(), rngSeed, mutations)) ? "accepted" : "refused");
    }

    @Property
    void mutatedResumeCheckpoints(@ForAll Kind kind, @ForAll long rngSeed, @ForAll @IntRange(min = 1, max = 2) int mutations) throws Exception {
        Seed s = RESUMES.get(kind);
        Statistics.collect(kind, checkResume(s, mutate(s.bytes(), rngSeed, mutations)) ? "accepted" : "refused");
    }

    @Example
    void everySingleBitFlipInTheDataIsCaught() throws Exception {
        for (Kind k : Kind.values()) {
            byte[] seed = CHECKPOINTS.get(k).bytes();
            int dataStart = 8 + (int) ByteBuffer.wrap(seed).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            for (int at = dataStart; at < seed.length; at += 13) {
                byte[] b = seed.clone();
                b[at] ^= 1;
                assertFalse(check(CHECKPOINTS.get(k), b), k + ": a flipped bit at byte " + at + " was accepted");
            }
        }
    }

    @Example
    void anArchitectureClaimOfTrillionsOfParametersIsRefusedBeforeAllocating() throws Exception {
        // with the checksum entry renamed and the format downgraded, only the size checks stand between
        for (String[] claim : new String[][]{{"hidden", "3", "2147483647"}, {"hidden", "3", "65536"}}) {
            Seed s = CHECKPOINTS.get(Kind.MLP);
            String text = new String(s.bytes(), StandardCharsets.ISO_8859_1)
                    .replace("\"" + claim[0] + "\":\"" + claim[1] + "\"", "\"" + claim[0] + "\":\"" + claim[2] + "\"")
                    .replace("checksum.sha256", "checksum.sha999").replace("tornado-vae/2", "tornado-vae/1");
            assertFalse(check(s, text.getBytes(StandardCharsets.ISO_8859_1)), claim[2]);
        }
        Seed s = CHECKPOINTS.get(Kind.CONV);   // the same for convolutions: 4096 channels of kernel 64
        String text = new String(s.bytes(), StandardCharsets.ISO_8859_1)
                .replace("\"channels\":\"2,3\"", "\"channels\":\"4096,4096\"").replace("\"kernel\":\"3\"", "\"kernel\":\"64\"")
                .replace("checksum.sha256", "checksum.sha999").replace("tornado-vae/2", "tornado-vae/1");
        assertFalse(check(s, text.getBytes(StandardCharsets.ISO_8859_1)));
    }

    /** Bit flips, random bytes, truncation and numbers in the JSON header replaced with hostile ones. */
    static byte[] mutate(byte[] b, long rngSeed, int count) {
        Random r = new Random(rngSeed);
        long[] hostile = {0, 1, -1, 2, 3, 4, 65536, Integer.MAX_VALUE, 1L << 32, 1_000_000_000_000L, Long.MAX_VALUE};
        for (int k = 0; k < count; k++) {
            if (b.length == 0) break;   // an earlier truncation left nothing to mutate
            b = b.clone();
            int at = r.nextInt(b.length);
            switch (r.nextInt(5)) {
                case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
                case 1 -> b[at] = (byte) r.nextInt();
                case 2 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
                default -> {
                    if (b.length < 8) continue;   // truncated inside the header length: no JSON numbers left
                    String s = new String(b, StandardCharsets.ISO_8859_1);
                    var digits = java.util.regex.Pattern.compile("\\d+").matcher(s);
                    java.util.List<int[]> runs = new java.util.ArrayList<>();
                    int headerEnd = 8 + (int) Math.min(b.length - 8, Math.max(0, ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0)));
                    while (digits.find() && digits.end() <= headerEnd) if (digits.start() >= 8) runs.add(new int[]{digits.start(), digits.end()});
                    if (runs.isEmpty()) continue;
                    int[] run = runs.get(r.nextInt(runs.size()));
                    b = (s.substring(0, run[0]) + hostile[r.nextInt(hostile.length)] + s.substring(run[1])).getBytes(StandardCharsets.ISO_8859_1);
                }
            }
        }
        return b;
    }
}
