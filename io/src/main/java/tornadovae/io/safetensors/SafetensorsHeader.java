package tornadovae.io.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tornadovae.io.DataFormatException;

/**
 * Reads and checks a safetensors header. Everything the header claims is checked against the real file size
 * before the caller allocates anything: the header length, every tensor's offsets, and that the tensors
 * exactly tile the data section (no overlaps, no holes, as the format's reference implementation requires).
 */
final class SafetensorsHeader {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private SafetensorsHeader() {}

    static Safetensors.Header read(Path file, FileChannel channel) throws IOException {
        long size = channel.size();
        if (size < 8) throw bad(file, "is too short for a safetensors file (" + size + " bytes; the header length alone takes 8)");
        ByteBuffer lengthBytes = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(channel, lengthBytes, 0);
        long headerLength = lengthBytes.getLong(0);
        if (headerLength < 0 || headerLength > size - 8)
            throw bad(file, "claims a " + Long.toUnsignedString(headerLength) + "-byte header but the file has only "
                    + size + " bytes (it is truncated or not a safetensors file)");
        if (headerLength > Safetensors.MAX_HEADER_BYTES)
            throw bad(file, "has a " + headerLength + "-byte header, over the " + Safetensors.MAX_HEADER_BYTES + "-byte limit");
        ByteBuffer headerBytes = ByteBuffer.allocate((int) headerLength);
        readFully(channel, headerBytes, 8);
        long dataStart = 8 + headerLength, dataLength = size - dataStart;

        JsonNode root = parseJson(file, headerBytes.array());
        Map<String, String> metadata = new LinkedHashMap<>();
        List<TensorInfo> tensors = new ArrayList<>();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals("__metadata__")) metadata = metadata(file, field.getValue());
            else tensors.add(tensorInfo(file, field.getKey(), field.getValue(), dataLength));
        }
        checkTiling(file, tensors, dataLength);
        return new Safetensors.Header(metadata, tensors, dataStart);
    }

    private static JsonNode parseJson(Path file, byte[] header) throws DataFormatException {
        if (header.length == 0 || header[0] != '{')
            throw bad(file, "does not start with a JSON header (it is not a safetensors file)");
        try {
            JsonNode root = JSON.readTree(header);
            if (root == null || !root.isObject()) throw bad(file, "has a header that is not a JSON object");
            return root;
        } catch (JsonProcessingException e) {
            throw new DataFormatException(file, "has a malformed JSON header (" + jsonProblem(e) + ")", e);
        } catch (IOException e) {
            throw new DataFormatException(file, "has an unreadable JSON header (" + e.getMessage() + ")", e);
        }
    }

    /** Jackson's own wording, without the source excerpts and markers it appends. */
    private static String jsonProblem(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        int cut = message.indexOf(" (start marker");
        if (cut >= 0) message = message.substring(0, cut);
        cut = message.indexOf('\n');
        if (cut >= 0) message = message.substring(0, cut);
        if (e.getLocation() != null && e.getLocation().getByteOffset() >= 0)
            message += " at header byte " + e.getLocation().getByteOffset();
        return message;
    }

    private static Map<String, String> metadata(Path file, JsonNode node) throws DataFormatException {
        if (!node.isObject()) throw bad(file, "has __metadata__ that is not a JSON object");
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getValue().isTextual())
                throw bad(file, "has __metadata__ entry '" + e.getKey() + "' that is not a string (safetensors metadata maps strings to strings)");
            metadata.put(e.getKey(), e.getValue().textValue());
        }
        return metadata;
    }

    private static TensorInfo tensorInfo(Path file, String name, JsonNode node, long dataLength) throws DataFormatException {
        String where = "tensor '" + name + "'";
        if (!node.isObject()) throw bad(file, "has " + where + " whose header entry is not a JSON object");
        JsonNode dtypeNode = node.get("dtype"), shapeNode = node.get("shape"), offsetsNode = node.get("data_offsets");
        if (dtypeNode == null || !dtypeNode.isTextual()) throw bad(file, "has " + where + " without a dtype string");
        String dtype = dtypeNode.textValue();
        Integer elementSize = Dtypes.SIZES.get(dtype);
        if (elementSize == null) throw bad(file, "has " + where + " with unknown dtype '" + dtype + "'");
        if (shapeNode == null || !shapeNode.isArray()) throw bad(file, "has " + where + " without a shape list");
        long[] shape = new long[shapeNode.size()];
        for (int i = 0; i < shape.length; i++) shape[i] = nonNegativeLong(file, shapeNode.get(i), where + " shape");
        if (offsetsNode == null || !offsetsNode.isArray() || offsetsNode.size() != 2)
            throw bad(file, "has " + where + " without data_offsets [begin, end]");
        long begin = nonNegativeLong(file, offsetsNode.get(0), where + " data_offsets");
        long end = nonNegativeLong(file, offsetsNode.get(1), where + " data_offsets");
        String offsets = "data_offsets [" + begin + ", " + end + "]";
        if (end < begin) throw bad(file, "has " + where + " with " + offsets + " that end before they begin");
        if (end > dataLength)
            throw bad(file, "has " + where + " with " + offsets + " beyond the data section's " + dataLength
                    + " bytes (the file is truncated or its header is wrong)");
        long bytes;
        try {
            bytes = Math.multiplyExact(Safetensors.numel(shape), (long) elementSize);
        } catch (ArithmeticException | IllegalArgumentException e) {
            throw bad(file, "has " + where + " with impossible shape " + Arrays.toString(shape));
        }
        if (bytes != end - begin)
            throw bad(file, "has " + where + " of shape " + Arrays.toString(shape) + " (" + bytes + " bytes as " + dtype
                    + ") but its " + offsets + " span " + (end - begin) + " bytes");
        return new TensorInfo(name, dtype, shape, begin, end);
    }

    private static long nonNegativeLong(Path file, JsonNode n, String what) throws DataFormatException {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.longValue() < 0)
            throw bad(file, "has " + what + " entry " + n + " that is not a non-negative integer");
        return n.longValue();
    }

    private static void checkTiling(Path file, List<TensorInfo> tensors, long dataLength) throws DataFormatException {
        List<TensorInfo> byOffset = new ArrayList<>(tensors);
        byOffset.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
        long expected = 0;
        TensorInfo previous = null;
        for (TensorInfo t : byOffset) {
            if (t.begin() < expected)
                throw bad(file, "has tensors '" + previous.name() + "' and '" + t.name() + "' whose data overlap");
            if (t.begin() > expected)
                throw bad(file, "has " + (t.begin() - expected) + " bytes at data offset " + expected + " that no tensor uses");
            expected = t.end();
            previous = t;
        }
        if (expected != dataLength)
            throw bad(file, "has " + (dataLength - expected) + " bytes after its last tensor's data that no tensor uses");
    }

    static void readFully(FileChannel channel, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            int n = channel.read(buf, position);
            if (n < 0) throw new IOException("unexpected end of file at byte " + position);
            position += n;
        }
        buf.flip();
    }

    private static DataFormatException bad(Path file, String problem) {
        return new DataFormatException(file, problem);
    }
}
