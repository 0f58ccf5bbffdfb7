package tornadovae.kernels.tornado;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import tornadovae.kernels.plan.Backend;
import tornadovae.kernels.plan.Buf;
import tornadovae.kernels.plan.Fusion;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.OpProfile;
import tornadovae.kernels.plan.Slice;
import tornadovae.kernels.plan.StepPlan;
import tornadovae.kernels.plan.StepStats;
import tornadovae.kernels.plan.Workspace;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.common.TornadoDevice;
import uk.ac.manchester.tornado.api.enums.DataTransferMode;
import uk.ac.manchester.tornado.api.enums.ProfilerMode;
import uk.ac.manchester.tornado.api.enums.TornadoDeviceType;
import uk.ac.manchester.tornado.api.runtime.TornadoRuntimeProvider;

/**
 * Runs step plans as TornadoVM task graphs, with the model's state resident on the device.
 *
 * <p>All plans share one {@link TornadoExecutionPlan}. Graph 0 ("upload") copies the resident
 * arrays (PARAMS, GRADS, ADAM_M, ADAM_V, ACTS, OUT and a private scratch array) to the device and
 * persists them; every plan's graph consumes them from the device and persists them again, so
 * that all graphs work on ONE device copy (two graphs that each upload a FIRST_EXECUTION copy
 * would silently train two models). Per step only INPUT, NOISE and SCALARS go in
 * (EVERY_EXECUTION, only those the plan reads, each with the plan's first graph that reads it; later graphs
 * consume that copy) and the plan's read-back slice of OUT comes back
 * (a last task copies it into a small array, fetched on demand). A plan too big for
 * TornadoVM's bytecode buffer is split into a few chained graphs.
 *
 * <p>The upload graph transfers EVERY_EXECUTION rather than FIRST_EXECUTION because it runs only
 * twice in its life: in {@link #prepare} and in {@link #pushState()}. Hence: {@code prepare()}
 * takes the host state as it is then (initialise PARAMS first); later host edits of the state
 * need {@code pushState()}; INPUT, NOISE and SCALARS are read from the host at every
 * {@code run()} and never copied back, so no op may write them.
 *
 * <p>Task names are {@code <plan>.<index>.<op>}, e.g. {@code train.3.sgemm}. The first run of a
 * plan compiles its kernels (seconds on PoCL); the timings are kept, see {@link #timings()}.
 *
 * <p>Silent fallbacks are switched off: loading this class sets {@code tornado.recover.bailout=False}
 * (a kernel that does not compile throws instead of running as sequential Java) and
 * {@code tornado.tvm.maxbytecodesize=65536}, unless the JVM was started with other values, and
 * only if no TornadoVM runtime class was initialised before.
 */
public final class TornadoBackend implements Backend {

    static {
        defaultProperty("tornado.recover.bailout", "False");
        defaultProperty("tornado.tvm.maxbytecodesize", "65536");
    }

    private static void defaultProperty(String key, String value) {
        if (System.getProperty(key) == null) System.setProperty(key, value);
    }

    /**
     * System property choosing the kernels: 4 = the CPU-class GEMM family, 5 = the GPU-class family (every GEMM and
     * convolution through it); 1, 2, 3 = the legacy SGEMM variants (simple @Parallel, tiled local memory, row
     * blocks) with direct convolutions, kept as baselines.
     */
    public static final String SGEMM_VARIANT_PROPERTY = "tornadovae.tornado.sgemm";
    /** System property forcing a GEMM family onto any device: "cpu" or "gpu" (else chosen by the device's type). */
    public static final String FAMILY_PROPERTY = "tornadovae.tornado.family";
    /** The kernel choices {@link #sgemmVariant()} can take beyond the legacy 1-3. */
    public static final int CPU_FAMILY = 4, GPU_FAMILY = 5;
    /** System property: "true" turns TornadoVM's profiler on (compile times in {@link #timings()}). */
    public static final String PROFILE_PROPERTY = "tornadovae.tornado.profile";

    private static final String UPLOAD_GRAPH = "upload";

    /**
     * The fusion this backend opts into: activations into the convolutions (one launch fewer each). Not the
     * gradient norm into Adam: on a device the norm is a reduction of its own (two tasks) either way.
     */
    static final Set<Fusion.Rule> FUSION = java.util.EnumSet.of(Fusion.Rule.ACTIVATION_EPILOGUES);

    /** Per-plan numbers: tasks, graphs, first run (compiles) and the latest run, in ms. */
    public record PlanTiming(String plan, int tasks, int graphs, double firstRunMs, double compileMs,
                             double lastRunMs, long runs) {}

    private final String deviceSpec;
    private final TornadoDevice device;
    private final int sgemmVariant;
    private final TornadoTasks.Choice kernels;
    private final boolean profile;
    private final int maxTasksPerGraph;

    private Workspace ws;
    private float[] scratch;
    private float[] gemmScratch; // split-K parts of the GEMM family
    private float[] colScratch;  // im2col of the device convolutions
    private TornadoExecutionPlan executionPlan;
    private TornadoExecutionResult last;
    private final Map<String, int[]> graphsOfPlan = new LinkedHashMap<>();
    private final Map<String, Integer> tasksOfPlan = new LinkedHashMap<>();
    private final Map<String, Long> bytesInOfPlan = new LinkedHashMap<>();
    private final Map<String, float[]> readBackOfPlan = new LinkedHashMap<>(); // the small array each plan's last graph fills
    private final Map<String, double[]> timing = new LinkedHashMap<>(); // first, compile, last, runs
    private final Map<String, List<Op>> opsOfPlan = new LinkedHashMap<>(); // after fusion: the task names index them
    private OpProfile opProfile; // null unless ops are being timed

    /**
     * @param device null for TornadoVM's default device, else "backendIndex:deviceIndex" as {@link #listDevices()} numbers them.
     *               The SGEMM variant is the system property {@value #SGEMM_VARIANT_PROPERTY} if set, else 3 on a CPU device, 2 elsewhere.
     */
    public TornadoBackend(String device) {
        this(device, Integer.getInteger(SGEMM_VARIANT_PROPERTY, 0), Boolean.getBoolean(PROFILE_PROPERTY), 0);
    }

    /**
     * @param sgemmVariant 4 = CPU-class GEMM family, 5 = GPU-class; legacy SGEMMs with direct convolutions: 1 = simple
     *                     @Parallel, 2 = tiled in local memory, 3 = row blocks; 0 = {@value #FAMILY_PROPERTY} if set, else
     *                     by device type (4 on a CPU device)
     * @param profile turn TornadoVM's profiler on (kernel compile times in {@link #timings()}; costs a little per step)
     * @param maxTasksPerGraph split plans into graphs of at most this many tasks; 0 = as many as the bytecode buffer holds
     */
    public TornadoBackend(String device, int sgemmVariant, boolean profile, int maxTasksPerGraph) {
        if (sgemmVariant < 0 || sgemmVariant > 5)
            throw new IllegalArgumentException("kernel choice " + sgemmVariant + " does not exist (4 = CPU GEMM family, "
                    + "5 = GPU family, 1-3 = legacy SGEMM variants, 0 = chosen by device type)");
        this.deviceSpec = device;
        this.device = device == null ? null : TornadoDevices.resolve(device);
        this.sgemmVariant = sgemmVariant != 0 ? sgemmVariant : chooseFamily(targetDevice());
        this.kernels = new TornadoTasks.Choice(GemmFamilies.of(this.sgemmVariant));
        this.profile = profile;
        this.maxTasksPerGraph = maxTasksPerGraph <= 0 ? Integer.MAX_VALUE : maxTasksPerGraph;
    }

    private TornadoDevice targetDevice() {
        return device != null ? device : TornadoRuntimeProvider.getTornadoRuntime().getDefaultDevice();
    }

    /** The kernel choice: {@value #CPU_FAMILY} or {@value #GPU_FAMILY}, or a legacy SGEMM variant (1, 2 or 3). */
    public int sgemmVariant() {
        return sgemmVariant;
    }

    /** "cpu" or "gpu": the GEMM family of this backend's kernels, or "legacy N". */
    public String family() {
        return kernels.gemm() != null ? kernels.gemm().name() : "legacy " + sgemmVariant;
    }

    /** {@value #FAMILY_PROPERTY} if set, else the family for the device's type: CPU-class kernels on a CPU. */
    private static int chooseFamily(TornadoDevice device) {
        String forced = System.getProperty(FAMILY_PROPERTY, "").trim();
        if (forced.equals("cpu")) return CPU_FAMILY;
        if (forced.equals("gpu")) return GPU_FAMILY;
        if (!forced.isEmpty())
            throw new IllegalArgumentException(FAMILY_PROPERTY + " is '" + forced + "'; expected cpu or gpu");
        return device.getDeviceType() == TornadoDeviceType.CPU ? CPU_FAMILY : GemmFamilies.DEFAULT_NON_CPU;
    }

    /** One line per TornadoVM device: "0:0 OpenCL / Portable Computing Language / cpu-haswell-... (CPU)". */
    public static List<String> listDevices() { return TornadoDevices.list(); }

    @Override
    public String name() {
        return "tornado[" + (deviceSpec == null ? "default" : deviceSpec) + ": " + TornadoDevices.name(targetDevice()) + "]";
    }

    @Override
    public void prepare(Workspace ws, List<StepPlan> plans) {
        close();
        Set<String> names = new HashSet<>();
        for (StepPlan p : plans) {
            ws.checkFits(p);
            if (!names.add(p.name())) throw new IllegalArgumentException("two plans are named " + p.name());
        }
        this.ws = ws;
        this.scratch = new float[TornadoKernels.NORM_PARTS];
        allocateScratch(plans);
        Object[] resident = resident();

        List<ImmutableTaskGraph> graphs = new ArrayList<>();
        GridScheduler grids = new GridScheduler();
        TaskGraph upload = new TaskGraph(UPLOAD_GRAPH)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, resident)
                .task("touch", TornadoKernels::touch, ws.params(), ws.grads(), ws.adamM(), ws.adamV(),
                        ws.array(Buf.ACTS), ws.out(), gemmScratch, colScratch, scratch)
                .persistOnDevice(resident);
        graphs.add(upload.snapshot());

        Set<String> graphNames = new HashSet<>(List.of(UPLOAD_GRAPH));
        int budget = GraphLayout.taskBytesBudget() - GraphLayout.READBACK_TASK_BYTES;   // every plan's last graph also gets the read-back task
        for (StepPlan plan : plans) {
            List<Op> ops = Fusion.fuse(plan.ops(), FUSION);
            opsOfPlan.put(plan.name(), ops);
            List<List<Integer>> parts = GraphLayout.split(kernels, ops, budget, maxTasksPerGraph);
            int[] indices = new int[parts.size()];
            String base = GraphLayout.graphName(plan.name());
            int tasks = 0;
            long bytesIn = 0;
            Object[][] streamsOfPart = new Object[parts.size()][];
            for (int part = 0; part < parts.size(); part++) streamsOfPart[part] = GraphLayout.streamsOf(ws, ops, parts.get(part));
            for (int part = 0; part < parts.size(); part++) {
                String gname = parts.size() == 1 ? base : base + "_" + part;
                while (!graphNames.add(gname)) gname = gname + "_";
                TaskGraph tg = new TaskGraph(gname).consumeFromDevice(resident);
                // A stream goes in with the plan's first graph that reads it; later graphs use that copy, and every graph
                // up to its last reader carries it (TornadoVM hands a consumed buffer over from the graph run just before).
                // rgb128-conv reads the images in its first graph and again, as the loss's targets, in a later one.
                Object[] fresh = GraphLayout.firstReadIn(streamsOfPart, part), carried = GraphLayout.carriedInto(streamsOfPart, part);
                if (carried.length > 0) tg.consumeFromDevice(carried);
                if (fresh.length > 0) tg.transferToDevice(DataTransferMode.EVERY_EXECUTION, fresh);
                for (Object a : fresh) bytesIn += 4L * ((float[]) a).length;
                TornadoTasks.Context context = new TornadoTasks.Context(tg, gname, ws, scratch, sgemmVariant, grids,
                        kernels.gemm(), gemmScratch, colScratch);
                List<Integer> members = parts.get(part);
                for (int at = 0; at < members.size(); at++) {
                    int opIndex = members.get(at);
                    String prefix = plan.name() + "." + opIndex + ".";
                    Op next = at + 1 < members.size() ? ops.get(members.get(at + 1)) : null;
                    if (TornadoTasks.biasFollows(kernels, ops.get(opIndex), next)) {
                        tasks += TornadoTasks.addWithBias(context, prefix, (Op.Sgemm) ops.get(opIndex), (Op.BiasAdd) next);
                        at++;
                    } else {
                        tasks += TornadoTasks.add(context, prefix, ops.get(opIndex));
                    }
                }
                if (part == parts.size() - 1) {
                    // Only the slice the host reads comes back: a copy into a small array, fetched on demand.
                    Slice rb = plan.readBack();
                    float[] small = new float[Math.max(1, rb.length())];
                    tg.task(plan.name() + ".readback", TornadoKernels::copySlice, ws.out(), rb.offset(), small, rb.length());
                    tg.transferToHost(DataTransferMode.UNDER_DEMAND, small);
                    readBackOfPlan.put(plan.name(), small);
                    tasks++;
                }
                tg.persistOnDevice(resident);
                Object[] handedOn = GraphLayout.carriedInto(streamsOfPart, part + 1);
                if (handedOn.length > 0) tg.persistOnDevice(handedOn);
                indices[part] = graphs.size();
                graphs.add(tg.snapshot());
            }
            graphsOfPlan.put(plan.name(), indices);
            tasksOfPlan.put(plan.name(), tasks);
            bytesInOfPlan.put(plan.name(), bytesIn);
        }

        executionPlan = new TornadoExecutionPlan(graphs.toArray(new ImmutableTaskGraph[0]));
        if (device != null) executionPlan.withDevice(device);
        if (!grids.keySet().isEmpty()) executionPlan.withGridScheduler(grids);
        if (profile || opProfile != null) executionPlan.withProfiler(ProfilerMode.SILENT);
        last = executionPlan.withGraph(0).execute();
    }

    private Object[] resident() {
        return new Object[] {ws.params(), ws.grads(), ws.adamM(), ws.adamV(), ws.array(Buf.ACTS), ws.out(), scratch,
                gemmScratch, colScratch};
    }

    /** The GEMM family's scratch arrays, sized for the largest need of any op of any plan (device memory only). */
    private void allocateScratch(List<StepPlan> plans) {
        long gemm = 1, col = 1;
        for (StepPlan p : plans)
            for (Op op : Fusion.fuse(p.ops(), FUSION)) {
                gemm = Math.max(gemm, kernels.gemmScratchFloats(op));
                col = Math.max(col, kernels.colScratchFloats(op));
            }
        if (gemm > Integer.MAX_VALUE - 8 || col > Integer.MAX_VALUE - 8)
            throw new IllegalArgumentException("the TornadoVM kernels would need " + Math.max(gemm, col) + " floats of scratch");
        gemmScratch = new float[(int) gemm];
        colScratch = new float[(int) col];
    }

    @Override
    public void run(StepPlan plan) {
        int[] indices = graphsOfPlan.get(plan.name());
        if (indices == null) throw new IllegalStateException("plan " + plan.name() + " was not prepared");
        long t0 = System.nanoTime();
        long compile = 0;
        for (int g : indices) {
            last = executionPlan.withGraph(g).execute();
            if (profile) compile += last.getProfilerResult().getCompileTime();
            if (opProfile != null) {
                TornadoProfileLog.add(opProfile, plan.name(), opsOfPlan.get(plan.name()), last.getProfilerResult().getProfileLog());
                executionPlan.clearProfiles(); // else the next graph's log holds this one's times again
            }
        }
        float[] small = readBackOfPlan.get(plan.name());
        last.transferToHost(small);
        System.arraycopy(small, 0, ws.out(), plan.readBack().offset(), plan.readBack().length());
        double ms = (System.nanoTime() - t0) / 1e6;
        double compileMs = compile / 1e6;
        double[] t = timing.computeIfAbsent(plan.name(), k -> new double[] {ms, compileMs, 0, 0});
        t[2] = ms;
        t[3]++;
    }

    /** Times each task on the device (TornadoVM's profiler, silent): kernel time only, not copies or dispatch. */
    @Override
    public boolean profile(OpProfile profile) {
        this.opProfile = profile;
        if (executionPlan != null && profile != null) executionPlan.withProfiler(ProfilerMode.SILENT);
        else if (executionPlan != null && !this.profile) executionPlan.withoutProfiler();
        return true;
    }

    @Override
    public void pullState() {
        if (last != null) last.transferToHost(ws.params(), ws.adamM(), ws.adamV());
    }

    /** Re-runs the upload graph; the device-only arrays are read back first so that only PARAMS and the moments change. */
    @Override
    public void pushState() {
        if (executionPlan == null) throw new IllegalStateException("prepare() first");
        last.transferToHost(ws.grads(), ws.array(Buf.ACTS), ws.out(), scratch);
        last = executionPlan.withGraph(0).execute();
    }

    /**
     * Makes the host copies of these buffers current: any of PARAMS, GRADS, ADAM_M, ADAM_V, ACTS
     * and OUT (the others only ever travel host to device).
     */
    public void pull(Buf... bufs) {
        if (last == null) throw new IllegalStateException("prepare() first");
        List<Object> arrays = new ArrayList<>();
        for (Buf b : bufs) {
            if (b == Buf.INPUT || b == Buf.NOISE || b == Buf.SCALARS)
                throw new IllegalArgumentException(b + " is never copied back: the host copy is the only one");
            arrays.add(ws.array(b));
        }
        last.transferToHost(arrays.toArray());
    }

    /** Timings of the plans run so far, in the order they were prepared. */
    public List<PlanTiming> timings() {
        List<PlanTiming> list = new ArrayList<>();
        for (var e : timing.entrySet()) {
            double[] t = e.getValue();
            list.add(new PlanTiming(e.getKey(), tasksOfPlan.get(e.getKey()), graphsOfPlan.get(e.getKey()).length,
                    t[0], t[1], t[2], (long) t[3]));
        }
        return list;
    }

    /**
     * Per run of the plan: one launch per task; in, the whole INPUT, NOISE and SCALARS arrays the
     * plan reads, once each (TornadoVM copies whole arrays, sized for the largest batch); out,
     * the plan's read-back slice of OUT (for a training step, the per-sample losses and the gradient norm).
     */
    @Override
    public StepStats stats(StepPlan plan) {
        Integer tasks = tasksOfPlan.get(plan.name());
        if (tasks == null) throw new IllegalStateException("plan " + plan.name() + " was not prepared");
        return new StepStats(tasks, bytesInOfPlan.get(plan.name()), 4L * plan.readBack().length());
    }

    /** How many task graphs a plan became (more than one when it was split to fit the bytecode buffer). */
    public int graphCount(String plan) {
        return graphsOfPlan.get(plan).length;
    }

    @Override
    public void close() {
        if (executionPlan != null) {
            try {
                executionPlan.freeDeviceMemory();
                executionPlan.close();
            } catch (Exception e) {
                throw new IllegalStateException("closing the TornadoVM execution plan failed", e);
            } finally {
                executionPlan = null;
                last = null;
                graphsOfPlan.clear();
                tasksOfPlan.clear();
                bytesInOfPlan.clear();
                readBackOfPlan.clear();
                timing.clear();
                opsOfPlan.clear();
            }
        }
    }

    // ---------------------------------------------------------------- building graphs

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s, %s kernels", name(), family());
    }
}
