package tornadovae.kernels.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every op type has a kernel in every host backend's registry, and describes itself. The TornadoVM
 * backend's registry has the same test where an SDK is present ({@code TornadoRegistryTest}).
 */
class KernelRegistryTest {

    @Test
    void everyOpTypeHasAHostKernel() {
        List<String> missing = new ArrayList<>();
        for (Class<?> type : Op.types())
            if (!HostKernels.registered().contains(type)) missing.add(type.getSimpleName());
        if (!missing.isEmpty()) fail("the host backends (reference, jvm) have no kernel for op(s) " + missing);
    }

    @Test
    void theOpListIsTheSealedInterfacesPermittedTypes() {
        // a new record that forgets "implements Op" is not an op at all; one that implements it is listed here
        assertTrue(Op.types().contains(Op.Conv.class));
        assertEquals(Op.class.getPermittedSubclasses().length, Op.types().size());
    }

    @Test
    void everyOpMarksEachSliceItNames() {
        // OpSlices refuses a Slice component with no role (or two): building the lists for each type proves every one is marked
        Slice s = new Slice(Buf.ACTS, 0, 4);
        Op[] samples = {new Op.Fill(s, 0f), new Op.GlobalNorm(new Slice(Buf.OUT, 0, 1), s),
                new Op.ActBackward(tornadovae.kernels.ActivationKind.RELU, 0f, s, s, s, 4)};
        for (Op op : samples) {
            assertFalse(op.slices().isEmpty(), op.toString());
            assertTrue(op.bytes() > 0, op.toString());
        }
        for (Class<?> type : Op.types())
            for (var rc : type.getRecordComponents())
                if (rc.getType() == Slice.class) {
                    int marks = 0;
                    for (Class<? extends java.lang.annotation.Annotation> a : List.of(Op.In.class, Op.Out.class, Op.InOut.class, Op.Scratch.class))
                        if (rc.isAnnotationPresent(a)) marks++;
                    assertEquals(1, marks, type.getSimpleName() + "." + rc.getName() + " must have exactly one role");
                }
    }

    @Test
    void opsSayWhatTheyReadWriteAndWhichScalarsTheyNeed() {
        Slice a = new Slice(Buf.ACTS, 0, 6), b = new Slice(Buf.PARAMS, 0, 6), c = new Slice(Buf.ACTS, 100, 4);
        Op.Sgemm plain = new Op.Sgemm(c, a, b, 2, 2, 3, false, false, false);
        assertEquals(List.of(a, b), plain.reads());
        assertEquals(List.of(c), plain.writes());
        assertEquals(List.of(a, b, c), new Op.Sgemm(c, a, b, 2, 2, 3, false, false, true).reads(), "accumulate reads C");
        assertEquals(4L * (6 + 6 + 4), plain.bytes());
        Slice p = new Slice(Buf.PARAMS, 0, 8), g = new Slice(Buf.GRADS, 0, 8), m = new Slice(Buf.ADAM_M, 0, 8), v = new Slice(Buf.ADAM_V, 0, 8);
        Op.Adam adam = new Op.Adam(p, g, m, v, 0.9f, 0.999f, 1e-8f, 0f);
        assertEquals(List.of(p, g, m, v), adam.reads());
        assertEquals(List.of(p, m, v), adam.writes());
        assertEquals(List.of(Scalars.LEARNING_RATE, Scalars.ADAM_BC1, Scalars.ADAM_BC2),
                java.util.Arrays.stream(adam.scalars()).boxed().toList());
        Slice ml = new Slice(Buf.ACTS, 0, 8);
        assertEquals(1, new Op.KlBackward(ml, ml, 2, 2).scalars().length);
        assertEquals(0, new Op.KlForward(new Slice(Buf.OUT, 0, 2), ml, 2, 2).scalars().length);
        // a derivative epilogue's source is read
        ConvGeometry geo = ConvGeometry.conv2d(1, 1, 4, 4, 2, 3, 1, 1);
        Slice dIn = new Slice(Buf.ACTS, 0, geo.inSize()), dOut = new Slice(Buf.ACTS, 100, geo.outSize());
        Slice w = new Slice(Buf.PARAMS, 0, geo.weightSize()), col = new Slice(Buf.ACTS, 200, 1), src = new Slice(Buf.ACTS, 300, geo.inSize());
        Op.ConvInputGrad fused = new Op.ConvInputGrad(dIn, dOut, w, col, geo,
                Epilogue.derivative(tornadovae.kernels.ActivationKind.SILU, 0f, src));
        assertTrue(fused.reads().contains(src));
        assertFalse(fused.reads().contains(col), "scratch is neither read nor written");
        assertTrue(fused.slices().contains(col));
    }
}
