package tornadovae.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import tornadovae.io.data.ImageDecoder;

/**
 * Decodes binaryFile rows (path, content) into (path, pixels) with the image folder reader's own decoder, so an
 * image scores as it would in `vae train --dataset folder` or VaeModel. The decoder reads files: each image passes
 * through one temporary file, whose name a failure would show, so errors are re-worded with the real path.
 */
final class ImageRows {
    private ImageRows() {}

    static Iterator<Row> decode(Iterator<Row> files, int size, int channels) throws IOException {
        Path tmp = Files.createTempFile("vae-image-", ".img");
        return new Iterator<>() {
            @Override public boolean hasNext() {
                boolean more = files.hasNext();
                if (!more) try { Files.deleteIfExists(tmp); } catch (IOException ignored) { /* a temp file */ }
                return more;
            }

            @Override public Row next() {
                Row r = files.next();
                String path = r.getString(0);
                try {
                    Files.write(tmp, (byte[]) r.get(1));
                    return RowFactory.create(path, ImageDecoder.read(tmp, size, channels));
                } catch (IOException e) {
                    String msg = e.getMessage() == null ? e.toString() : e.getMessage().replace(tmp.toString(), path);
                    throw new UncheckedIOException(new IOException(msg.contains(path) ? msg : path + ": " + msg, e));
                }
            }
        };
    }
}
