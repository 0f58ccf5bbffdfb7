package tornadovae.kernels.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import tornadovae.kernels.ActivationKind;

class PlanStatsTest {

    private static Slice acts(int offset, int length) { return new Slice(Buf.ACTS, offset, length); }

    @Test
    void sgemmCountsTwoFlopsPerTermAndTheAccumulatingAdd() {
        var plain = new Op.Sgemm(acts(0, 6), acts(6, 12), acts(18, 8), 3, 2, 4, false, false, false);
        var acc = new Op.Sgemm(acts(0, 6), acts(6, 12), acts(18, 8), 3, 2, 4, true, true, true);
        assertEquals(2 * 3 * 2 * 4, plain.flops());
        assertEquals(2 * 3 * 2 * 4 + 3 * 2, acc.flops());
    }

    @Test
    void aPlanSumsItsOpsAndFillsAreFree() {
        var sgemm = new Op.Sgemm(acts(0, 200), acts(200, 500), acts(700, 1000), 10, 20, 50, false, true, false);
        var bias = new Op.BiasAdd(acts(0, 200), new Slice(Buf.PARAMS, 0, 20), 10, 20);
        var relu = new Op.ActForward(ActivationKind.RELU, 0f, acts(0, 200), acts(0, 200), 200);
        var fill = new Op.Fill(new Slice(Buf.GRADS, 0, 1000), 0f);
        var adam = new Op.Adam(new Slice(Buf.PARAMS, 0, 30), new Slice(Buf.GRADS, 0, 30),
                new Slice(Buf.ADAM_M, 0, 30), new Slice(Buf.ADAM_V, 0, 30), 0.9f, 0.999f, 1e-8f, 0f);
        var plan = new StepPlan("p", 10, List.of(fill, sgemm, bias, relu, adam), new Slice(Buf.OUT, 0, 1));
        assertEquals(2L * 10 * 20 * 50 + 200 + 200 + 14 * 30, PlanStats.flops(plan));
    }

    @Test
    void hostBackendsLaunchOneCallPerOpAndMoveNothing() {
        var fill = new Op.Fill(new Slice(Buf.GRADS, 0, 10), 0f);
        var plan = new StepPlan("p", 1, List.of(fill, fill, fill), new Slice(Buf.OUT, 0, 1));
        try (Backend b = HostBackend.reference()) {
            assertEquals(new StepStats(3, 0, 0), b.stats(plan));
        }
    }

    @Test
    void convolutionsCountOneMultiplyAddPerPixelChannelPairAndTap() {
        // mnist-conv's first layer, Conv2d(1, 32, 3, s2, p1) on 28×28: 14×14 outputs of 1·9 taps for 32 channels
        ConvGeometry g = ConvGeometry.conv2d(1, 1, 28, 28, 32, 3, 2, 1);
        assertEquals(14, g.outH());
        assertEquals(2L * 14 * 14 * 32 * 9, g.flops());
        // its mirror in the decoder, ConvTranspose2d(32, 1, 3, s2, p1, op1) from 14×14: every input pixel meets 32·9 weights
        ConvGeometry t = ConvGeometry.convTranspose2d(1, 32, 14, 14, 1, 3, 2, 1, 1);
        assertEquals(28, t.outH());
        assertEquals(2L * 14 * 14 * 32 * 9, t.flops());
    }

    /** A profiling host backend times every op it runs, grouped by kind; without a profile it times nothing. */
    @Test
    void aProfilingHostBackendTimesEachOpByKind() {
        var sgemm = new Op.Sgemm(acts(0, 200), acts(200, 500), acts(700, 1000), 10, 20, 50, false, true, false);
        var fill = new Op.Fill(new Slice(Buf.GRADS, 0, 10), 0f);
        var plan = new StepPlan("p", 10, List.of(fill, sgemm, fill), new Slice(Buf.OUT, 0, 1));
        try (HostBackend b = HostBackend.reference()) {
            b.prepare(new Workspace(10, 1700, 1, 1, 1), List.of(plan));
            b.run(plan);
            OpProfile profile = new OpProfile();
            assertTrue(b.profile(profile));
            b.run(plan);
            b.run(plan);
            b.profile(null);
            b.run(plan);
            var entries = profile.entries();
            assertEquals(List.of("fill", "sgemm"), entries.stream().map(OpProfile.Entry::kind).sorted().toList());
            var s = entries.stream().filter(e -> e.kind().equals("sgemm")).findFirst().orElseThrow();
            assertEquals(2, s.calls(), "two profiled runs, not the runs before or after");
            assertEquals(2 * sgemm.flops(), s.flops());
            assertTrue(s.nanos() > 0);
            assertEquals(4, entries.stream().filter(e -> e.kind().equals("fill")).findFirst().orElseThrow().calls());
            assertEquals(entries.stream().mapToLong(OpProfile.Entry::nanos).sum(), profile.totalNanos());
        }
    }

    @Test
    void convOpsAreGroupedByTheLayerTheyServe() {
        ConvGeometry g = ConvGeometry.conv2d(1, 1, 4, 4, 2, 3, 1, 1);
        ConvGeometry t = ConvGeometry.convTranspose2d(1, 2, 4, 4, 1, 3, 1, 1, 0);
        Slice in = acts(0, g.inSize()), out = acts(100, g.outSize()), w = new Slice(Buf.PARAMS, 0, g.weightSize());
        Slice b = new Slice(Buf.PARAMS, 100, 2), col = acts(200, 1);
        assertEquals("conv2d", OpProfile.kind(new Op.Conv(out, in, w, b, col, g)));
        assertEquals("conv2dInputGrad", OpProfile.kind(new Op.ConvInputGrad(in, out, w, col, g)));
        assertEquals("convTranspose2d", OpProfile.kind(new Op.Conv(in, out, w, new Slice(Buf.PARAMS, 100, 1), col, t)));
        assertEquals("convTranspose2dWeightGrad", OpProfile.kind(new Op.ConvWeightGrad(w, in, out, col, t)));
        assertEquals("actForward", OpProfile.kind(new Op.ActForward(ActivationKind.RELU, 0f, in, in, g.inSize())));
    }
}
