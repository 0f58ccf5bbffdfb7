package tornadovae.io.safetensors;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import tornadovae.io.AtomicFiles;
import tornadovae.io.DataFormatException;

/**
 * The safetensors format (8-byte little-endian header length, a JSON header, then raw little-endian tensor
 * data), so that checkpoints move between tornado-vae and PyTorch in both directions.
 *
 * <p>Writing is atomic. Reading checks every claim of the header against the real file before allocating
 * anything, and reports a bad file with one {@link DataFormatException} sentence that names it.
 */
public final class Safetensors {
    /** The reference implementation's limit; real headers are kilobytes. */
    public static final long MAX_HEADER_BYTES = 100_000_000;
    private static final int CHUNK = 1 << 16;

    private Safetensors() {}

    /** What a header says: metadata, and each tensor's dtype, shape and place in the data section. */
    public record Header(Map<String, String> metadata, List<TensorInfo> tensors, long dataStart) {}

    /** The digest to feed a file's data section into, given its header (null: none); may refuse the file. */
    @FunctionalInterface
    public interface DigestStart {
        MessageDigest start(Header header) throws IOException;
    }

    /** A whole file read into memory: tensors in header order, each in its own float array. */
    public record Contents(Map<String, String> metadata, LinkedHashMap<String, Tensor> tensors) {}

    /** Writes F32 tensors in map order, straight from their arrays, with the metadata. Atomic. */
    public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
        byte[] json = headerJson(tensors, metadata).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;   // keeps the data 8-byte aligned, as the reference writer does
        byte[] headerBytes = Arrays.copyOf(json, padded);
        Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        AtomicFiles.write(file, out -> {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(headerBytes);
            for (Tensor t : tensors.values()) writeFloats(out, t.data(), t.offset(), t.numel());
        });
    }

    /**
     * The header as compact JSON, written here rather than by Jackson (which still parses headers): the
     * first checkpoint of a run had paid ~0.2 s loading and initialising Jackson's writer classes.
     */
    static String headerJson(Map<String, Tensor> tensors, Map<String, String> metadata) {
        StringBuilder j = new StringBuilder(256 + 96 * tensors.size()).append('{');
        if (!metadata.isEmpty()) {
            j.append("\"__metadata__\":{");
            String sep = "";
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                j.append(sep);
                quote(j, e.getKey()).append(':');
                quote(j, Objects.requireNonNull(e.getValue(), "metadata value of " + e.getKey()));
                sep = ",";
            }
            j.append('}');
        }
        long offset = 0;
        for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
            String name = e.getKey();
            Tensor t = e.getValue();
            if (name.isEmpty() || name.equals("__metadata__")) throw new IllegalArgumentException("bad tensor name '" + name + "'");
            if (!t.dtype().equals("F32")) throw new IllegalArgumentException("tensor " + name + ": only F32 is written, not " + t.dtype());
            if (j.length() > 1) j.append(',');
            quote(j, name).append(":{\"dtype\":\"F32\",\"shape\":[");
            for (int d = 0; d < t.shape().length; d++) j.append(d > 0 ? "," : "").append(t.shape()[d]);
            long bytes = 4L * t.numel();
            j.append("],\"data_offsets\":[").append(offset).append(',').append(offset + bytes).append("]}");
            offset += bytes;
        }
        return j.append('}').toString();
    }

    /** s as a JSON string: quote, backslash and the control characters escaped (RFC 8259), the rest as is. */
    private static StringBuilder quote(StringBuilder j, String s) {
        j.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> j.append("\\\"");
                case '\\' -> j.append("\\\\");
                case '\n' -> j.append("\\n");
                case '\r' -> j.append("\\r");
                case '\t' -> j.append("\\t");
                case '\b' -> j.append("\\b");
                case '\f' -> j.append("\\f");
                default -> {
                    if (c < 0x20) j.append(String.format("\\u%04x", (int) c));
                    else j.append(c);
                }
            }
        }
        return j.append('"');
    }

    private static void writeFloats(OutputStream out, float[] data, int offset, int count) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (int done = 0; done < count; ) {
            int n = Math.min(CHUNK / 4, count - done);
            buf.clear();
            buf.asFloatBuffer().put(data, offset + done, n);
            out.write(buf.array(), 0, n * 4);
            done += n;
        }
    }

    /** Only the header: cheap, for inspecting a checkpoint or checking it against a model before loading. */
    public static Header readHeader(Path file) throws IOException {
        try (FileChannel channel = open(file)) {
            return SafetensorsHeader.read(file, channel);
        }
    }

    /** Every tensor, converted to float; the file's dtypes must be F32, F16, BF16 or F64. */
    public static Contents read(Path file) throws IOException {
        return read(file, header -> null);
    }

    /**
     * As {@link #read(Path)}, and every byte of the data section, in file order, also goes into the digest that
     * {@code dataDigest} returns for the parsed header (none for null). The file is opened once and each byte read
     * once, so what the digest vouches for is exactly what was parsed: a reader of a live run's checkpoint that
     * opened the path again could see a newer file renamed into place in between, and report it corrupted.
     */
    public static Contents read(Path file, DigestStart dataDigest) throws IOException {
        try (FileChannel channel = open(file)) {
            Header header = SafetensorsHeader.read(file, channel);
            for (TensorInfo info : header.tensors()) checkReadable(file, info);
            MessageDigest digest = dataDigest.start(header);
            // the header checked that the tensors tile the data section, so in offset order they are all of it
            List<TensorInfo> byOffset = new ArrayList<>(header.tensors());
            byOffset.sort(Comparator.comparingLong(TensorInfo::begin));
            Map<String, Tensor> read = new HashMap<>();
            for (TensorInfo info : byOffset) {
                float[] values = new float[(int) info.numel()];   // fits: checked above against the file size and int range
                readValues(channel, header.dataStart(), info, values, 0, digest);
                read.put(info.name(), new Tensor(info.dtype(), info.shape(), values, 0));
            }
            LinkedHashMap<String, Tensor> tensors = new LinkedHashMap<>();
            for (TensorInfo info : header.tensors()) tensors.put(info.name(), read.get(info.name()));
            return new Contents(header.metadata(), tensors);
        }
    }

    /**
     * Reads each tensor of the file into the slice of the target of the same name (e.g. one model arena), with no
     * copy in between. The file must hold exactly the targets' names and shapes; nothing is written into the
     * targets unless the whole header matches.
     */
    public static Header readInto(Path file, Map<String, Tensor> targets) throws IOException {
        try (FileChannel channel = open(file)) {
            Header header = SafetensorsHeader.read(file, channel);
            Map<String, TensorInfo> inFile = new LinkedHashMap<>();
            for (TensorInfo info : header.tensors()) inFile.put(info.name(), info);
            for (String name : targets.keySet())
                if (!inFile.containsKey(name)) throw new DataFormatException(file, "has no tensor '" + name + "'");
            for (TensorInfo info : inFile.values()) {
                Tensor target = targets.get(info.name());
                if (target == null) throw new DataFormatException(file, "has tensor '" + info.name() + "' that the model does not have");
                if (!Arrays.equals(info.shape(), target.shape()))
                    throw new DataFormatException(file, "has tensor '" + info.name() + "' of shape " + Arrays.toString(info.shape())
                            + " where the model needs " + Arrays.toString(target.shape()));
                checkReadable(file, info);
            }
            for (TensorInfo info : inFile.values()) {
                Tensor target = targets.get(info.name());
                readValues(channel, header.dataStart(), info, target.data(), target.offset(), null);
            }
            return header;
        }
    }

    private static void checkReadable(Path file, TensorInfo info) throws DataFormatException {
        if (!Dtypes.readable(info.dtype()))
            throw new DataFormatException(file, "has tensor '" + info.name() + "' of dtype " + info.dtype()
                    + ", which tornado-vae cannot read (it reads F32, F16, BF16 and F64)");
        if (info.numel() > Integer.MAX_VALUE - 8)
            throw new DataFormatException(file, "has tensor '" + info.name() + "' of " + info.numel() + " elements, more than a Java array holds");
    }

    private static void readValues(FileChannel channel, long dataStart, TensorInfo info, float[] out, int at,
                                   MessageDigest digest) throws IOException {
        int size = Dtypes.SIZES.get(info.dtype());
        int count = (int) info.numel(), perChunk = CHUNK / size;
        ByteBuffer buf = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (int done = 0; done < count; ) {
            int n = Math.min(perChunk, count - done);
            buf.clear().limit(n * size);
            SafetensorsHeader.readFully(channel, buf, dataStart + info.begin() + (long) done * size);
            if (digest != null) digest.update(buf.array(), 0, buf.limit());
            Dtypes.toFloats(info.dtype(), buf, out, at + done, n);
            done += n;
        }
    }

    private static FileChannel open(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new DataFormatException(file, "is a folder, not a safetensors file");
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new DataFormatException(file, "file not found", e);
        } catch (IOException e) {
            throw new DataFormatException(file, "cannot be read (" + e.getMessage() + ")", e);
        }
    }

    /** The number of elements of {@code shape}; an empty shape is a scalar. */
    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) throw new IllegalArgumentException("negative dimension in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

}
