package tornadovae.io.safetensors;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tornadovae.io.DataFormatException;

class SafetensorsTest {
    @TempDir Path dir;

    /** Three parameters living in one arena, as the model keeps them. */
    private static float[] arena() {
        float[] a = new float[2 + 6 + 3 + 1];
        for (int i = 0; i < a.length; i++) a[i] = i * 0.25f - 1;
        return a;
    }

    private static LinkedHashMap<String, Tensor> slicesOf(float[] arena) {
        LinkedHashMap<String, Tensor> t = new LinkedHashMap<>();
        t.put("enc.w", Tensor.f32Slice(arena, 2, 2, 3));
        t.put("enc.b", Tensor.f32Slice(arena, 8, 3));
        t.put("z.scale", Tensor.f32Slice(arena, 11));   // a scalar
        return t;
    }

    @Test
    void roundTripsSlicesOfAnArenaWithMetadata() throws IOException {
        float[] arena = arena();
        Path file = dir.resolve("model.safetensors");
        Safetensors.write(file, slicesOf(arena), Map.of("architecture", "{\"kind\":\"mlp\"}"));

        long headerLength = ByteBuffer.wrap(Files.readAllBytes(file), 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, headerLength % 8, "data must start 8-byte aligned");
        assertEquals(8 + headerLength + 4 * 10, Files.size(file));

        Safetensors.Contents c = Safetensors.read(file);
        assertEquals(Map.of("architecture", "{\"kind\":\"mlp\"}"), c.metadata());
        assertEquals(List.of("enc.w", "enc.b", "z.scale"), List.copyOf(c.tensors().keySet()));
        assertArrayEquals(new long[] {2, 3}, c.tensors().get("enc.w").shape());
        assertArrayEquals(new long[0], c.tensors().get("z.scale").shape());
        assertArrayEquals(slicesOf(arena).get("enc.w").toArray(), c.tensors().get("enc.w").data());
        assertEquals(arena[11], c.tensors().get("z.scale").get(0));

        float[] loaded = new float[arena.length];
        Safetensors.readInto(file, slicesOf(loaded));
        assertArrayEquals(java.util.Arrays.copyOfRange(arena, 2, 12), java.util.Arrays.copyOfRange(loaded, 2, 12));
        assertEquals(0f, loaded[0], "bytes outside the slices stay untouched");
    }

    /** The header is written by hand (not by Jackson): every string must come back as it went in. */
    @Test
    void awkwardNamesAndMetadataRoundTrip() throws IOException {
        String awkward = "quote \" backslash \\ slash / tab \t newline \n cr \r bell \u0007 nul \u0000 del \u007f é 中 😀 \\u0041";
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(awkward, awkward + "!");
        meta.put("", "an empty key");
        meta.put("path", "C:\\runs\\mnist\\");
        LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
        tensors.put(awkward, Tensor.f32Slice(arena(), 0, 2));
        tensors.put("\"", Tensor.f32Slice(arena(), 2, 1, 2));
        Path file = dir.resolve("awkward.safetensors");
        Safetensors.write(file, tensors, meta);

        Safetensors.Contents c = Safetensors.read(file);
        assertEquals(meta, c.metadata());
        assertEquals(List.of(awkward, "\""), List.copyOf(c.tensors().keySet()));
        assertArrayEquals(new long[] {1, 2}, c.tensors().get("\"").shape());
        assertArrayEquals(new float[] {arena()[2], arena()[3]}, c.tensors().get("\"").data());
        String header = Safetensors.headerJson(tensors, Map.of());
        assertFalse(header.contains("__metadata__"), header);
        assertTrue(header.startsWith("{\"" + awkward.substring(0, 6)), header);
    }

    @Test
    void readsAFileWrittenByTheReferenceImplementation() throws Exception {
        Path file = Path.of(getClass().getResource("/safetensors/reference.safetensors").toURI());
        Safetensors.Contents c = Safetensors.read(file);
        assertEquals(Map.of("format", "pt", "architecture", "{\"kind\": \"mlp\"}"), c.metadata());
        Map<String, Tensor> t = c.tensors();
        assertEquals(6, t.size());
        float[] w = t.get("encoder.fc1.weight").data();
        for (int i = 0; i < 12; i++) assertEquals(i * 0.5f - 1, w[i]);
        assertArrayEquals(new long[] {3, 4}, t.get("encoder.fc1.weight").shape());
        assertArrayEquals(new float[] {1e-8f, -2.5f, 3f, Float.POSITIVE_INFINITY, -0f}, t.get("decoder.out.bias").data());
        assertEquals(3.25f, t.get("scalar").get(0));
        assertEquals("F16", t.get("half").dtype());
        assertArrayEquals(new float[] {0.5f, -1f, 65504f, 6.097555160522461e-05f, 0f, 0.333251953125f}, t.get("half").data());
        assertArrayEquals(new float[] {1f / 3, -2f, Float.POSITIVE_INFINITY, 0f}, t.get("double").data());
        assertArrayEquals(new long[] {0, 7}, t.get("empty").shape());
        assertEquals(0, t.get("empty").numel());
    }

    @Test
    void convertsBf16() throws IOException {
        ByteBuffer data = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) (Float.floatToIntBits(1.5f) >>> 16)).putShort((short) (Float.floatToIntBits(-3f) >>> 16));
        Path file = raw("{\"b\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[0,4]}}", data.array());
        assertArrayEquals(new float[] {1.5f, -3f}, Safetensors.read(file).tensors().get("b").data());
    }

    @Test
    void aTensorClaimingATrillionElementsIsRefusedWithoutAllocating() throws IOException {
        Path file = raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000,1000000],\"data_offsets\":[0,4000000000000]}}", new byte[16]);
        assertProblem(file, "has tensor 'w' with data_offsets [0, 4000000000000] beyond the data section's 16 bytes "
                + "(the file is truncated or its header is wrong)");
        Path lying = raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1000000,1000000],\"data_offsets\":[0,16]}}", new byte[16]);
        assertProblem(lying, "has tensor 'w' of shape [1000000, 1000000] (4000000000000 bytes as F32) but its data_offsets [0, 16] span 16 bytes");
    }

    @Test
    void aHeaderLengthBeyondTheFileIsRefusedWithoutAllocating() throws IOException {
        byte[] bytes = new byte[64];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40);
        Path file = Files.write(dir.resolve("x.safetensors"), bytes);
        assertProblem(file, "claims a 1099511627776-byte header but the file has only 64 bytes (it is truncated or not a safetensors file)");
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putLong(-1L);
        Files.write(file, bytes);
        assertProblem(file, "claims a 18446744073709551615-byte header but the file has only 64 bytes (it is truncated or not a safetensors file)");
    }

    @Test
    void truncatedAndForeignFilesAreRefused() throws IOException {
        Path tiny = Files.write(dir.resolve("tiny"), new byte[5]);
        assertProblem(tiny, "is too short for a safetensors file (5 bytes; the header length alone takes 8)");

        Path file = dir.resolve("m.safetensors");
        Safetensors.write(file, slicesOf(arena()), Map.of());
        byte[] whole = Files.readAllBytes(file);
        Files.write(file, java.util.Arrays.copyOf(whole, whole.length - 4));
        assertProblem(file, "has tensor 'z.scale' with data_offsets [36, 40] beyond the data section's 36 bytes "
                + "(the file is truncated or its header is wrong)");

        Path png = raw("PNG", new byte[0]);
        assertProblem(png, "does not start with a JSON header (it is not a safetensors file)");
        assertProblem(dir.resolve("nope.safetensors"), "file not found");
        assertProblem(dir, "is a folder, not a safetensors file");
    }

    @Test
    void malformedHeadersAreRefused() throws IOException {
        assertProblem(raw("{\"w\": {\"dtype\": \"F32\"", new byte[0]), "has a malformed JSON header (Unexpected end-of-input: expected close marker for Object at header byte 24)");
        assertProblem(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]),
                "has a malformed JSON header (Duplicate field 'w' at header byte 57)");
        assertProblem(raw("{\"__metadata__\":{\"epoch\":3}}", new byte[0]),
                "has __metadata__ entry 'epoch' that is not a string (safetensors metadata maps strings to strings)");
        assertProblem(raw("{\"w\":{\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]), "has tensor 'w' with unknown dtype 'F33'");
        assertProblem(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", new byte[4]),
                "has tensor 'w' shape entry -1 that is not a non-negative integer");
        assertProblem(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]), "has tensor 'w' without data_offsets [begin, end]");
        assertProblem(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", new byte[4]),
                "has tensor 'w' with data_offsets [4, 0] that end before they begin");
        assertProblem(raw("[1, 2]", new byte[0]), "does not start with a JSON header (it is not a safetensors file)");
        assertProblem(raw("{\"w\":[]}", new byte[0]), "has tensor 'w' whose header entry is not a JSON object");
    }

    @Test
    void tensorsMustTileTheDataSection() throws IOException {
        assertProblem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", new byte[12]),
                "has tensors 'a' and 'b' whose data overlap");
        assertProblem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", new byte[8]),
                "has 4 bytes at data offset 0 that no tensor uses");
        assertProblem(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[8]),
                "has 4 bytes after its last tensor's data that no tensor uses");
    }

    @Test
    void unsupportedDtypesAreNamedButTheirHeaderIsReadable() throws IOException {
        Path file = raw("{\"steps\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]}}", new byte[8]);
        assertEquals("I64", Safetensors.readHeader(file).tensors().get(0).dtype());
        assertProblem(file, "has tensor 'steps' of dtype I64, which tornado-vae cannot read (it reads F32, F16, BF16 and F64)");
    }

    @Test
    void readIntoChecksNamesAndShapesBeforeWritingAnything() throws IOException {
        Path file = dir.resolve("m.safetensors");
        Safetensors.write(file, slicesOf(arena()), Map.of());
        float[] target = new float[12];
        LinkedHashMap<String, Tensor> wrongShape = slicesOf(target);
        wrongShape.put("enc.w", Tensor.f32Slice(target, 2, 3, 2));
        DataFormatException e = assertThrows(DataFormatException.class, () -> Safetensors.readInto(file, wrongShape));
        assertEquals(file + ": has tensor 'enc.w' of shape [2, 3] where the model needs [3, 2]", e.getMessage());
        assertArrayEquals(new float[12], target, "nothing may be loaded from a mismatching file");

        LinkedHashMap<String, Tensor> more = slicesOf(target);
        more.put("dec.w", Tensor.f32(new float[1], 1));
        e = assertThrows(DataFormatException.class, () -> Safetensors.readInto(file, more));
        assertEquals(file + ": has no tensor 'dec.w'", e.getMessage());

        LinkedHashMap<String, Tensor> fewer = slicesOf(target);
        fewer.remove("enc.b");
        e = assertThrows(DataFormatException.class, () -> Safetensors.readInto(file, fewer));
        assertEquals(file + ": has tensor 'enc.b' that the model does not have", e.getMessage());
    }

    @Test
    void writeRefusesWhatItCannotWriteAndLeavesNoFile() {
        Path file = dir.resolve("m.safetensors");
        Map<String, Tensor> f16 = Map.of("h", new Tensor("F16", new long[] {1}, new float[1], 0));
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(file, f16, Map.of()));
        IOException e = assertThrows(IOException.class, () -> Safetensors.write(dir.resolve("no/such/m.safetensors"), slicesOf(arena()), Map.of()));
        assertTrue(e.getMessage().endsWith("does not exist"), e.getMessage());
        assertFalse(Files.exists(file));
    }

    @Test
    void tensorSlicesMustFitTheirArray() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.f32Slice(new float[5], 2, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> Tensor.f32Slice(new float[5], 0, -1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.f32(new float[5], 4));
        assertEquals(5, Tensor.f32(new float[5], 5).numel());
    }

    /** A safetensors file made by hand: the given header (padded with spaces, as writers do) and data bytes. */
    private Path raw(String headerJson, byte[] data) throws IOException {
        byte[] json = headerJson.getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(json);
        while (b.position() < 8 + padded) b.put((byte) ' ');
        b.put(data);
        return Files.write(Files.createTempFile(dir, "raw", ".safetensors"), b.array());
    }

    private static void assertProblem(Path file, String problem) {
        DataFormatException e = assertThrows(DataFormatException.class, () -> Safetensors.read(file));
        assertEquals(file + ": " + problem, e.getMessage());
    }
}
