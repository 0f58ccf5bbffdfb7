package tornadovae.io.fuzz;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import tornadovae.io.safetensors.Safetensors;
import tornadovae.io.safetensors.Tensor;
import tornadovae.io.safetensors.TensorInfo;

/**
 * Random and mutated bytes against the safetensors reader: readHeader and read either describe exactly what
 * the bytes hold (tensors tiling the data section, values decoded from their own bytes) or throw a
 * DataFormatException naming the file; never another exception, a hang or an allocation the file cannot justify.
 */
class SafetensorsFuzzTest {
    static Path dir;
    static byte[] written, crafted;

    @BeforeContainer
    static void seeds() throws IOException {
        dir = Files.createTempDirectory("safetensors-fuzz");
        Map<String, Tensor> t = new LinkedHashMap<>();
        t.put("encoder.0.weight", Tensor.f32(new float[]{1, -2, 3.5f, 0, Float.MIN_VALUE, 1e30f}, 2, 3));
        t.put("encoder.0.bias", Tensor.f32(new float[]{0.25f, -0.5f}, 2));
        t.put("step", Tensor.f32(new float[]{7}));
        Path f = dir.resolve("seed.safetensors");
        Safetensors.write(f, t, Map.of("format", "tornado-vae/2", "hidden", "2"));
        written = Files.readAllBytes(f);
        crafted = craft();
        // the reader's classes (Jackson's parser) initialised here, so their one-time allocations do not count
        // against the first file's budget (the writer, which no longer uses Jackson, used to do this)
        Safetensors.read(f);
    }

    @AfterContainer
    static void clean() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files::iterator) Files.delete(p);
        }
        Files.delete(dir);
    }

    /** A file with one tensor of each dtype the reader converts, written by hand (the writer only writes F32). */
    static byte[] craft() {
        String json = "{\"__metadata__\":{\"k\":\"v\"},"
                + "\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]},"
                + "\"b\":{\"dtype\":\"BF16\",\"shape\":[1,2],\"data_offsets\":[4,8]},"
                + "\"c\":{\"dtype\":\"F64\",\"shape\":[2],\"data_offsets\":[8,24]},"
                + "\"d\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[24,28]},"
                + "\"e\":{\"dtype\":\"F32\",\"shape\":[0,5],\"data_offsets\":[28,28]}}";
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + 28).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h);
        b.putShort(Float.floatToFloat16(1.5f)).putShort(Float.floatToFloat16(-2f));
        b.putShort((short) (Float.floatToIntBits(3f) >>> 16)).putShort((short) (Float.floatToIntBits(-0.5f) >>> 16));
        b.putDouble(1e-3).putDouble(-4).putFloat(9f);
        return b.array();
    }

    static boolean check(byte[] file) throws IOException {
        Path p = Files.write(dir.resolve("fuzz.safetensors"), file);
        long budget = 8L * file.length + (4 << 20);
        var header = Hostile.run(() -> Safetensors.readHeader(p), budget);
        var contents = Hostile.run(() -> Safetensors.read(p), budget);
        if (header.error() != null) {
            Hostile.assertNamesFile(header.error(), p);
            assertNotNull(contents.error(), "read accepted a file that readHeader refused");
            return false;
        }
        Safetensors.Header h = header.result();
        checkHeaderTellsTheTruth(file, h);
        if (contents.error() != null) {   // a valid header with a dtype that is not converted to float
            Hostile.assertNamesFile(contents.error(), p);
            assertTrue(h.tensors().stream().anyMatch(t -> !List.of("F32", "F16", "BF16", "F64").contains(t.dtype())),
                    () -> "read refused a file whose header is fine: " + contents.error().getMessage());
            return false;
        }
        Safetensors.Contents c = contents.result();
        assertEquals(h.metadata(), c.metadata());
        assertEquals(h.tensors().stream().map(TensorInfo::name).toList(), List.copyOf(c.tensors().keySet()));
        for (TensorInfo info : h.tensors()) {
            Tensor t = c.tensors().get(info.name());
            assertArrayEquals(info.shape(), t.shape());
            ByteBuffer data = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < t.numel(); i++) {
                int at = (int) (h.dataStart() + info.begin());
                float want = switch (info.dtype()) {
                    case "F32" -> data.getFloat(at + 4 * i);
                    case "F64" -> (float) data.getDouble(at + 8 * i);
                    case "F16" -> Float.float16ToFloat(data.getShort(at + 2 * i));
                    default -> Float.intBitsToFloat((data.getShort(at + 2 * i) & 0xffff) << 16);
                };
                assertEquals(want, t.get(i), info + " value " + i);
            }
        }
        return true;
    }

    /** The header's tensors exactly tile the bytes after it, each spanning numel × dtype size bytes. */
    static void checkHeaderTellsTheTruth(byte[] file, Safetensors.Header h) {
        long headerLength = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
        assertEquals(8 + headerLength, h.dataStart());
        List<TensorInfo> byOffset = new ArrayList<>(h.tensors());
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin));
        long at = 0;
        Map<String, Integer> sizes = Map.of("F64", 8, "I64", 8, "U64", 8, "F32", 4, "I32", 4, "U32", 4, "F16", 2, "BF16", 2, "I16", 2, "U16", 2);
        for (TensorInfo t : byOffset) {
            assertEquals(at, t.begin(), "tensors tile the data section");
            assertEquals(t.numel() * sizes.getOrDefault(t.dtype(), 1), t.end() - t.begin(), t.toString());
            at = t.end();
        }
        assertEquals(file.length - h.dataStart(), at, "no bytes after the last tensor");
    }

    @Example
    void theSeedsAreRead() throws IOException {
        check(written);
        check(crafted);
        var c = Safetensors.read(Files.write(dir.resolve("crafted.safetensors"), crafted));
        assertEquals(-0.5f, c.tensors().get("b").get(1));
        assertEquals(9f, c.tensors().get("d").get(0));
    }

    @Property
    void randomBytes(@ForAll @Size(max = 300) byte[] bytes) throws IOException { check(bytes); }

    @Property
    void randomJsonAfterAValidLength(@ForAll @Size(max = 200) byte[] bytes) throws IOException {
        byte[] file = new byte[8 + 1 + bytes.length];
        ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).putLong(1 + bytes.length);
        file[8] = '{';
        System.arraycopy(bytes, 0, file, 9, bytes.length);
        check(file);
    }

    @Property
    void mutatedWrittenFile(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int mutations) throws IOException {
        Fuzz.collect(check(Hostile.mutate(written, seed, mutations)));
    }

    @Property
    void mutatedCraftedFile(@ForAll long seed, @ForAll @IntRange(min = 1, max = 4) int mutations) throws IOException {
        Fuzz.collect(check(Hostile.mutate(crafted, seed, mutations)));
    }

    @Example
    void headersClaimingTrillionsOfElementsAreRefusedBeforeAllocating() throws IOException {
        for (String shape : List.of("[1000000,1000000]", "[1000000000000]", "[9223372036854775807,2]", "[4294967296]")) {
            String json = "{\"w\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[0,4000000000000]}}";
            byte[] h = json.getBytes(StandardCharsets.UTF_8);
            byte[] file = ByteBuffer.allocate(8 + h.length + 64).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).put(h).array();
            check(file);
            assertThrows(tornadovae.io.DataFormatException.class, () -> Safetensors.read(dir.resolve("fuzz.safetensors")));
        }
        byte[] hugeHeader = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1_000_000_000_000L).array();
        check(hugeHeader);
    }
}
