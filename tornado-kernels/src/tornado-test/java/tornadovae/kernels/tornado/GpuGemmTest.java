package tornadovae.kernels.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import tornadovae.kernels.plan.ConvGeometry;

/**
 * The GPU-class GEMM family on the default TornadoVM device (PoCL here: barrier kernels run slowly on it, which is
 * expected; this checks the arithmetic, the bounds and the split). Every variant against {@link GemmCall#reference()}
 * on edge shapes; the per-call choice on the models' GEMMs; and the launch rule for a batch-128 step.
 */
class GpuGemmTest {

    @ParameterizedTest(name = "variant {0}")
    @ValueSource(ints = {1, 2, 3, 4, 5})
    void everyVariantMatchesTheReference(int variant) {
        List<GemmCall> calls = new GemmCases(300 + variant).edges();
        assertNull(GemmRunner.check(new GpuGemm(variant), calls, null, 1e-4));
    }

    @Test
    void theModelsGemmsMatchTheReference() {
        GemmCases cases = new GemmCases(7);
        List<GemmCall> calls = new ArrayList<>(cases.mlp(4));
        calls.addAll(cases.mnistConv(2));
        // rgb128-conv's GEMMs run in the Oclgrind mode (OclgrindTest): here they would add minutes of PoCL compiles
        assertNull(GemmRunner.check(new GpuGemm(0), calls, null, 1e-4));
    }

    @ParameterizedTest(name = "variant {0}")
    @ValueSource(ints = {1, 4})
    void gemmsReadingXMatchTheReference(int variant) {
        // an implicit im2col: Conv2d 3→5 k3 s2 p1 on 9×9 (odd sides, the padding on both edges) and ConvTranspose2d
        // 4→2 k4 s2 p1 (X is its 12×12 output: its input gradient's GEMM), 3 images, bounds not multiples of a block
        GemmCases cases = new GemmCases(13);
        List<GemmCall> calls = new ArrayList<>();
        cases.convImplicit(calls, ConvGeometry.conv2d(3, 3, 9, 9, 5, 3, 2, 1), TornadoActivations.ACT_LEAKY_RELU);
        cases.convImplicit(calls, ConvGeometry.convTranspose2d(3, 4, 6, 6, 2, 4, 2, 1, 0), TornadoActivations.ACT_SIGMOID);
        assertNull(GemmRunner.check(new GpuGemm(variant), calls, null, 1e-4));
    }

    @Test
    void operandsInOneArrayAreReadBeforeTheWrittenOne() {
        // A, B and C in one arena, as a layer's backward reads and writes ACTS; split (deep k) and not
        GemmCases cases = new GemmCases(11);
        List<GemmCall> calls = new ArrayList<>();
        for (int[] s : new int[][] {{19, 23, 41}, {9, 12, 3000}}) {
            int m = s[0], n = s[1], k = s[2];
            GemmCall g = cases.call(m, n, k, false, false, 1, 1, true, 2, TornadoActivations.ACT_RELU, 0f);
            float[] arena = new float[3 + m * k + n * k + m * n + 7];
            for (int i = 0; i < arena.length; i++) arena[i] = (float) Math.sin(i * 0.37);
            int aOff = 3, bOff = aOff + m * k + 2, cOff = bOff + k * n + 2;
            calls.add(new GemmCall(arena, aOff, 0, k, 1, arena, bOff, 0, n, 1, arena, cOff, 0, n, m, n, k, 1, 1, true,
                    g.bias(), g.biasOff(), 2, TornadoActivations.ACT_RELU, 0f));
        }
        // one call at a time: the second reads an arena the first wrote, which the reference copy would not see
        for (GemmCall g : calls) assertNull(GemmRunner.check(new GpuGemm(0), List.of(g), null, 1e-4));
    }

    /**
     * The rule: in a batch-128 mnist-conv (and MLP) step, no GPU-class kernel launches fewer than 4,096
     * work-items unless its whole work is under 1 MFLOP; the reduce task counts as a kernel too.
     */
    @Test
    void aBatch128StepLaunchesEnoughWorkItems() {
        GpuGemm family = new GpuGemm(0);
        GemmCases cases = new GemmCases(1);
        List<GemmCall> calls = new ArrayList<>(cases.mnistConv(128));
        calls.addAll(cases.mlp(128));
        for (GemmCall g : calls) {
            GpuGemm.Launch l = family.plan(g);
            String what = GemmRunner.describe(g) + " as " + l;
            assertTrue(l.workItems() >= GpuGemm.MIN_WORK_ITEMS || 2 * g.fmas() < GpuGemm.SMALL_FLOPS, what);
            if (l.reduce()) {
                long reduceItems = (long) g.outputs() * g.m() * g.n();
                long reduceFlops = reduceItems * l.parts();
                assertTrue(reduceItems >= GpuGemm.MIN_WORK_ITEMS || reduceFlops < GpuGemm.SMALL_FLOPS, "reduce of " + what);
                assertEquals(2, family.tasks(g));
                assertEquals((long) g.outputs() * l.parts() * g.m() * g.n(), family.scratchFloats(g));
            } else {
                assertEquals(1, family.tasks(g));
                assertEquals(0, family.scratchFloats(g));
            }
        }
    }
}
