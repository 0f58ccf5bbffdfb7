package tornadovae.kernels.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.jvm.JvmKernels;

/** The plan rewrite that folds activations into convolutions: when it may, when it must not, and that it keeps the bits. */
class FusionTest {
    // A conv layer and the input gradient of the one before it, in ACTS slices that never overlap.
    static final ConvGeometry G = ConvGeometry.conv2d(3, 2, 9, 9, 4, 3, 2, 1);
    static final Slice X = new Slice(Buf.INPUT, 0, G.inSize());
    static final Slice W = new Slice(Buf.PARAMS, 0, G.weightSize());
    static final Slice B = new Slice(Buf.PARAMS, G.weightSize(), G.outC());
    static final int COL = G.scratchFloats(false);
    static final Slice Y = acts(0, G.outSize()), Z = acts(1000, G.outSize()), COL1 = acts(2000, COL);
    static final Slice DH = acts(20000, G.inSize()), DPRE = acts(21000, G.inSize()), H = acts(22000, G.inSize());
    static final Slice COL2 = acts(23000, COL);
    static final int ACTS = 23000 + COL;

    static Slice acts(int off, int n) { return new Slice(Buf.ACTS, off, n); }

    static Op conv() { return new Op.Conv(Y, X, W, B, COL1, G); }
    static Op relu() { return new Op.ActForward(ActivationKind.RELU, 0f, Z, Y, G.outSize()); }
    static Op inputGrad() { return new Op.ConvInputGrad(DH, Z, W, COL2, G); }
    static Op leakyBack() { return new Op.ActBackward(ActivationKind.LEAKY_RELU, 0.2f, DPRE, H, DH, G.inSize()); }

    @Test
    void anActivationAfterTheConvolutionThatWritesItsInputIsFolded() {
        List<Op> fused = Fusion.fuse(List.of(conv(), relu(), inputGrad(), leakyBack()), Fusion.ALL);
        assertEquals(2, fused.size(), fused.toString());
        Op.Conv c = (Op.Conv) fused.get(0);
        assertEquals(Z, c.out());
        assertEquals(Epilogue.activation(ActivationKind.RELU, 0f), c.epilogue());
        Op.ConvInputGrad d = (Op.ConvInputGrad) fused.get(1);
        assertEquals(DPRE, d.dIn());
        assertEquals(Epilogue.derivative(ActivationKind.LEAKY_RELU, 0.2f, H), d.epilogue());
    }

    @Test
    void aTensorAnotherOpReadsIsKept() {
        Op readsY = new Op.ChannelBiasGrad(new Slice(Buf.GRADS, 0, G.outC()), Y, G.batch(), G.outC(), G.outH() * G.outW());
        List<Op> ops = List.of(conv(), relu(), inputGrad(), leakyBack(), readsY);
        List<Op> fused = Fusion.fuse(ops, Fusion.ALL);
        assertEquals(ops.get(0), fused.get(0), "Y is read after the activation: the conv must still write it");
        assertEquals(ops.get(1), fused.get(1));
        // a part of dH read elsewhere is enough
        Op readsPartOfDh = new Op.Fill(DH.sub(7, 1), 0f);
        assertEquals(4, Fusion.fuse(List.of(readsPartOfDh, conv(), relu(), inputGrad(), leakyBack()), Fusion.ALL).size(),
                "the conv pair folds, the input gradient's does not");
    }

    @Test
    void onlyAdjacentOpsAreFolded() {
        Op between = new Op.Fill(new Slice(Buf.GRADS, 0, 4), 0f);
        List<Op> ops = List.of(conv(), between, relu());
        assertEquals(ops, Fusion.fuse(ops, Fusion.ALL));
        // an activation of another tensor, or a second activation, stays where it is
        Op other = new Op.ActForward(ActivationKind.RELU, 0f, Z, acts(5000, G.outSize()), G.outSize());
        assertEquals(List.of(conv(), other), Fusion.fuse(List.of(conv(), other), Fusion.ALL));
    }

    @Test
    void anOutputOverlappingAnOperandIsNotFolded() {
        // the activation writes over the conv's scratch: the fused op would write while still using it
        Op ontoCol = new Op.ActForward(ActivationKind.RELU, 0f, COL1.sub(0, G.outSize()), Y, G.outSize());
        assertEquals(List.of(conv(), ontoCol), Fusion.fuse(List.of(conv(), ontoCol), Fusion.ALL));
        // the derivative's activation output overlaps where it writes
        Op selfMask = new Op.ActBackward(ActivationKind.RELU, 0f, DPRE, DPRE, DH, G.inSize());
        assertEquals(List.of(inputGrad(), selfMask), Fusion.fuse(List.of(inputGrad(), selfMask), Fusion.ALL));
    }

    @Test
    void anInPlaceActivationIsFoldedEvenWhenItsTensorIsReadLater() {
        Op inPlace = new Op.ActForward(ActivationKind.TANH, 0f, Y, Y, G.outSize());
        Op readsY = new Op.ChannelBiasGrad(new Slice(Buf.GRADS, 0, G.outC()), Y, G.batch(), G.outC(), G.outH() * G.outW());
        List<Op> fused = Fusion.fuse(List.of(conv(), inPlace, readsY), Fusion.ALL);
        assertEquals(2, fused.size());
        assertEquals(new Op.Conv(Y, X, W, B, COL1, G, Epilogue.activation(ActivationKind.TANH, 0f)), fused.get(0));
    }

    static final Slice P = new Slice(Buf.PARAMS, 0, 40), GR = new Slice(Buf.GRADS, 0, 40);
    static final Slice M = new Slice(Buf.ADAM_M, 0, 40), V = new Slice(Buf.ADAM_V, 0, 40), NORM = new Slice(Buf.OUT, 0, 1);

    static Op adam() { return new Op.Adam(P, GR, M, V, 0.9f, 0.999f, 1e-8f, 0f); }

    @Test
    void theGradientNormFoldsIntoTheAdamStepAfterItButNotPastAClip() {
        List<Op> fused = Fusion.fuse(List.of(new Op.GlobalNorm(NORM, GR), adam()), Fusion.ALL);
        assertEquals(List.of(new Op.Adam(P, GR, M, V, 0.9f, 0.999f, 1e-8f, 0f, NORM)), fused);
        List<Op> clipped = List.of(new Op.GlobalNorm(NORM, GR), new Op.ClipByNorm(GR, NORM, 1f), adam());
        assertEquals(clipped, Fusion.fuse(clipped, Fusion.ALL), "clipping needs the norm before Adam");
        List<Op> otherGrads = List.of(new Op.GlobalNorm(NORM, new Slice(Buf.GRADS, 40, 40)), adam());
        assertEquals(otherGrads, Fusion.fuse(otherGrads, Fusion.ALL));
    }

    @Test
    void theFoldedNormKeepsTheBits() {
        List<Op> ops = List.of(new Op.GlobalNorm(NORM, GR), adam());
        for (boolean jvm : new boolean[]{false, true}) {
            Workspace a = workspace(), b = workspace();
            runOn(a, ops, jvm);
            runOn(b, Fusion.fuse(ops, Fusion.ALL), jvm);
            for (Buf buf : List.of(Buf.OUT, Buf.PARAMS, Buf.ADAM_M, Buf.ADAM_V))
                for (int i = 0; i < a.array(buf).length; i++)
                    assertEquals(Float.floatToRawIntBits(a.array(buf)[i]), Float.floatToRawIntBits(b.array(buf)[i]),
                            buf + "[" + i + "]" + (jvm ? " on the JVM" : " on the reference"));
            assertTrue(b.out()[0] > 0f, "the norm was written");
        }
    }

    private static Workspace workspace() {
        Workspace ws = new Workspace(40, 1, 1, 1, 1);
        Random r = new Random(4);
        for (Buf b : List.of(Buf.PARAMS, Buf.GRADS, Buf.ADAM_M, Buf.ADAM_V))
            for (int i = 0; i < 40; i++) ws.array(b)[i] = b == Buf.ADAM_V ? r.nextFloat() * 1e-3f : r.nextFloat() - 0.5f;
        ws.scalars()[Scalars.LEARNING_RATE] = 1e-3f;
        ws.scalars()[Scalars.ADAM_BC1] = 0.1f;
        ws.scalars()[Scalars.ADAM_BC2] = 0.01f;
        return ws;
    }

    private static void runOn(Workspace ws, List<Op> ops, boolean jvm) {
        StepPlan plan = new StepPlan("p", 1, ops, new Slice(Buf.OUT, 0, 1));
        try (Backend b = jvm ? new HostBackend("jvm", new JvmKernels(2), Fusion.NONE) : HostBackend.reference()) {
            b.prepare(ws, List.of(plan));
            b.run(plan);
        }
    }

    @Test
    void epiloguesAreCheckedAgainstTheirOp() {
        assertThrows(IllegalArgumentException.class, () -> new Op.Conv(Y, X, W, B, COL1, G,
                Epilogue.derivative(ActivationKind.RELU, 0f, Y)), "a forward op takes no derivative");
        assertThrows(IllegalArgumentException.class, () -> new Op.ConvInputGrad(DH, Z, W, COL2, G,
                Epilogue.activation(ActivationKind.RELU, 0f)), "an input gradient takes no plain activation");
        assertThrows(IllegalArgumentException.class, () -> new Op.ConvInputGrad(DH, Z, W, COL2, G,
                Epilogue.derivative(ActivationKind.RELU, 0f, acts(0, 5))), "the activation output must match dIn");
    }

    /** The fused plan writes the unfused plan's final tensors bit for bit, on the reference and on the JVM schedule. */
    @Test
    void theFusedPlanKeepsTheBits() {
        for (ActivationKind kind : ActivationKind.values()) {
            List<Op> ops = List.of(conv(), new Op.ActForward(kind, 0.1f, Z, Y, G.outSize()), inputGrad(),
                    new Op.ActBackward(kind, 0.1f, DPRE, H, DH, G.inSize()));
            List<Op> fused = Fusion.fuse(ops, Fusion.ALL);
            assertEquals(2, fused.size());
            for (boolean jvm : new boolean[]{false, true}) {
                float[] plain = run(ops, jvm), folded = run(fused, jvm);
                for (Slice s : List.of(Z, DPRE))
                    for (int i = s.offset(); i < s.end(); i++)
                        if (Float.floatToRawIntBits(plain[i]) != Float.floatToRawIntBits(folded[i]))
                            fail(kind + (jvm ? " on the JVM" : " on the reference") + ": ACTS[" + i + "] is "
                                    + folded[i] + " fused, " + plain[i] + " not");
                assertTrue(nonZero(folded, DPRE), "the test must exercise non-zero gradients");
            }
        }
    }

    private static boolean nonZero(float[] a, Slice s) {
        for (int i = s.offset(); i < s.end(); i++) if (a[i] != 0f) return true;
        return false;
    }

    /** ACTS after running the ops on the same random workspace. */
    private static float[] run(List<Op> ops, boolean jvm) {
        Workspace ws = new Workspace(G.weightSize() + G.outC(), ACTS, G.inSize(), 1, 1);
        Random r = new Random(3);
        for (Buf b : List.of(Buf.PARAMS, Buf.ACTS, Buf.INPUT)) {
            float[] a = ws.array(b);
            for (int i = 0; i < a.length; i++) a[i] = r.nextFloat() * 2 - 1;
        }
        StepPlan plan = new StepPlan("p", G.batch(), new ArrayList<>(ops), new Slice(Buf.OUT, 0, 1));
        // no fusion rules: the backend runs exactly these ops (fused or not)
        try (Backend b = jvm ? new HostBackend("jvm", new JvmKernels(2), Fusion.NONE) : HostBackend.reference()) {
            b.prepare(ws, List.of(plan));
            b.run(plan);
        }
        return ws.array(Buf.ACTS);
    }
}
