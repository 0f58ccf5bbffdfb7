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
import tornadovae.kernels.plan.ConvGeometry;
import tornadovae.kernels.plan.Epilogue;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.Slice;
import tornadovae.kernels.plan.StepPlan;
import tornadovae.kernels.plan.StepStats;
import tornadovae.kernels.plan.Workspace;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.TornadoRuntime;
import uk.ac.manchester.tornado.api.WorkerGrid2D;
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
 * (EVERY_EXECUTION, and only those the graph reads) and the plan's read-back slice of OUT comes back
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

    /** System property choosing the SGEMM kernel: 1 = simple @Parallel, 2 = tiled local memory, 3 = row blocks. */
    public static final String SGEMM_VARIANT_PROPERTY = "tornadovae.tornado.sgemm";
    /** System property: "true" turns TornadoVM's profiler on (compile times in {@link #timings()}). */
    public static final String PROFILE_PROPERTY = "tornadovae.tornado.profile";

    private static final String UPLOAD_GRAPH = "upload";

    /** Per-plan numbers: tasks, graphs, first run (compiles) and the latest run, in ms. */
    public record PlanTiming(String plan, int tasks, int graphs, double firstRunMs, double compileMs,
                             double lastRunMs, long runs) {}

    private final String deviceSpec;
    private final TornadoDevice device;
    private final int sgemmVariant;
    private final boolean profile;
    private final int maxTasksPerGraph;

    private Workspace ws;
    private float[] scratch;
    private TornadoExecutionPlan executionPlan;
    private TornadoExecutionResult last;
    private final Map<String, int[]> graphsOfPlan = new LinkedHashMap<>();
    private final Map<String, Integer> tasksOfPlan = new LinkedHashMap<>();
    private final Map<String, Long> bytesInOfPlan = new LinkedHashMap<>();
    private final Map<String, float[]> readBackOfPlan = new LinkedHashMap<>(); // the small array each plan's last graph fills
    private final Map<String, double[]> timing = new LinkedHashMap<>(); // first, compile, last, runs

    /**
     * @param device null for TornadoVM's default device, else "backendIndex:deviceIndex" as {@link #listDevices()} numbers them.
     *               The SGEMM variant is the system property {@value #SGEMM_VARIANT_PROPERTY} if set, else 3 on a CPU device, 2 elsewhere.
     */
    public TornadoBackend(String device) {
        this(device, Integer.getInteger(SGEMM_VARIANT_PROPERTY, 0), Boolean.getBoolean(PROFILE_PROPERTY), 0);
    }

    /**
     * @param sgemmVariant 1 = simple @Parallel, 2 = tiled in local memory (GPUs), 3 = row blocks in registers (CPU OpenCL);
     *                     0 = 3 on a CPU device, 2 elsewhere
     * @param profile turn TornadoVM's profiler on (kernel compile times in {@link #timings()}; costs a little per step)
     * @param maxTasksPerGraph split plans into graphs of at most this many tasks; 0 = as many as the bytecode buffer holds
     */
    public TornadoBackend(String device, int sgemmVariant, boolean profile, int maxTasksPerGraph) {
        if (sgemmVariant < 0 || sgemmVariant > 3)
            throw new IllegalArgumentException("SGEMM variant " + sgemmVariant
                    + " does not exist (1 = simple, 2 = tiled, 3 = row blocks, 0 = chosen by device type)");
        this.deviceSpec = device;
        this.device = device == null ? null : resolveDevice(device);
        this.sgemmVariant = sgemmVariant != 0 ? sgemmVariant
                : targetDevice().getDeviceType() == TornadoDeviceType.CPU ? 3 : 2;
        this.profile = profile;
        this.maxTasksPerGraph = maxTasksPerGraph <= 0 ? Integer.MAX_VALUE : maxTasksPerGraph;
    }

    private TornadoDevice targetDevice() {
        return device != null ? device : TornadoRuntimeProvider.getTornadoRuntime().getDefaultDevice();
    }

    /** The SGEMM kernel this backend uses (1, 2 or 3). */
    public int sgemmVariant() {
        return sgemmVariant;
    }

    /** One line per TornadoVM device: "0:0 OpenCL / Portable Computing Language / cpu-haswell-... (CPU)". */
    public static List<String> listDevices() {
        TornadoRuntime rt = TornadoRuntimeProvider.getTornadoRuntime();
        List<String> lines = new ArrayList<>();
        for (int b = 0; b < rt.getNumBackends(); b++) {
            uk.ac.manchester.tornado.api.TornadoBackend backend = rt.getBackend(b);
            for (int d = 0; d < backend.getNumDevices(); d++) {
                TornadoDevice dev = backend.getDevice(d);
                lines.add(b + ":" + d + " " + backend.getName() + " / " + dev.getPlatformName().trim() + " / "
                        + deviceName(dev) + " (" + dev.getDeviceType() + ")");
            }
        }
        return lines;
    }

    /** The hardware's name ("pthread-skylake-avx512-AMD EPYC"), not TornadoVM's ("opencl-0-0"). */
    private static String deviceName(TornadoDevice dev) {
        try {
            return dev.getPhysicalDevice().getDeviceName().trim();
        } catch (RuntimeException e) {
            return dev.getDeviceName().trim();
        }
    }

    private static TornadoDevice resolveDevice(String spec) {
        String[] parts = spec.trim().split(":");
        int b, d;
        try {
            if (parts.length != 2) throw new NumberFormatException();
            b = Integer.parseInt(parts[0]);
            d = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("device '" + spec + "' is not of the form backendIndex:deviceIndex (e.g. 0:0)");
        }
        TornadoRuntime rt = TornadoRuntimeProvider.getTornadoRuntime();
        if (b < 0 || b >= rt.getNumBackends() || d < 0 || d >= rt.getBackend(b).getNumDevices())
            throw new IllegalArgumentException("no TornadoVM device " + spec + "; the devices are: " + listDevices());
        return rt.getBackend(b).getDevice(d);
    }

    @Override
    public String name() {
        return "tornado[" + (deviceSpec == null ? "default" : deviceSpec) + ": " + deviceName(targetDevice()) + "]";
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
        Object[] resident = resident();

        List<ImmutableTaskGraph> graphs = new ArrayList<>();
        GridScheduler grids = new GridScheduler();
        TaskGraph upload = new TaskGraph(UPLOAD_GRAPH)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, resident)
                .task("touch", TornadoKernels::touch, ws.params(), ws.grads(), ws.adamM(), ws.adamV(),
                        ws.array(Buf.ACTS), ws.out(), scratch)
                .persistOnDevice(resident);
        graphs.add(upload.snapshot());

        Set<String> graphNames = new HashSet<>(List.of(UPLOAD_GRAPH));
        int budget = taskBytesBudget() - READBACK_TASK_BYTES;   // every plan's last graph also gets the read-back task
        for (StepPlan plan : plans) {
            List<List<Integer>> parts = split(plan, budget, maxTasksPerGraph);
            int[] indices = new int[parts.size()];
            String base = graphName(plan.name());
            int tasks = 0;
            long bytesIn = 0;
            for (int part = 0; part < parts.size(); part++) {
                String gname = parts.size() == 1 ? base : base + "_" + part;
                while (!graphNames.add(gname)) gname = gname + "_";
                TaskGraph tg = new TaskGraph(gname).consumeFromDevice(resident);
                Object[] streams = streamsOf(plan, parts.get(part));
                if (streams.length > 0) tg.transferToDevice(DataTransferMode.EVERY_EXECUTION, streams);
                for (Object a : streams) bytesIn += 4L * ((float[]) a).length;
                for (int opIndex : parts.get(part))
                    tasks += addTasks(tg, gname, plan.name() + "." + opIndex + ".", plan.ops().get(opIndex), grids);
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
        if (profile) executionPlan.withProfiler(ProfilerMode.SILENT);
        last = executionPlan.withGraph(0).execute();
    }

    private Object[] resident() {
        return new Object[] {ws.params(), ws.grads(), ws.adamM(), ws.adamV(), ws.array(Buf.ACTS), ws.out(), scratch};
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
     * Per run of the plan: one launch per task; in, the whole INPUT, NOISE and SCALARS arrays each
     * graph of the plan streams (TornadoVM copies whole arrays, sized for the largest batch); out,
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
            }
        }
    }

    // ---------------------------------------------------------------- building graphs

    private static String graphName(String plan) {
        String s = plan.replaceAll("[^A-Za-z0-9_]", "_");
        return s.isEmpty() || !Character.isLetter(s.charAt(0)) ? "p" + s : s;
    }

    private float[] arr(Slice s) {
        return ws.array(s.buf());
    }

    /** INPUT, NOISE and SCALARS that these ops read (streamed in every execution). */
    private Object[] streamsOf(StepPlan plan, List<Integer> ops) {
        Set<Buf> used = java.util.EnumSet.noneOf(Buf.class);
        for (int i : ops) {
            Op op = plan.ops().get(i);
            if (op instanceof Op.KlBackward || op instanceof Op.KlBackwardFreeBits || op instanceof Op.Adam) used.add(Buf.SCALARS);
            for (Slice s : Op.slices(op)) used.add(s.buf());
        }
        List<Object> streams = new ArrayList<>();
        for (Buf b : List.of(Buf.INPUT, Buf.NOISE, Buf.SCALARS)) if (used.contains(b)) streams.add(ws.array(b));
        return streams.toArray();
    }

    /** Bytecode of the read-back task plus its on-demand transfer (see {@link #taskBytes}), rounded up. */
    private static final int READBACK_TASK_BYTES = 128;

    /**
     * Bytes of TornadoVM bytecode a graph may spend on its tasks: the buffer size, less room for
     * the graph's allocations, transfers and persists. A task costs 33 bytes to launch, 5 per
     * argument and 5 per dependency edge.
     */
    private static int taskBytesBudget() {
        int size = 4096;
        try {
            size = Integer.parseInt(System.getProperty("tornado.tvm.maxbytecodesize", "4096").trim());
        } catch (NumberFormatException ignored) {
            // TornadoVM's own default then
        }
        return size - 1024;
    }

    private static int taskBytes(Op op) {
        int args = switch (op) {
            case Op.Sgemm o -> 15;
            case Op.Adam o -> 14;
            case Op.GlobalNorm o -> 11;
            case Op.Conv2d o -> 15;
            case Op.ConvTranspose2d o -> 15;
            case Op.Conv2dInputGrad o -> 15;
            case Op.ConvTranspose2dInputGrad o -> 15;
            case Op.Conv2dWeightGrad o -> 12;
            case Op.ConvTranspose2dWeightGrad o -> 12;
            default -> 10;
        };
        int tasks = tasksOf(op);
        return tasks * 33 + args * 5 + tasks * 20 + (tasks == 3 ? 11 * 5 : 0);   // a fused norm's arguments too
    }

    /** Tasks an op adds (see addTasks). */
    private static int tasksOf(Op op) {
        if (op instanceof Op.GlobalNorm) return 2;
        if (op instanceof Op.Adam a && a.normOut() != null) return 3;
        return 1;
    }

    private static List<List<Integer>> split(StepPlan plan, int budget, int maxTasks) {
        List<List<Integer>> parts = new ArrayList<>();
        List<Integer> cur = new ArrayList<>();
        int used = 0, tasks = 0;
        for (int i = 0; i < plan.ops().size(); i++) {
            Op op = plan.ops().get(i);
            int cost = taskBytes(op);
            int n = tasksOf(op);
            if (!cur.isEmpty() && (used + cost > budget || tasks + n > maxTasks)) {
                parts.add(cur);
                cur = new ArrayList<>();
                used = 0;
                tasks = 0;
            }
            cur.add(i);
            used += cost;
            tasks += n;
        }
        if (!cur.isEmpty() || parts.isEmpty()) parts.add(cur);
        return parts;
    }

    private static String opName(Op op) {
        String s = op.getClass().getSimpleName();
        return Character.toLowerCase(s.charAt(0)) + s.substring(1);
    }

    /** Adds the task(s) of one op; returns how many. Arguments in the kernels' order: inputs first, the written array last. */
    private int addTasks(TaskGraph tg, String graph, String prefix, Op op, GridScheduler grids) {
        String id = prefix + opName(op);
        switch (op) {
            case Op.Fill o -> tg.task(id, TornadoKernels::fill, arr(o.dst()), o.dst().offset(), o.dst().length(), o.value());
            case Op.Sgemm o -> addSgemm(tg, graph, id, o, grids);
            case Op.BiasAdd o -> tg.task(id, TornadoKernels::biasAdd, arr(o.bias()), o.bias().offset(), arr(o.out()),
                    o.out().offset(), o.cols(), o.rows() * o.cols());
            case Op.BiasGrad o -> tg.task(id, TornadoKernels::biasGrad, arr(o.dout()), o.dout().offset(), arr(o.dbias()),
                    o.dbias().offset(), o.rows(), o.cols());
            case Op.ActForward o -> tg.task(id, TornadoKernels::actForward, arr(o.in()), o.in().offset(), arr(o.out()),
                    o.out().offset(), o.n(), TornadoKernels.actCode(o.kind()), o.slope());
            case Op.ActBackward o -> tg.task(id, TornadoKernels::actBackward, arr(o.out()), o.out().offset(),
                    arr(o.dout()), o.dout().offset(), arr(o.dinp()), o.dinp().offset(), o.n(),
                    TornadoKernels.actCode(o.kind()), o.slope());
            case Op.Reparam o -> tg.task(id, TornadoKernels::reparam, arr(o.muLogvar()), o.muLogvar().offset(),
                    arr(o.eps()), o.eps().offset(), arr(o.z()), o.z().offset(), o.latent(), o.batch() * o.latent());
            case Op.ReparamBackward o -> tg.task(id, TornadoKernels::reparamBackward, arr(o.dz()), o.dz().offset(),
                    arr(o.muLogvar()), o.muLogvar().offset(), arr(o.eps()), o.eps().offset(), arr(o.dMuLogvar()),
                    o.dMuLogvar().offset(), o.latent(), o.batch() * o.latent());
            case Op.KlForward o -> tg.task(id, TornadoKernels::klForward, arr(o.muLogvar()), o.muLogvar().offset(),
                    arr(o.klPerSample()), o.klPerSample().offset(), o.batch(), o.latent());
            case Op.KlBackward o -> tg.task(id, TornadoKernels::klBackward, arr(o.muLogvar()), o.muLogvar().offset(),
                    ws.scalars(), arr(o.dMuLogvar()), o.dMuLogvar().offset(), o.latent(), o.batch() * o.latent());
            case Op.KlBackwardFreeBits o -> tg.task(id, TornadoKernels::klBackwardFreeBits, arr(o.muLogvar()),
                    o.muLogvar().offset(), ws.scalars(), arr(o.dMuLogvar()), o.dMuLogvar().offset(), o.freeBits(),
                    o.batch(), o.latent());
            case Op.ReconLoss o -> tg.task(id, TornadoKernels::reconLoss, arr(o.logits()), o.logits().offset(),
                    arr(o.target()), o.target().offset(), arr(o.perSample()), o.perSample().offset(), o.wBce(), o.wMse(),
                    o.batch(), o.dim());
            case Op.ReconLossBackward o -> tg.task(id, TornadoKernels::reconLossBackward, arr(o.logits()),
                    o.logits().offset(), arr(o.target()), o.target().offset(), arr(o.dlogits()), o.dlogits().offset(),
                    o.wBce(), o.wMse(), o.batch() * o.dim());
            case Op.GlobalNorm o -> {
                tg.task(id + "Partial", TornadoKernels::sumSquaresPartial, arr(o.x()), o.x().offset(), o.x().length(),
                        scratch, 0, TornadoKernels.NORM_PARTS);
                tg.task(id, TornadoKernels::sqrtOfSum, scratch, 0, TornadoKernels.NORM_PARTS, arr(o.out()), o.out().offset());
                return 2;
            }
            case Op.ClipByNorm o -> tg.task(id, TornadoKernels::clipByNorm, arr(o.norm()), o.norm().offset(), arr(o.x()),
                    o.x().offset(), o.x().length(), o.maxNorm());
            case Op.Adam o when o.normOut() != null -> {
                // on a device the norm stays two tasks of its own (a reduction), then the update
                return addTasks(tg, graph, prefix, new Op.GlobalNorm(o.normOut(), o.grads()), grids)
                        + addTasks(tg, graph, prefix, new Op.Adam(o.params(), o.grads(), o.m(), o.v(), o.beta1(),
                        o.beta2(), o.eps(), o.weightDecay()), grids);
            }
            case Op.Adam o -> tg.task(id, TornadoKernels::adam, arr(o.grads()), o.grads().offset(), ws.scalars(),
                    arr(o.params()), o.params().offset(), arr(o.m()), o.m().offset(), arr(o.v()), o.v().offset(),
                    o.params().length(), o.beta1(), o.beta2(), o.eps(), o.weightDecay());
            case Op.Conv2d o -> tg.task(id, TornadoKernels::conv2d, arr(o.in()), o.in().offset(), arr(o.weight()),
                    o.weight().offset(), arr(o.bias()), o.bias().offset(), arr(o.out()), o.out().offset(),
                    o.g().outSize(), inDims(o.g()), outDims(o.g()), kps(o.g()),
                    TornadoKernels.actCode(o.epilogue().kind()), o.epilogue().slope());
            case Op.Conv2dInputGrad o -> tg.task(id, TornadoKernels::conv2dInputGrad, arr(o.dOut()), o.dOut().offset(),
                    arr(o.weight()), o.weight().offset(), arr(maskOf(o.epilogue(), o.dIn())),
                    maskOf(o.epilogue(), o.dIn()).offset(),
                    arr(o.dIn()), o.dIn().offset(), o.g().inSize(), inDims(o.g()), outDims(o.g()), kps(o.g()),
                    TornadoKernels.actCode(o.epilogue().kind()), o.epilogue().slope());
            case Op.Conv2dWeightGrad o -> tg.task(id, TornadoKernels::conv2dWeightGrad, arr(o.dOut()), o.dOut().offset(),
                    arr(o.in()), o.in().offset(), arr(o.dWeight()), o.dWeight().offset(), o.g().weightSize(), o.g().batch(),
                    inDims(o.g()), outDims(o.g()), kps(o.g()));
            case Op.ConvTranspose2d o -> tg.task(id, TornadoKernels::convTranspose2d, arr(o.in()), o.in().offset(),
                    arr(o.weight()), o.weight().offset(), arr(o.bias()), o.bias().offset(), arr(o.out()), o.out().offset(),
                    o.g().outSize(), inDims(o.g()), outDims(o.g()), kps(o.g()),
                    TornadoKernels.actCode(o.epilogue().kind()), o.epilogue().slope());
            case Op.ConvTranspose2dInputGrad o -> tg.task(id, TornadoKernels::convTranspose2dInputGrad, arr(o.dOut()),
                    o.dOut().offset(), arr(o.weight()), o.weight().offset(), arr(maskOf(o.epilogue(), o.dIn())),
                    maskOf(o.epilogue(), o.dIn()).offset(), arr(o.dIn()), o.dIn().offset(), o.g().inSize(),
                    inDims(o.g()), outDims(o.g()), kps(o.g()),
                    TornadoKernels.actCode(o.epilogue().kind()), o.epilogue().slope());
            case Op.ConvTranspose2dWeightGrad o -> tg.task(id, TornadoKernels::convTranspose2dWeightGrad, arr(o.dOut()),
                    o.dOut().offset(), arr(o.in()), o.in().offset(), arr(o.dWeight()), o.dWeight().offset(),
                    o.g().weightSize(), o.g().batch(), inDims(o.g()), outDims(o.g()), kps(o.g()));
            case Op.ChannelBiasGrad o -> tg.task(id, TornadoKernels::channelBiasGrad, arr(o.dout()), o.dout().offset(),
                    arr(o.dbias()), o.dbias().offset(), o.batch(), o.channels(), o.plane());
            case Op.Replicate o -> tg.task(id, TornadoKernels::replicate, arr(o.in()), o.in().offset(), arr(o.out()),
                    o.out().offset(), o.in().length(), o.out().length());
            case Op.SumCopies o -> tg.task(id, TornadoKernels::sumCopies, arr(o.in()), o.in().offset(), arr(o.out()),
                    o.out().offset(), o.out().length(), o.copies(), o.scale());
        }
        return 1;
    }

    /**
     * The array an input gradient's kernel reads f' from: the epilogue's activation output, or with no
     * epilogue the gradient itself (ACT_IDENTITY never uses the value: f' = 1).
     */
    private static Slice maskOf(Epilogue e, Slice dIn) { return e.isDerivative() ? e.actOut() : dIn; }

    private static int inDims(ConvGeometry g) {
        checkPacking(g);
        return TornadoKernels.packDims(g.inC(), g.inH(), g.inW());
    }

    private static int outDims(ConvGeometry g) { return TornadoKernels.packDims(g.outC(), g.outH(), g.outW()); }

    private static int kps(ConvGeometry g) { return TornadoKernels.packKernel(g.kernel(), g.stride(), g.pad()); }

    private static void checkPacking(ConvGeometry g) {
        if (!TornadoKernels.fitsPacking(Math.max(g.inC(), g.outC()), Math.max(g.inH(), g.outH()), Math.max(g.inW(), g.outW()),
                g.kernel(), g.stride(), g.pad()))
            throw new IllegalArgumentException("the TornadoVM backend supports convolutions of up to 2047 channels and "
                    + "1023×1023 pixels, got " + g);
    }

    private void addSgemm(TaskGraph tg, String graph, String id, Op.Sgemm o, GridScheduler grids) {
        int[] s = TornadoKernels.strides(o.m(), o.n(), o.k(), o.transA(), o.transB());
        int acc = o.accumulate() ? 1 : 0;
        if (sgemmVariant == 1) {
            tg.task(id, TornadoKernels::sgemmSimple, arr(o.a()), o.a().offset(), s[0], s[1], arr(o.b()), o.b().offset(),
                    s[2], s[3], arr(o.c()), o.c().offset(), o.m(), o.n(), o.k(), acc);
        } else if (sgemmVariant == 3) {
            tg.task(id, TornadoKernels::sgemmRows, arr(o.a()), o.a().offset(), s[0], s[1], arr(o.b()), o.b().offset(),
                    s[2], s[3], arr(o.c()), o.c().offset(), o.m(), o.n(), o.k(), acc,
                    (o.m() + TornadoKernels.RB - 1) / TornadoKernels.RB);
        } else {
            tg.task(id, TornadoKernels::sgemmTiled, new KernelContext(), arr(o.a()), o.a().offset(), s[0], s[1],
                    arr(o.b()), o.b().offset(), s[2], s[3], arr(o.c()), o.c().offset(), o.m(), o.n(), o.k(), acc);
            WorkerGrid2D grid = new WorkerGrid2D(TornadoKernels.roundUp(o.n()), TornadoKernels.roundUp(o.m()));
            grid.setLocalWork(TornadoKernels.TS, TornadoKernels.TS, 1);
            grids.addWorkerGrid(graph + "." + id, grid);
        }
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s, sgemm variant %d", name(), sgemmVariant);
    }
}
