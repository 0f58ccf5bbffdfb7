package tornadovae.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import tornadovae.io.DataFormatException;
import tornadovae.io.safetensors.Safetensors;
import tornadovae.io.safetensors.Tensor;
import tornadovae.model.ParamLayout;
import tornadovae.model.Vae;
import tornadovae.model.VaeSpec;

/**
 * Checkpoints are safetensors files: one F32 tensor per named parameter slice (PyTorch's
 * [out][in] weight layout) and the architecture plus training settings as metadata.
 *
 * <p>Every checkpoint carries {@value #CHECKSUM_KEY}: the SHA-256 of its other metadata entries (sorted,
 * one {@code key=value\n} each) followed by the raw tensor data section. A flipped bit anywhere that
 * matters, or a truncated file, is refused on load with a sentence naming the file. Files written by
 * other tools, or by tornado-vae before the checksum ({@value #FORMAT_1}), are accepted on the strength of the
 * header checks alone.
 *
 * <p>Extra arenas (Adam's moments in a resume checkpoint) are stored as further tensors named
 * {@code <prefix><parameter name>}, so the parameters keep their PyTorch names in every file.
 */
public final class Checkpoints {
    private Checkpoints() {}

    public static final String FORMAT_KEY = "format";
    /** Version 2 added the checksum, which it requires; version 1 files (no checksum) are still read. */
    public static final String FORMAT = "tornado-vae/2";
    static final String FORMAT_1 = "tornado-vae/1";
    public static final String CHECKSUM_KEY = "checksum.sha256";
    /** What a PyTorch user meets first: their own file given to a command that needs our architecture metadata. */
    static final String IMPORT_HINT = "`vae import-torch --checkpoint FILE --model ... --out checkpoint.safetensors` converts one";

    public record Loaded(VaeSpec spec, Vae vae, float[] params, Map<String, String> metadata) {}

    public static void save(Path file, Vae vae, float[] params, Map<String, String> settings) throws IOException {
        save(file, vae, params, Map.of(), settings);
    }

    /** Parameters plus extra arenas of the same layout, each under its tensor-name prefix. Atomic. */
    public static void save(Path file, Vae vae, float[] params, Map<String, float[]> extraArenas,
                            Map<String, String> settings) throws IOException {
        Map<String, Tensor> tensors = new LinkedHashMap<>();
        addArena(tensors, vae, "", params);
        extraArenas.forEach((prefix, arena) -> addArena(tensors, vae, prefix, arena));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put(FORMAT_KEY, FORMAT);
        meta.putAll(vae.spec().toMetadata());
        meta.putAll(settings);
        meta.put(CHECKSUM_KEY, checksum(meta, tensors));
        Safetensors.write(file, tensors, meta);
    }

    private static void addArena(Map<String, Tensor> tensors, Vae vae, String prefix, float[] arena) {
        for (ParamLayout.Entry e : vae.layout().entries())
            tensors.put(prefix + e.name(), Tensor.f32Slice(arena, e.offset(), Arrays.stream(e.shape()).asLongStream().toArray()));
    }

    public static Loaded load(Path file) throws IOException {
        return loadWith(file).loaded();
    }

    /** A checkpoint and the extra arenas stored under these prefixes (each must be present and complete). */
    public record WithArenas(Loaded loaded, Map<String, float[]> arenas) {}

    /**
     * Reads the file once: the checksum is computed over the very bytes that are parsed (a reader of a live run's
     * folder that opened the path again could meet a newer checkpoint renamed into place in between). The
     * architecture's parameter count comes from the model's own layers ({@link Vae#paramCount(VaeSpec)}, bounded,
     * allocating no arena) and must be held by the file before any arena is allocated.
     */
    public static WithArenas loadWith(Path file, String... prefixes) throws IOException {
        MessageDigest[] digest = new MessageDigest[1];
        Safetensors.Contents c = Safetensors.read(file, header -> digest[0] = startChecksum(file, header.metadata()));
        verifyChecksum(file, c.metadata(), digest[0]);
        VaeSpec spec;
        long needed;
        try {
            spec = VaeSpec.fromMetadata(c.metadata());
        } catch (IllegalArgumentException e) {
            boolean noArchitecture = !c.metadata().containsKey("model") && !c.metadata().containsKey("input");
            throw new DataFormatException(file, "is not a usable tornado-vae checkpoint: " + e.getMessage()
                    + (noArchitecture ? " (a PyTorch state dict? " + IMPORT_HINT + ")" : ""));
        }
        try {
            needed = Vae.paramCount(spec);
        } catch (IllegalArgumentException e) {
            throw new DataFormatException(file, "describes an architecture that cannot be built: " + e.getMessage());
        }
        long held = 0;
        for (Tensor t : c.tensors().values()) held += t.numel();
        long arenas = 1 + prefixes.length;
        if (needed * arenas > held)
            throw new DataFormatException(file, "describes an architecture of " + needed + " parameters" + (arenas > 1
                    ? " (" + arenas + " arenas of them)" : "") + " but holds only " + held
                    + " values (the metadata or the tensors are wrong)");
        Vae vae = spec.build();   // the same construction paramCount just completed
        Map<String, float[]> extra = new LinkedHashMap<>();
        for (String prefix : prefixes) extra.put(prefix, arena(file, c, vae, prefix));
        return new WithArenas(new Loaded(spec, vae, arena(file, c, vae, ""), c.metadata()), extra);
    }

    /** Copies one arena out of the tensors; a NaN or infinity is refused, naming its tensor (no model trains from it). */
    private static float[] arena(Path file, Safetensors.Contents c, Vae vae, String prefix) throws DataFormatException {
        float[] params = new float[vae.paramCount()];
        for (ParamLayout.Entry e : vae.layout().entries()) {
            String name = prefix + e.name();
            Tensor t = c.tensors().get(name);
            if (t == null) throw new DataFormatException(file, "lacks the tensor '" + name + "' that its architecture needs");
            long[] want = Arrays.stream(e.shape()).asLongStream().toArray();
            if (!Arrays.equals(t.shape(), want))
                throw new DataFormatException(file, "has tensor '" + name + "' of shape " + Arrays.toString(t.shape())
                        + " where the architecture needs " + Arrays.toString(want));
            for (int i = 0; i < e.size(); i++) {
                float x = t.get(i);
                if (!Float.isFinite(x))
                    throw new DataFormatException(file, "has " + x + " at element " + i + " of tensor '" + name
                            + "' (a checkpoint of a diverged run; an earlier one of the run may be intact)");
                params[e.offset() + i] = x;
            }
        }
        return params;
    }

    /** SHA-256 over the sorted metadata (without the checksum) and the tensors' little-endian F32 bytes in file order. */
    public static String checksum(Map<String, String> meta, Map<String, Tensor> tensors) {
        MessageDigest md = sha256();
        digestMetadata(md, meta);
        ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        for (Tensor t : tensors.values()) {
            float[] data = t.data();
            for (int done = 0, n = t.numel(); done < n; ) {
                int k = Math.min(buf.capacity() / 4, n - done);
                buf.clear();
                buf.asFloatBuffer().put(data, t.offset() + done, k);
                md.update(buf.array(), 0, 4 * k);
                done += k;
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /**
     * The digest of a checksummed file's metadata, to which its data section is then added as it is read; null for
     * a file without a checksum. An unknown format is refused here, before any tensor is read.
     */
    private static MessageDigest startChecksum(Path file, Map<String, String> metadata) throws DataFormatException {
        String format = metadata.get(FORMAT_KEY);
        if ("pt".equals(format))
            throw new DataFormatException(file, "is a PyTorch state dict (format 'pt'), not a tornado-vae checkpoint: " + IMPORT_HINT);
        if (format != null && !format.equals(FORMAT) && !format.equals(FORMAT_1))
            throw new DataFormatException(file, "has format '" + format + "', which this version of "
                    + "tornado-vae does not know (" + FORMAT + " or " + FORMAT_1 + ")");
        if (!metadata.containsKey(CHECKSUM_KEY)) return null;
        MessageDigest md = sha256();
        digestMetadata(md, metadata);
        return md;
    }

    private static void verifyChecksum(Path file, Map<String, String> metadata, MessageDigest md) throws IOException {
        String want = metadata.get(CHECKSUM_KEY);
        if (want == null) {
            if (FORMAT.equals(metadata.get(FORMAT_KEY)))
                throw new DataFormatException(file, "lacks its " + CHECKSUM_KEY + " metadata entry (it was altered)");
            return;
        }
        String got = HexFormat.of().formatHex(md.digest());
        if (!got.equalsIgnoreCase(want))
            throw new DataFormatException(file, "is corrupted: its SHA-256 checksum does not match its contents "
                    + "(stored " + abbreviate(want) + ", computed " + abbreviate(got) + ")");
    }

    private static String abbreviate(String hex) { return hex.length() > 12 ? hex.substring(0, 12) + "…" : hex; }

    private static void digestMetadata(MessageDigest md, Map<String, String> meta) {
        TreeMap<String, String> sorted = new TreeMap<>(meta);
        sorted.remove(CHECKSUM_KEY);
        sorted.forEach((k, v) -> md.update((k + "=" + v + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }
}
