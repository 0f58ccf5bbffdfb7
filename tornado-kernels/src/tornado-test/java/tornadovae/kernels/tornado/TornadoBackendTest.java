package tornadovae.kernels.tornado;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static tornadovae.kernels.tornado.Harness.assertClose;

import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import tornadovae.kernels.ActivationKind;
import tornadovae.kernels.plan.Buf;
import tornadovae.kernels.plan.Fusion;
import tornadovae.kernels.plan.HostBackend;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.OpProfile;
import tornadovae.kernels.plan.StepPlan;
import tornadovae.kernels.plan.StepStats;
import tornadovae.kernels.plan.Workspace;

/**
 * Whole plans on {@link TornadoBackend} against {@link HostBackend#reference()}: several training
 * steps interleaved with an evaluation plan of another batch size, the state resident on the
 * device, the plan in one graph or split into chained graphs.
 */
class TornadoBackendTest {
    private static final double TOL = 1e-4;

    private static MlpVaePlans small() {
        return new MlpVaePlans(29, 13, 3, 7, 5, ActivationKind.RELU, ActivationKind.TANH, 5f);
    }

    /** Runs both backends side by side; compares OUT every step and the state at the end. */
    private static void trainSideBySide(MlpVaePlans vae, TornadoBackend dev, int steps) {
        StepPlan train = vae.train(), eval = vae.eval();
        Workspace devWs = vae.workspace(), refWs = vae.workspace();
        vae.init(devWs, 42);
        vae.init(refWs, 42);
        try (HostBackend ref = HostBackend.reference(); dev) {
            ref.prepare(refWs, List.of(train, eval));
            dev.prepare(devWs, List.of(train, eval));
            Random rDev = new Random(7), rRef = new Random(7);
            for (int t = 1; t <= steps; t++) {
                vae.nextStep(devWs, rDev, t);
                vae.nextStep(refWs, rRef, t);
                ref.run(train);
                dev.run(train);
                assertClose("step " + t + " OUT", slice(refWs.out(), train), slice(devWs.out(), train), TOL);
                ref.run(eval);
                dev.run(eval);
                assertClose("eval after step " + t + " OUT", slice(refWs.out(), eval), slice(devWs.out(), eval), TOL);
            }
            dev.pullState();
            assertClose("PARAMS", refWs.params(), devWs.params(), TOL, 1e-2);
            assertClose("ADAM_M", refWs.adamM(), devWs.adamM(), TOL, 1e-3);
            assertClose("ADAM_V", refWs.adamV(), devWs.adamV(), TOL, 1e-5);
        }
    }

    private static float[] slice(float[] out, StepPlan p) {
        return Arrays.copyOfRange(out, p.readBack().offset(), p.readBack().end());
    }

    @ParameterizedTest(name = "sgemm variant {0}, at most {1} tasks a graph")
    @CsvSource({"2,0", "1,0", "3,0", "3,7", "4,0", "4,7", "5,0", "5,7"})
    void trainingMatchesReference(int sgemmVariant, int maxTasksPerGraph) {
        TornadoBackend dev = new TornadoBackend(null, sgemmVariant, false, maxTasksPerGraph);
        trainSideBySide(small(), dev, 6);
    }

    @Test
    void splitsPlansWhenAsked() {
        MlpVaePlans vae = small();
        try (TornadoBackend dev = new TornadoBackend(null, 2, false, 7)) {
            dev.prepare(vae.workspace(), List.of(vae.train(), vae.eval()));
            assertEquals(5, dev.graphCount("train"));   // 33 ops, 34 tasks: 7+7+7+7+6 (+ the read-back copy)
            assertEquals(2, dev.graphCount("eval"));    // 13 ops
        }
    }

    /**
     * Launches are tasks (GlobalNorm is two, and each plan ends with the read-back copy); bytes are the
     * whole arrays the plan streams in, once each however many graphs read them, and only the plan's
     * read-back slice of OUT out.
     */
    @Test
    void countsLaunchesAndBytesPerStep() {
        MlpVaePlans vae = small();
        Workspace ws = vae.workspace();
        long in = 4L * ws.input().length, noise = 4L * ws.noise().length, scalars = 4L * ws.scalars().length;
        long trainOut = 4L * vae.train().readBack().length(), evalOut = 4L * vae.eval().readBack().length();
        try (TornadoBackend dev = new TornadoBackend(null, 2, false, 0)) {
            dev.prepare(ws, List.of(vae.train(), vae.eval()));
            // one launch per op, two for the norm and the reconstruction loss (element-wise, then per sample)
            assertEquals(new StepStats(36, in + noise + scalars, trainOut), dev.stats(vae.train()));
            assertEquals(new StepStats(15, in + noise, evalOut), dev.stats(vae.eval()));
        }
        try (TornadoBackend dev = new TornadoBackend(null, TornadoBackend.CPU_FAMILY, false, 0)) {
            dev.prepare(ws, List.of(vae.train(), vae.eval()));
            // the GEMM family adds each Linear layer's bias as it stores C: one launch fewer a layer
            assertEquals(36 - biasAdds(vae.train()), dev.stats(vae.train()).launches());
            assertEquals(15 - biasAdds(vae.eval()), dev.stats(vae.eval()).launches());
            assertTrue(biasAdds(vae.train()) >= 3, "the MLP's layers add biases");
        }
        try (TornadoBackend dev = new TornadoBackend(null, 2, false, 7)) {
            dev.prepare(vae.workspace(), List.of(vae.train()));
            StepStats split = dev.stats(vae.train());
            assertEquals(36, split.launches());
            // the first graph that reads a stream copies it in, the later ones use that copy
            assertEquals(new StepStats(36, in + noise + scalars, trainOut), split);
        }
    }

    private static long biasAdds(StepPlan plan) {
        return plan.ops().stream().filter(op -> op instanceof Op.BiasAdd).count();
    }

    /**
     * Proves the device did the work: after steps the host PARAMS are still the initial values
     * (TornadoVM's silent fallback would run the kernels as Java on the host arrays and update
     * them in place), and they change only when pulled. The profiler saw kernels compile.
     */
    @Test
    void stateStaysOnTheDeviceUntilPulled() {
        MlpVaePlans vae = small();
        Workspace ws = vae.workspace();
        vae.init(ws, 1);
        float[] initial = ws.params().clone();
        StepPlan train = vae.train();
        try (TornadoBackend dev = new TornadoBackend(null, 2, true, 0)) {
            dev.prepare(ws, List.of(train));
            Random r = new Random(3);
            for (int t = 1; t <= 3; t++) {
                vae.nextStep(ws, r, t);
                dev.run(train);
            }
            assertArrayEquals(initial, ws.params(), "host PARAMS changed without pullState()");
            assertTrue(ws.out()[0] > 0, "the loss came back");
            dev.pullState();
            assertFalse(Arrays.equals(initial, ws.params()), "pullState() brought no new PARAMS");
            var timing = dev.timings().getFirst();
            assertEquals("train", timing.plan());
            assertEquals(3, timing.runs());
            assertTrue(timing.compileMs() > 0, "the profiler saw no kernel compile: " + timing);
        }
    }

    /**
     * With an OpProfile set, every task of every graph (the plan split in several) adds its device time
     * once per run, under its op's kind: launches add up to the plan's, and sgemm's flops to its ops'.
     */
    @Test
    void profilesEveryTaskOnTheDevice() {
        MlpVaePlans vae = small();
        Workspace ws = vae.workspace();
        vae.init(ws, 1);
        StepPlan train = vae.train();
        List<Op> ops = Fusion.fuse(train.ops(), TornadoBackend.FUSION);
        long sgemmFlops = ops.stream().filter(o -> o instanceof Op.Sgemm).mapToLong(Op::flops).sum();
        try (TornadoBackend dev = new TornadoBackend(null, 3, false, 7)) {
            dev.prepare(ws, List.of(train));
            Random r = new Random(3);
            vae.nextStep(ws, r, 1);
            dev.run(train); // compiles: not profiled
            OpProfile profile = new OpProfile();
            assertTrue(dev.profile(profile));
            for (int t = 2; t <= 3; t++) {
                vae.nextStep(ws, r, t);
                dev.run(train);
            }
            dev.profile(null);
            dev.run(train);
            var entries = profile.entries();
            assertEquals(2L * dev.stats(train).launches(), entries.stream().mapToLong(OpProfile.Entry::calls).sum(), entries.toString());
            var sgemm = entries.stream().filter(e -> e.kind().equals("sgemm")).findFirst().orElseThrow();
            assertEquals(2 * sgemmFlops, sgemm.flops());
            assertTrue(sgemm.nanos() > 0, entries.toString());
            assertTrue(entries.stream().anyMatch(e -> e.kind().equals("readback")), entries.toString());
        }
    }

    /** TornadoVM's log keys each task by graph and task name; a task of another plan is not counted, a repeated one once. */
    @Test
    void readsTaskTimesFromTheProfilerLog() {
        List<Op> ops = List.of(new Op.Fill(new tornadovae.kernels.plan.Slice(Buf.GRADS, 0, 4), 0f));
        String log = """
                {"train": {"TOTAL_KERNEL_TIME": "900", "train.train.0.fill": {"DEVICE": "cpu", "TASK_KERNEL_TIME": "500"},
                 "train.train.readback": {"TASK_KERNEL_TIME": "300"}, "train.eval.0.fill": {"TASK_KERNEL_TIME": "100"}},
                 "train.train.0.fill": {"TASK_KERNEL_TIME": "700"}}
                """;
        OpProfile profile = new OpProfile();
        TornadoProfileLog.add(profile, "train", ops, log);
        assertEquals(List.of(new OpProfile.Entry("fill", 1, 700, 0), new OpProfile.Entry("readback", 1, 300, 0)), profile.entries());
    }

    /** pushState() after host-side edits of the state (a checkpoint load) continues from the new state. */
    @Test
    void pushStateUploadsHostState() {
        MlpVaePlans vae = small();
        StepPlan train = vae.train(), eval = vae.eval();
        Workspace devWs = vae.workspace(), refWs = vae.workspace();
        vae.init(devWs, 5);
        vae.init(refWs, 5);
        try (HostBackend ref = HostBackend.reference(); TornadoBackend dev = new TornadoBackend(null)) {
            ref.prepare(refWs, List.of(train, eval));
            dev.prepare(devWs, List.of(train, eval));
            Random rDev = new Random(9), rRef = new Random(9);
            for (int t = 1; t <= 2; t++) {
                vae.nextStep(devWs, rDev, t);
                vae.nextStep(refWs, rRef, t);
                ref.run(train);
                dev.run(train);
            }
            // "load a checkpoint": new parameters and moments on both hosts
            vae.init(refWs, 99);
            Arrays.fill(refWs.adamM(), 0.001f);
            Arrays.fill(refWs.adamV(), 0.002f);
            System.arraycopy(refWs.params(), 0, devWs.params(), 0, refWs.params().length);
            System.arraycopy(refWs.adamM(), 0, devWs.adamM(), 0, refWs.adamM().length);
            System.arraycopy(refWs.adamV(), 0, devWs.adamV(), 0, refWs.adamV().length);
            dev.pushState();
            for (int t = 3; t <= 4; t++) {
                vae.nextStep(devWs, rDev, t);
                vae.nextStep(refWs, rRef, t);
                ref.run(train);
                dev.run(train);
                assertClose("step " + t + " OUT", slice(refWs.out(), train), slice(devWs.out(), train), TOL);
            }
            dev.pullState();
            assertClose("PARAMS", refWs.params(), devWs.params(), TOL, 1e-2);
        }
    }

    @Test
    void listsDevicesAndChoosesOne() {
        List<String> devices = TornadoBackend.listDevices();
        assertFalse(devices.isEmpty());
        for (String line : devices) assertTrue(line.matches("\\d+:\\d+ .+ / .+ / .+"), line);
        String first = devices.getFirst().split(" ")[0];
        MlpVaePlans vae = small();
        try (TornadoBackend dev = new TornadoBackend(first)) {
            assertTrue(dev.name().startsWith("tornado[" + first), dev.name());
            assertTrue(dev.sgemmVariant() == TornadoBackend.CPU_FAMILY || dev.sgemmVariant() == GemmFamilies.DEFAULT_NON_CPU,
                    "kernels chosen by device type: " + dev);
            dev.prepare(vae.workspace(), List.of(vae.eval()));
            dev.run(vae.eval());
        }
        assertThrows(IllegalArgumentException.class, () -> new TornadoBackend("9:9"));
        assertThrows(IllegalArgumentException.class, () -> new TornadoBackend("gpu"));
    }
}
