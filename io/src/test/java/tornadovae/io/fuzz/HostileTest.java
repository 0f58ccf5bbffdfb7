package tornadovae.io.fuzz;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

/** The fuzz harness itself catches what it must: big allocations, hangs, wrong exception types. */
class HostileTest {
    @Test
    void aLargeAllocationFails() {
        assertThrows(AssertionFailedError.class, () -> Hostile.run(() -> new byte[64 << 20], 1 << 20));
    }

    @Test
    void aHangFails() {
        assertThrows(AssertionFailedError.class, () -> Hostile.run(() -> {
            while (!Thread.currentThread().isInterrupted()) Thread.onSpinWait();
            return null;
        }, 1 << 20, java.time.Duration.ofMillis(200)));
    }

    @Test
    void onlyIoExceptionsWithMessagesPass() {
        assertThrows(ArrayIndexOutOfBoundsException.class, () -> Hostile.run(() -> { int[] a = new int[1]; return a[2]; }, 1 << 20));
        assertThrows(AssertionFailedError.class, () -> Hostile.run(() -> { throw new IOException(); }, 1 << 20));
        assertEquals("m", Hostile.run(() -> { throw new IOException("m"); }, 1 << 20).error().getMessage());
    }

    @Test
    void mutationsAreReproducible() {
        byte[] seed = "{\"a\":[1,2,3]}".getBytes();
        assertArrayEquals(Hostile.mutate(seed, 42, 3), Hostile.mutate(seed, 42, 3));
    }
}
