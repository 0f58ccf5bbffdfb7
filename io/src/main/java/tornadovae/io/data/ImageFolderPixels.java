package tornadovae.io.data;

import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import tornadovae.io.AtomicFiles;
import tornadovae.io.DataFormatException;

/**
 * A split of an image folder as 8-bit pixels ({@code --image-cache memory} or {@code file}): decoded by {@link
 * ImageDecoder} on every core, a chunk of images at a time, each rounded to 8 bits ({@link ByteImages#quantize}),
 * then kept in memory or streamed into an {@link ImageCache} file. Bad files are handled as the float reader handles
 * them: the first one in path order stops the run, or every one is skipped with a warning.
 */
final class ImageFolderPixels {
    /** Images decoded at once: enough for every core, small enough that a chunk is a few MB. */
    static final int CHUNK = 256;

    private ImageFolderPixels() {}

    /** The split's images, kept in memory or through the cache file, as {@code o.storage()} says. */
    static Dataset load(String name, ImageFolderReader.Listing listing, String split, List<ImageFolderReader.Entry> entries,
                        ImageFolderOptions o, Consumer<String> log) throws IOException {
        List<String> classes = listing.classes();
        if (o.storage() == ImageFolderOptions.Storage.MEMORY) {
            long bytes = (long) entries.size() * (o.channels() * o.imageSize() * o.imageSize() + 24), heap = Runtime.getRuntime().maxMemory();
            if (bytes > heap * 0.9)   // checked before decoding, as the float reader does
                throw new DataFormatException(listing.root(), String.format(Locale.ROOT, "needs %.1f GB for %d images of "
                        + "%d×%d×%d 8-bit pixels but Java may use only %.1f GB; use --image-cache file (a memory-mapped file), "
                        + "raise the heap (JAVA_TOOL_OPTIONS=-Xmx…) or use a smaller --image-size", bytes / 1e9, entries.size(),
                        o.channels(), o.imageSize(), o.imageSize(), heap / 1e9));
            List<byte[]> kept = new ArrayList<>(entries.size());
            List<Integer> labels = new ArrayList<>(entries.size());
            decode(entries, o, log, (i, pixels) -> {
                kept.add(pixels);
                labels.add(entries.get(i).label());
            });
            ByteImages images = new ByteImages(kept.toArray(byte[][]::new), o.channels(), o.imageSize(), o.imageSize());
            return new Dataset(name, images, classes.isEmpty() ? null : labels.stream().mapToInt(Integer::intValue).toArray(), classes);
        }
        Path file = ImageCache.file(listing.root(), split, o);
        byte[] manifest = ImageCache.manifest(entries, classes, o);
        if (Files.exists(file)) {
            try {
                ImageCache.Opened c = ImageCache.open(file, manifest, o.channels(), o.imageSize());
                log.accept("using the image cache " + file + " (" + c.images().count() + " images)");
                return new Dataset(name, c.images(), c.labels(), classes);
            } catch (ImageCache.Unusable e) {
                log.accept("rebuilding the image cache " + file + ": " + e.getMessage());
            }
        }
        build(file, entries, classes, o, manifest, log);
        try {
            ImageCache.Opened c = ImageCache.open(file, manifest, o.channels(), o.imageSize());
            return new Dataset(name, c.images(), c.labels(), classes);
        } catch (ImageCache.Unusable e) {   // only if someone changed the folder or the file while it was built
            throw new DataFormatException(file, "was just built but cannot be used (" + e.getMessage() + "); run again");
        }
    }

    private static void build(Path file, List<ImageFolderReader.Entry> entries, List<String> classes, ImageFolderOptions o,
                              byte[] manifest, Consumer<String> log) throws IOException {
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new DataFormatException(file.getParent(), "cannot be created for the image cache (" + e.getMessage()
                    + "); make the folder writable or use --image-cache memory", e);
        }
        log.accept("building the image cache " + file + " (once; later runs map it)...");
        int n = entries.size();
        int[] labels = new int[n], crcs = new int[n], kept = {0};
        AtomicFiles.write(file, out -> {
            DataOutputStream data = new DataOutputStream(out);
            decode(entries, o, log, (i, pixels) -> {
                labels[kept[0]] = entries.get(i).label();
                crcs[kept[0]++] = ImageCache.crc(pixels, 0, pixels.length);
                data.write(pixels);
            });
            ImageCache.writeTrailer(data, labels, crcs, kept[0], o.channels(), o.imageSize(), !classes.isEmpty(), manifest);
            data.flush();
        });
    }

    /** Receives each decoded image that is kept, in path order. */
    @FunctionalInterface
    interface Sink {
        void accept(int entry, byte[] pixels) throws IOException;
    }

    /** Decodes every entry, a chunk at a time in parallel, handing the kept ones to {@code sink} in order. */
    static void decode(List<ImageFolderReader.Entry> entries, ImageFolderOptions o, Consumer<String> log, Sink sink)
            throws IOException {
        int n = entries.size(), size = o.imageSize(), channels = o.channels(), dim = channels * size * size;
        ThreadLocal<float[]> floats = ThreadLocal.withInitial(() -> new float[dim]);
        long t0 = System.nanoTime();
        int kept = 0, nextReport = n / 10;
        for (int from = 0; from < n; from += CHUNK) {
            int base = from, m = Math.min(CHUNK, n - from);
            byte[][] pixels = new byte[m][];
            DataFormatException[] errors = new DataFormatException[m];
            IntStream.range(0, m).parallel().forEach(k -> {
                float[] f = floats.get();
                try {
                    ImageDecoder.read(entries.get(base + k).file(), size, channels, f, 0);
                    byte[] b = new byte[dim];
                    ByteImages.quantize(f, 0, b, 0, dim);
                    pixels[k] = b;
                } catch (DataFormatException e) {
                    errors[k] = e;
                }
            });
            for (int k = 0; k < m; k++) {
                if (errors[k] == null) {
                    sink.accept(base + k, pixels[k]);
                    kept++;
                    continue;
                }
                DataFormatException e = errors[k];
                if (!o.skipBadImages()) {
                    String problem = e.getMessage().substring(e.file().toString().length() + 2);
                    throw new DataFormatException(e.file(), problem + "; fix or remove it, or pass --skip-bad-images", e.getCause());
                }
                log.accept("warning: skipping " + e.getMessage());
            }
            if (from + m >= nextReport && from + m < n && n >= 1000) {
                double s = (System.nanoTime() - t0) / 1e9;
                log.accept(String.format(Locale.ROOT, "  %,d of %,d images decoded (%.0f%%), %.0f images/s", from + m, n,
                        100.0 * (from + m) / n, (from + m) / s));
                nextReport += n / 10;
            }
        }
        if (kept == 0) throw new DataFormatException(entries.getFirst().file().getParent(), "holds no image that could be read");
        if (kept < n) log.accept("skipped " + (n - kept) + " of " + n + " images that could not be read");
    }
}
