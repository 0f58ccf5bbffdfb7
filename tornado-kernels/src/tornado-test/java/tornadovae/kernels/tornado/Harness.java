package tornadovae.kernels.tornado;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

import tornadovae.kernels.plan.Buf;
import tornadovae.kernels.plan.HostBackend;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.Slice;
import tornadovae.kernels.plan.StepPlan;
import tornadovae.kernels.plan.Workspace;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;

/** Runs ops on TornadoVM and on the reference kernels over copies of one workspace, and compares. */
final class Harness {
    private Harness() {}

    static final List<Buf> RESIDENT = List.of(Buf.PARAMS, Buf.GRADS, Buf.ADAM_M, Buf.ADAM_V, Buf.ACTS, Buf.OUT);

    /** A workspace with every buffer random in [-1, 1], INPUT in [0, 1] (targets), ADAM_V in [0, 1]. */
    static Workspace randomWorkspace(int size, long seed) {
        Workspace ws = new Workspace(size, size, size, size, size);
        Random r = new Random(seed);
        for (Buf b : Buf.values()) {
            float[] x = ws.array(b);
            for (int i = 0; i < x.length; i++) {
                float u = r.nextFloat();
                x[i] = (b == Buf.INPUT || b == Buf.ADAM_V) ? u : 2 * u - 1;
            }
        }
        return ws;
    }

    static Workspace copy(Workspace ws) {
        Workspace c = new Workspace(ws.params().length, ws.array(Buf.ACTS).length, ws.input().length,
                ws.noise().length, ws.out().length);
        for (Buf b : Buf.values()) System.arraycopy(ws.array(b), 0, c.array(b), 0, ws.array(b).length);
        return c;
    }

    /** Hands out non-overlapping slices of each buffer, with random gaps so that offsets are odd. */
    static final class Alloc {
        private final int[] cursor = new int[Buf.values().length];
        private final Random r;

        Alloc(long seed) { r = new Random(seed); }

        Slice take(Buf b, int len) {
            int off = cursor[b.ordinal()] + 1 + r.nextInt(13);
            cursor[b.ordinal()] = off + len;
            return new Slice(b, off, len);
        }
    }

    /**
     * Runs the ops as one plan on the reference and on TornadoVM (each over its own copy of ws),
     * then compares every resident buffer, element by element.
     */
    static void assertMatchesReference(String name, Workspace ws, List<Op> ops, int sgemmVariant, double tol) {
        assertMatchesReference(name, ws, ops, sgemmVariant, tol, null);
    }

    /** The same on the TornadoVM device {@code device} ("backend:device"; null: the default one). */
    static void assertMatchesReference(String name, Workspace ws, List<Op> ops, int sgemmVariant, double tol, String device) {
        Workspace ref = copy(ws);
        StepPlan plan = new StepPlan(name, 1, ops, new Slice(Buf.OUT, 0, 1));
        try (HostBackend host = HostBackend.reference()) {
            host.prepare(ref, List.of(plan));
            host.run(plan);
        }
        try (TornadoBackend dev = new TornadoBackend(device, sgemmVariant, false, 0)) {
            dev.prepare(ws, List.of(plan));
            dev.run(plan);
            dev.pull(RESIDENT.toArray(new Buf[0]));
        }
        for (Buf b : RESIDENT) assertClose(name + " " + b, ref.array(b), ws.array(b), tol);
    }

    /** |actual - expected| ≤ tol·max(1, |expected|) everywhere. */
    static void assertClose(String what, float[] expected, float[] actual, double tol) {
        assertClose(what, expected, actual, tol, 1.0);
    }

    /** |actual - expected| ≤ tol·max(floor, |expected|) everywhere. */
    static void assertClose(String what, float[] expected, float[] actual, double tol, double floor) {
        if (expected.length != actual.length) fail(what + ": lengths " + expected.length + " vs " + actual.length);
        for (int i = 0; i < expected.length; i++) {
            double e = expected[i], a = actual[i];
            if (!(Math.abs(a - e) <= tol * Math.max(floor, Math.abs(e))))
                fail(what + "[" + i + "]: expected " + e + " but TornadoVM gave " + a);
        }
    }

    /** n floats uniform in [-1, 1). */
    static float[] random(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = 2 * r.nextFloat() - 1;
        return x;
    }

    /** Runs the tasks once on the default device, the inputs and {@code out} copied in, {@code out} copied back. */
    static void runOnce(Consumer<TaskGraph> tasks, float[] out, float[]... in) {
        TaskGraph tg = new TaskGraph("once").transferToDevice(DataTransferMode.FIRST_EXECUTION, (Object[]) in)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, out);
        tasks.accept(tg);
        tg.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(tg.snapshot())) {
            plan.execute();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
