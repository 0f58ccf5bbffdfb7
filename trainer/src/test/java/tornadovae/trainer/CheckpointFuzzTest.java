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
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import tornadovae.io.DataFormatException;
import tornadovae.kernels.ActivationKind;
import tornadovae.model.Loss;
import tornadovae.model.Shape;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/**
 * Mutated checkpoints against Checkpoints.load: either exactly the saved model comes back (same architecture,
 * parameters and Adam state, bit for bit) or a DataFormatException names the file; never another exception,
 * a hang or an allocation the file cannot justify. (The io module fuzzes the safetensors layer beneath.)
 */
class CheckpointFuzzTest {
    static Path dir;
    static byte[] seed;
    static VaeSpec spec = new VaeSpec("mlp", Shape.of(1, 4, 4), new int[]{3}, 2, ActivationKind.RELU, 0.2f, Loss.BCE);
    static float[] params, m, v;
    static Map<String, String> metadata;

    @BeforeContainer
    static void seed() throws IOException {
        dir = Files.createTempDirectory("checkpoint-fuzz");
        Vae vae = spec.build();
        params = new float[vae.paramCount()];
        vae.initParams(params, 1);
        m = params.clone();
        v = new float[params.length];
        for (int i = 0; i < v.length; i++) { m[i] *= 0.1f; v[i] = i * 1e-4f; }
        Map<String, float[]> extra = new LinkedHashMap<>();
        extra.put(ResumeCheckpoint.ADAM_M, m);
        extra.put(ResumeCheckpoint.ADAM_V, v);
        Path f = dir.resolve("seed.safetensors");
        Checkpoints.save(f, vae, params, extra, Map.of("train.lr", "0.001", "train.epoch", "3"));
        seed = Files.readAllBytes(f);
        metadata = Checkpoints.load(f).metadata();
    }

    @AfterContainer
    static void clean() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) Files.delete(p);
        }
        Files.delete(dir);
    }

    static boolean check(byte[] file) throws Exception {
        Path p = Files.write(dir.resolve("fuzz.safetensors"), file);
        Checkpoints.WithArenas loaded = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = mx.getCurrentThreadAllocatedBytes();
            Checkpoints.WithArenas w = null;
            try {
                w = Checkpoints.loadWith(p, ResumeCheckpoint.ADAM_M, ResumeCheckpoint.ADAM_V);
            } catch (IOException e) {
                assertInstanceOf(DataFormatException.class, e, () -> "not a DataFormatException: " + e);
                assertTrue(e.getMessage().contains("fuzz.safetensors"), e.getMessage());
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated < 16L * file.length + (8 << 20), "allocated " + allocated + " bytes");
            return w;
        }, "Checkpoints.load hung");
        if (loaded == null) return false;
        assertEquals(spec, loaded.loaded().spec());
        assertArrayEquals(params, loaded.loaded().params(), "accepted, so the parameters must be the saved ones");
        assertArrayEquals(m, loaded.arenas().get(ResumeCheckpoint.ADAM_M));
        assertArrayEquals(v, loaded.arenas().get(ResumeCheckpoint.ADAM_V));
        for (var e : metadata.entrySet())
            if (!e.getKey().equals(Checkpoints.FORMAT_KEY) && !e.getKey().startsWith("checksum"))
                assertEquals(e.getValue(), loaded.loaded().metadata().get(e.getKey()), e.getKey());
        return true;
    }

    @Example
    void theSeedLoads() throws Exception { assertTrue(check(seed)); }

    @Property
    void mutatedCheckpoints(@ForAll long rngSeed, @ForAll @IntRange(min = 1, max = 2) int mutations) throws Exception {
        Statistics.collect(check(mutate(seed, rngSeed, mutations)) ? "accepted" : "refused");
    }

    @Example
    void everySingleBitFlipInTheDataIsCaught() throws Exception {
        int dataStart = 8 + (int) ByteBuffer.wrap(seed).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        for (int at = dataStart; at < seed.length; at += 13) {
            byte[] b = seed.clone();
            b[at] ^= 1;
            assertFalse(check(b), "a flipped bit at byte " + at + " was accepted");
        }
    }

    @Example
    void anArchitectureClaimOfTrillionsOfParametersIsRefusedBeforeAllocating() throws Exception {
        // with the checksum entry renamed and the format downgraded, only the size check stands between
        String text = new String(seed, StandardCharsets.ISO_8859_1)
                .replace("\"hidden\":\"3\"", "\"hidden\":\"2147483647\"").replace("checksum.sha256", "checksum.sha999")
                .replace("tornado-vae/2", "tornado-vae/1");
        assertFalse(check(text.getBytes(StandardCharsets.ISO_8859_1)));
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
