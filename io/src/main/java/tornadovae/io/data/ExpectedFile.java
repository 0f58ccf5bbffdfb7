package tornadovae.io.data;

/** A data file we know exactly: its name in the data folder, its size and the SHA-256 of its (uncompressed) bytes. */
public record ExpectedFile(String name, long size, String sha256) {}
