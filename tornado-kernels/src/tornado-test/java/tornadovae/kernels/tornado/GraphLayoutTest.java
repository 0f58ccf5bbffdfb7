package tornadovae.kernels.tornado;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import org.junit.jupiter.api.Test;

/**
 * Which graph of a split plan copies a stream in and which graphs carry it on: TornadoVM hands a consumed buffer over
 * only from the graph run just before, so every graph between a stream's first and last reader must carry it, and no
 * graph after its last reader should (the whole plan on a device: {@code TornadoBackendTest}).
 */
class GraphLayoutTest {
    private final Object input = new float[3], noise = new float[2], scalars = new float[1];

    @Test
    void aStreamGoesInWithItsFirstReaderAndIsCarriedToItsLast() {
        // graph 0 reads the input, 1 nothing, 2 the noise, 3 the input again (the loss's targets) and the scalars
        Object[][] reads = {{input}, {}, {noise}, {input, scalars}, {}};
        assertArrayEquals(new Object[] {input}, GraphLayout.firstReadIn(reads, 0));
        assertArrayEquals(new Object[] {}, GraphLayout.firstReadIn(reads, 1));
        assertArrayEquals(new Object[] {noise}, GraphLayout.firstReadIn(reads, 2));
        assertArrayEquals(new Object[] {scalars}, GraphLayout.firstReadIn(reads, 3), "the input is not copied in again");
        assertArrayEquals(new Object[] {}, GraphLayout.carriedInto(reads, 0));
        assertArrayEquals(new Object[] {input}, GraphLayout.carriedInto(reads, 1), "a graph that does not read it carries it");
        assertArrayEquals(new Object[] {input}, GraphLayout.carriedInto(reads, 2), "the noise goes in here, fresh");
        assertArrayEquals(new Object[] {input}, GraphLayout.carriedInto(reads, 3), "the noise is not read again: not carried");
        assertArrayEquals(new Object[] {}, GraphLayout.carriedInto(reads, 4), "nothing after its last reader");
        assertArrayEquals(new Object[] {}, GraphLayout.carriedInto(reads, 5), "past the last graph");
    }

    @Test
    void oneGraphCopiesEverythingItReads() {
        Object[][] reads = {{input, noise, scalars}};
        assertArrayEquals(new Object[] {input, noise, scalars}, GraphLayout.firstReadIn(reads, 0));
        assertArrayEquals(new Object[] {}, GraphLayout.carriedInto(reads, 0));
        assertArrayEquals(new Object[] {}, GraphLayout.carriedInto(reads, 1));
    }
}
