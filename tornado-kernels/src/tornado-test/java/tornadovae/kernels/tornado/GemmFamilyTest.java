package tornadovae.kernels.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import tornadovae.kernels.plan.Workspace;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;

/**
 * The GEMM families against {@link GemmCall#reference()} (the llm.c dev/cuda way: every kernel variant checked
 * against plain loops): all transpose forms, shapes that are not multiples of the blocks and smaller than them,
 * batched outputs, sums over batches (split-K), accumulation, both bias modes and an activation, operands at odd
 * offsets.
 */
class GemmFamilyTest {
    private static final double TOL = 2e-5;

    @ParameterizedTest(name = "cpu: m={0} n={1} k={2} tA={3} tB={4} outputs={5} inner={6} acc={7} bias={8} act={9}")
    @CsvSource({
            "37, 53, 29, false, false, 1, 1, false, 0, 0",
            "37, 53, 29, false, true, 1, 1, true, 2, 1",
            "37, 53, 29, true, false, 1, 1, false, 1, 3",
            "37, 53, 29, true, true, 1, 1, true, 0, 4",
            "1, 1, 1, false, false, 1, 1, false, 0, 0",
            "5, 7, 3, false, true, 1, 1, false, 2, 2",
            "8, 16, 3, false, false, 1, 1, false, 0, 0",
            "16, 32, 64, false, false, 3, 1, false, 1, 1",
            "9, 20, 11, false, false, 4, 1, true, 1, 3",
            "6, 18, 13, false, false, 1, 7, false, 0, 0",
            "6, 18, 13, false, false, 1, 40, true, 1, 4",
            "33, 70, 5, true, false, 1, 3, false, 0, 0",
            "37, 20, 9, false, false, 16, 1, false, 1, 1",
            "64, 49, 40, false, false, 24, 1, true, 1, 2",
    })
    void cpuFamilyMatchesReference(int m, int n, int k, boolean tA, boolean tB, int outputs, int inner, boolean acc,
                                   int biasMode, int act) {
        assertMatches(new CpuGemm(), m, n, k, tA, tB, outputs, inner, acc, biasMode, act, m * 131L + n);
    }

    @Test
    void splitsSumsOverBatchesWhenBlocksAreFew() {
        float[] any = new float[1];
        GemmCall wide = new GemmCall(any, 0, 0, 300, 1, any, 0, 0, 512, 1, any, 0, 0, 512, 300, 512, 300, 1, 128, false,
                null, 0, 0, 0, 0f);
        assertEquals(1, CpuGemm.splits(wide), "enough blocks: no split");
        GemmCall small = new GemmCall(any, 0, 0, 49, 1, any, 0, 0, 16, 1, any, 0, 0, 16, 32, 16, 49, 1, 128, false,
                null, 0, 0, 0, 0f);
        assertTrue(CpuGemm.splits(small) > 1, "4 blocks over 128 images: split");
        assertEquals(CpuGemm.splits(small) * 32L * 16, new CpuGemm().scratchFloats(small));
        assertEquals(2, new CpuGemm().tasks(small));
    }

    @Test
    void groupsRowBlocksWhileWorkItemsStayMany() {
        assertEquals(4, CpuGemm.rowGroup(37, 20, 16), "5 row blocks, 2 column blocks, 16 outputs: groups of 4 leave 64 work-items");
        assertEquals(8, CpuGemm.rowGroup(64, 49, 128));
        assertEquals(1, CpuGemm.rowGroup(8, 16, 1), "one block: nothing to group");
        assertEquals(4, CpuGemm.rowGroup(128, 400, 1), "16 × 25 blocks: groups of 8 would leave 50 work-items");
    }

    @Test
    void refusesStridesThatAreNotARowMajorMatrix() {
        float[] any = new float[1];
        GemmCall odd = new GemmCall(any, 0, 0, 7, 1, any, 0, 0, 5, 1, any, 0, 0, 5, 3, 5, 4, 1, 1, false, null, 0, 0, 0, 0f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, odd::transA);
        assertTrue(e.getMessage().contains("A's strides"), e.getMessage());
    }

    /** Runs the family's tasks for one call over random operands at odd offsets, and the reference over copies. */
    static void assertMatches(GemmFamily family, int m, int n, int k, boolean tA, boolean tB, int outputs, int inner,
                              boolean acc, int biasMode, int act, long seed) {
        Random r = new Random(seed);
        int batches = outputs * inner;
        int aOff = 3, bOff = 5, cOff = 7, biasOff = 2;
        float[] a = Harness.random(r, aOff + batches * m * k + 4), b = Harness.random(r, bOff + batches * k * n + 4);
        float[] c = Harness.random(r, cOff + outputs * m * n + 4), bias = Harness.random(r, biasOff + Math.max(m, n) + 1);
        GemmCall device = call(a, aOff, b, bOff, c, cOff, bias, biasOff, m, n, k, tA, tB, outputs, inner, acc, biasMode, act);
        float[] expected = c.clone();
        call(a, aOff, b, bOff, expected, cOff, bias, biasOff, m, n, k, tA, tB, outputs, inner, acc, biasMode, act).reference();

        Workspace ws = Harness.randomWorkspace(64, 1);
        float[] scratch = new float[TornadoKernels.NORM_PARTS];
        float[] gemmScratch = new float[(int) Math.max(1, family.scratchFloats(device))];
        TaskGraph tg = new TaskGraph("gemm").transferToDevice(DataTransferMode.FIRST_EXECUTION, a, b, bias, c, scratch, gemmScratch);
        GridScheduler grids = new GridScheduler();
        TornadoTasks.Context ctx = new TornadoTasks.Context(tg, "gemm", ws, scratch, 0, grids, family, gemmScratch, new float[1]);
        family.add(ctx, "t", device, gemmScratch);
        tg.transferToHost(DataTransferMode.EVERY_EXECUTION, c);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(tg.snapshot())) {
            if (!grids.keySet().isEmpty()) plan.withGridScheduler(grids);
            plan.execute();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        Harness.assertClose(family.name() + " GEMM", expected, c, TOL);
    }

    private static GemmCall call(float[] a, int aOff, float[] b, int bOff, float[] c, int cOff, float[] bias, int biasOff,
                                 int m, int n, int k, boolean tA, boolean tB, int outputs, int inner, boolean acc,
                                 int biasMode, int act) {
        return new GemmCall(a, aOff, m * k, tA ? 1 : k, tA ? m : 1, b, bOff, k * n, tB ? 1 : n, tB ? k : 1, c, cOff, m * n, n,
                m, n, k, outputs, inner, acc, biasMode == 0 ? null : bias, biasOff, biasMode, act, 0.1f);
    }
}
