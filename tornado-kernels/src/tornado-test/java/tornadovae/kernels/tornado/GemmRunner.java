package tornadovae.kernels.tornado;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;

import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;

/**
 * Runs GemmCalls through a {@link GemmFamily} in one task graph on one device, and checks each against
 * {@link GemmCall#reference()} on a copy of its C. The calls run in order and share one scratch array, as in the
 * backend.
 */
final class GemmRunner {
    private GemmRunner() {}

    /**
     * Runs the calls ({@code repeats} times; C is not re-initialised in between, so callers comparing results use 1),
     * {@value #CHUNK} to a task graph, and returns in ms the median wall time of each graph's executions after its
     * first (which compiles), summed over the graphs. Each call's C is left as the device computed it.
     */
    static double run(GemmFamily family, List<GemmCall> calls, TornadoDevice device, int repeats) {
        double ms = 0;
        for (int i = 0; i < calls.size(); i += CHUNK)
            ms += runGraph(family, calls.subList(i, Math.min(calls.size(), i + CHUNK)), device, repeats);
        return ms;
    }

    /** Calls per task graph: TornadoVM 5.2's graph builder cannot grow past a few hundred nodes ("resize not implemented"). */
    private static final int CHUNK = 8;

    private static double runGraph(GemmFamily family, List<GemmCall> calls, TornadoDevice device, int repeats) {
        long scratchLen = 1;
        for (GemmCall g : calls) scratchLen = Math.max(scratchLen, family.scratchFloats(g));
        float[] scratch = new float[Math.toIntExact(scratchLen)];
        Set<float[]> arrays = Collections.newSetFromMap(new IdentityHashMap<>());
        Set<float[]> outs = Collections.newSetFromMap(new IdentityHashMap<>());
        for (GemmCall g : calls) {
            arrays.add(g.a());
            arrays.add(g.b());
            arrays.add(g.c());
            if (g.bias() != null) arrays.add(g.bias());
            outs.add(g.c());
        }
        List<Object> in = new ArrayList<>(arrays);
        in.add(scratch);
        TaskGraph tg = new TaskGraph("gemms").transferToDevice(DataTransferMode.FIRST_EXECUTION, in.toArray());
        GridScheduler grids = new GridScheduler();
        TornadoTasks.Context context = new TornadoTasks.Context(tg, "gemms", null, scratch, TornadoBackend.GPU_FAMILY, grids,
                family, scratch, scratch);
        for (int i = 0; i < calls.size(); i++) family.add(context, "g" + i, calls.get(i), scratch);
        tg.transferToHost(DataTransferMode.EVERY_EXECUTION, outs.toArray());
        try (TornadoExecutionPlan plan = new TornadoExecutionPlan(tg.snapshot())) {
            if (device != null) plan.withDevice(device);
            plan.withGridScheduler(grids);
            double[] ms = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                long t0 = System.nanoTime();
                plan.execute();
                ms[r] = (System.nanoTime() - t0) / 1e6;
            }
            plan.freeDeviceMemory();
            // the first execution compiles: the median of the others, if any
            double[] timed = repeats > 1 ? java.util.Arrays.copyOfRange(ms, 1, repeats) : ms;
            java.util.Arrays.sort(timed);
            return timed[timed.length / 2];
        } catch (Exception e) {
            throw e instanceof RuntimeException re ? re : new IllegalStateException(e);
        }
    }

    /**
     * Runs the calls once on the device, and the reference on copies of their Cs; returns a description of the
     * first mismatch (|device − reference| > tol·max(1, |reference|)), or null if every element agrees.
     */
    static String check(GemmFamily family, List<GemmCall> calls, TornadoDevice device, double tol) {
        List<GemmCall> refs = new ArrayList<>();
        for (GemmCall g : calls) refs.add(withC(g, g.c().clone()));
        run(family, calls, device, 1);
        for (int i = 0; i < calls.size(); i++) {
            GemmCall ref = refs.get(i);
            ref.reference();
            float[] e = ref.c(), a = calls.get(i).c();
            for (int x = 0; x < e.length; x++)
                if (!(Math.abs(a[x] - e[x]) <= tol * Math.max(1, Math.abs(e[x]))))
                    return "call " + i + " " + describe(calls.get(i)) + ": c[" + x + "] expected " + e[x] + " but the device gave " + a[x];
        }
        return null;
    }

    static GemmCall withC(GemmCall g, float[] c) {
        return new GemmCall(g.a(), g.aOff(), g.sAb(), g.sAi(), g.sAp(), g.b(), g.bOff(), g.sBb(), g.sBp(), g.sBj(), c, g.cOff(),
                g.sCz(), g.ldc(), g.m(), g.n(), g.k(), g.outputs(), g.inner(), g.accumulate(), g.bias(), g.biasOff(),
                g.biasMode(), g.act(), g.slope(), g.nPer(), g.sBn(), g.sCn(), g.implicitB());
    }

    static String describe(GemmCall g) {
        return g.m() + "×" + g.n() + "×" + g.k() + (g.outputs() > 1 ? " outputs=" + g.outputs() : "")
                + (g.inner() > 1 ? " inner=" + g.inner() : "") + (g.grouped() ? " in groups of " + g.nPer() : "") + (g.implicitB() != null ? " B from X" : "") + (g.sAi() == 1 ? " Aᵀ" : "") + (g.sBj() != 1 ? " Bᵀ" : "");
    }
}
