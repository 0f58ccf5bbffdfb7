package tornadovae.io.data;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** A web folder holding the data files gzip-compressed ({@code NAME.gz}), as the public MNIST mirrors do. */
final class HttpMirrorSource implements MnistFetcher.Source {
    private final String baseUrl;

    HttpMirrorSource(String baseUrl) {
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl : baseUrl + "/";
    }

    @Override
    public String name() { return baseUrl; }

    @Override
    public void fetch(Path dir, List<ExpectedFile> wanted, Consumer<String> log) throws IOException {
        // A client per fetch, closed after: it keeps threads, and most runs never download anything.
        try (HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(20))
                .followRedirects(HttpClient.Redirect.NORMAL).build()) {
            for (ExpectedFile expected : wanted) download(client, dir, expected, log);
        }
    }

    private void download(HttpClient client, Path dir, ExpectedFile expected, Consumer<String> log) throws IOException {
        URI uri = URI.create(baseUrl + expected.name() + ".gz");
        log.accept("downloading " + uri);
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofMinutes(10)).GET().build();
        HttpResponse<InputStream> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while downloading " + uri, e);
        } catch (IOException e) {
            throw new IOException(expected.name() + ".gz: " + describe(e), e);
        }
        try (InputStream body = response.body()) {
            if (response.statusCode() != 200)
                throw new IOException(expected.name() + ".gz: HTTP status " + response.statusCode());
            VerifiedFiles.store(dir, expected, new GZIPInputStream(body, 1 << 16), uri.toString());
        } catch (ZipException e) {
            throw new IOException(uri + " gave no valid gzip data (" + e.getMessage() + ")", e);
        }
        log.accept(dir.resolve(expected.name()) + ": " + expected.size() + " bytes, SHA-256 verified");
    }

    /** HttpClient's connection errors often carry no message; say in words what happened. */
    private static String describe(IOException e) {
        for (Throwable t = e; t != null; t = t.getCause())   // HttpClient wraps this one in a ConnectException
            if (t instanceof UnresolvedAddressException || t instanceof UnknownHostException) return "host not found (no network?)";
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpConnectTimeoutException) return "connection timed out";
            if (t instanceof ConnectException) return "connection refused";
            if (t instanceof HttpTimeoutException) return "download timed out";
        }
        return e.getMessage() != null && !e.getMessage().isBlank() ? e.getMessage() : e.getClass().getSimpleName();
    }
}
