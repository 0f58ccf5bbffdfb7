package tornadovae.io.fuzz;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import tornadovae.io.DataFormatException;

/**
 * Shared tools for the fuzz tests: byte mutations that aim at headers (huge counts, negative lengths), and a
 * harness that runs a parser with a time limit and an allocation limit and accepts only a result or an
 * {@link IOException} with a message.
 */
public final class Hostile {
    private Hostile() {}

    /** Sizes and counts that break naive parsers: zero, negative, just past int range, 10^12. */
    static final long[] INTERESTING = {0, 1, -1, 2, 7, 8, 255, 256, 65535, 65536, 16384, 16385, Integer.MAX_VALUE,
            Integer.MIN_VALUE, 0x80000000L, 0xffffffffL, 1_000_000_000L, 1_000_000_000_000L, Long.MAX_VALUE, Long.MIN_VALUE,
            100_000_001L};

    /** What a parser did with a hostile file: a result, or the exception it threw. */
    public record Outcome<T>(T result, IOException error) {}

    public interface Parser<T> { T parse() throws IOException; }

    /**
     * Runs the parser in its own thread with a time limit, and checks that it allocated at most
     * {@code maxAllocatedBytes} (a header claiming 10^12 elements must be refused before any allocation).
     * Any exception other than an IOException with a message fails the test.
     */
    public static <T> Outcome<T> run(Parser<T> parser, long maxAllocatedBytes) {
        return run(parser, maxAllocatedBytes, Duration.ofSeconds(10));
    }

    static <T> Outcome<T> run(Parser<T> parser, long maxAllocatedBytes, Duration limit) {
        return assertTimeoutPreemptively(limit, () -> {
            var mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long before = mx.getCurrentThreadAllocatedBytes();
            Outcome<T> outcome;
            try {
                outcome = new Outcome<>(parser.parse(), null);
            } catch (IOException e) {
                assertNotNull(e.getMessage(), "an IOException without a message: " + e);
                assertFalse(e.getMessage().isBlank(), "an IOException with a blank message");
                outcome = new Outcome<>(null, e);
            }
            long allocated = mx.getCurrentThreadAllocatedBytes() - before;
            assertTrue(allocated <= maxAllocatedBytes, "the parser allocated " + allocated + " bytes, more than "
                    + maxAllocatedBytes + (outcome.error() != null ? " before refusing the file: " + outcome.error().getMessage() : ""));
            return outcome;
        }, "the parser hung (over " + limit + ")");
    }

    /** Errors about a file must be DataFormatExceptions that name it. */
    static void assertNamesFile(IOException e, java.nio.file.Path file) {
        assertInstanceOf(DataFormatException.class, e, () -> "not a DataFormatException: " + e);
        assertTrue(e.getMessage().contains(file.getFileName().toString()), () -> "does not name the file: " + e.getMessage());
    }

    /** {@code count} random mutations of {@code seed}, reproducible from {@code rngSeed}. */
    public static byte[] mutate(byte[] seed, long rngSeed, int count) {
        Random r = new Random(rngSeed);
        byte[] b = seed.clone();
        for (int k = 0; k < count; k++) b = mutateOnce(b, r);
        return b;
    }

    private static byte[] mutateOnce(byte[] b, Random r) {
        if (b.length == 0) return new byte[]{(byte) r.nextInt()};
        int at = r.nextInt(b.length);
        switch (r.nextInt(9)) {
            case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));                               // flip a bit
            case 1 -> b[at] = (byte) r.nextInt();                                         // a random byte
            case 2 -> b = Arrays.copyOf(b, r.nextInt(b.length));                          // truncate
            case 3 -> {                                                                   // insert bytes
                byte[] extra = new byte[1 + r.nextInt(16)];
                r.nextBytes(extra);
                byte[] n = new byte[b.length + extra.length];
                System.arraycopy(b, 0, n, 0, at);
                System.arraycopy(extra, 0, n, at, extra.length);
                System.arraycopy(b, at, n, at + extra.length, b.length - at);
                b = n;
            }
            case 4 -> {                                                                   // delete a range
                int len = Math.min(b.length - at, 1 + r.nextInt(16));
                byte[] n = new byte[b.length - len];
                System.arraycopy(b, 0, n, 0, at);
                System.arraycopy(b, at + len, n, at, b.length - at - len);
                b = n;
            }
            case 5 -> putInterestingInt(b, r.nextInt(Math.min(b.length, 24)) & ~3, r, ByteOrder.BIG_ENDIAN);  // IDX header
            case 6 -> putInterestingInt(b, at, r, r.nextBoolean() ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
            case 7 -> {                                                                   // a little-endian long (safetensors length)
                if (b.length >= 8) ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(r.nextInt(b.length - 7),
                        INTERESTING[r.nextInt(INTERESTING.length)] + r.nextInt(3) - 1);
            }
            default -> b = replaceNumber(b, r);                                            // a number in JSON text
        }
        return b;
    }

    private static void putInterestingInt(byte[] b, int at, Random r, ByteOrder order) {
        if (at + 4 > b.length) return;
        ByteBuffer.wrap(b).order(order).putInt(at, (int) INTERESTING[r.nextInt(INTERESTING.length)]);
    }

    /** Replaces one run of ASCII digits with an interesting number (shapes, offsets, header values). */
    private static byte[] replaceNumber(byte[] b, Random r) {
        String s = new String(b, StandardCharsets.ISO_8859_1);
        var m = java.util.regex.Pattern.compile("-?\\d+").matcher(s);
        java.util.List<int[]> runs = new java.util.ArrayList<>();
        while (m.find()) runs.add(new int[]{m.start(), m.end()});
        if (runs.isEmpty()) return b;
        int[] run = runs.get(r.nextInt(runs.size()));
        String value = Long.toString(INTERESTING[r.nextInt(INTERESTING.length)]);
        return (s.substring(0, run[0]) + value + s.substring(run[1])).getBytes(StandardCharsets.ISO_8859_1);
    }
}
