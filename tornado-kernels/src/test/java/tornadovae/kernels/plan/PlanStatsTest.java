package tornadovae.kernels.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import tornadovae.kernels.ActivationKind;

class PlanStatsTest {

    private static Slice acts(int offset, int length) { return new Slice(Buf.ACTS, offset, length); }

    @Test
    void sgemmCountsTwoFlopsPerTermAndTheAccumulatingAdd() {
        var plain = new Op.Sgemm(acts(0, 6), acts(6, 12), acts(18, 8), 3, 2, 4, false, false, false);
        var acc = new Op.Sgemm(acts(0, 6), acts(6, 12), acts(18, 8), 3, 2, 4, true, true, true);
        assertEquals(2 * 3 * 2 * 4, PlanStats.flops(plain));
        assertEquals(2 * 3 * 2 * 4 + 3 * 2, PlanStats.flops(acc));
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
}
