package tornadovae.kernels.tornado;

import static tornadovae.kernels.tornado.Harness.assertMatchesReference;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import tornadovae.kernels.plan.Buf;
import tornadovae.kernels.plan.Op;

/**
 * The SGEMM variants (1 = simple @Parallel, 2 = tiled in local memory, 3 = row blocks) for all four transpose
 * forms, with and without accumulation, on shapes that are not multiples of the tiles (and on
 * 1×1×1), operands at odd offsets in different arenas and, once, A, B and C in the same arena.
 */
class SgemmVariantsTest {
    private static final int[][] SHAPES = {{37, 53, 29}, {1, 1, 1}, {16, 16, 16}, {17, 33, 65}, {5, 70, 3}, {8, 9, 10}, {9, 3, 4}};

    @ParameterizedTest(name = "variant {0} transA={1} transB={2}")
    @CsvSource({
            "1,false,false", "1,false,true", "1,true,false", "1,true,true",
            "2,false,false", "2,false,true", "2,true,false", "2,true,true",
            "3,false,false", "3,false,true", "3,true,false", "3,true,true"})
    void matchesReference(int variant, boolean transA, boolean transB) {
        var alloc = new Harness.Alloc(variant * 4L + (transA ? 2 : 0) + (transB ? 1 : 0));
        List<Op> ops = new ArrayList<>();
        for (int[] s : SHAPES) {
            int m = s[0], n = s[1], k = s[2];
            for (boolean acc : new boolean[] {false, true})
                ops.add(new Op.Sgemm(alloc.take(Buf.GRADS, m * n), alloc.take(Buf.PARAMS, m * k),
                        alloc.take(Buf.ACTS, k * n), m, n, k, transA, transB, acc));
        }
        // all three operands in one arena, the way a layer's backward reads ACTS and writes ACTS
        ops.add(new Op.Sgemm(alloc.take(Buf.ACTS, 19 * 23), alloc.take(Buf.ACTS, 19 * 41), alloc.take(Buf.ACTS, 41 * 23),
                19, 23, 41, transA, transB, false));
        assertMatchesReference("sgemm" + variant, Harness.randomWorkspace(12007, 11 + variant), ops, variant, 1e-4);
    }
}
