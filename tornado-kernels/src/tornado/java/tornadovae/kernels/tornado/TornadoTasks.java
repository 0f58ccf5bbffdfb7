package tornadovae.kernels.tornado;

import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.ToIntFunction;

import tornadovae.kernels.plan.ConvGeometry;
import tornadovae.kernels.plan.Epilogue;
import tornadovae.kernels.plan.Op;
import tornadovae.kernels.plan.Slice;
import tornadovae.kernels.plan.Workspace;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.WorkerGrid2D;

/**
 * The TornadoVM backend's kernel registry: for each op type, the task(s) that run it, how many, and how
 * many arguments they take (TornadoVM's bytecode buffer is sized by them). Arguments go in the kernels'
 * order: inputs first, the written array last (see {@link TornadoKernels}). {@code KernelRegistryTest}
 * fails, naming the op, when an op type has no entry.
 */
final class TornadoTasks {
    private TornadoTasks() {}

    /**
     * Where a task goes and what it may use: the graph, the workspace's arrays, the norm's scratch, the grids, and
     * the kernels: a GEMM family (null: the legacy SGEMM variant and direct convolutions) with its scratch arrays.
     */
    record Context(TaskGraph tg, String graph, Workspace ws, float[] scratch, int sgemmVariant, GridScheduler grids,
                   GemmFamily gemm, float[] gemmScratch, float[] colScratch) {
        float[] arr(Slice s) { return ws.array(s.buf()); }
    }

    /** The kernels chosen for a backend: a GEMM family, or (null) the legacy SGEMM variant with direct convolutions. */
    record Choice(GemmFamily gemm) {
        private static final float[] ANY = new float[1];

        /** Floats of GEMM scratch (split-K parts) the op needs. */
        long gemmScratchFloats(Op op) {
            if (gemm == null) return 0;
            if (op instanceof Op.Sgemm o) return gemm.scratchFloats(plain(o, ANY));
            return DeviceConv.gemmScratchFloats(gemm, op, ANY);
        }

        /** Floats of im2col scratch the op needs (the reconstruction loss's elements and the bias gradients' parts use it too). */
        long colScratchFloats(Op op) {
            if (op instanceof Op.ReconLoss o) return (long) o.batch() * o.dim();
            if (op instanceof Op.ChannelBiasGrad o) return (long) o.batch() * o.channels();
            if (gemm == null) return 0;
            return DeviceConv.colFloats(gemm, op);
        }
    }

    private static GemmCall plain(Op.Sgemm o, float[] any) {
        return GemmCall.plain(any, 0, any, 0, any, 0, o.m(), o.n(), o.k(), o.transA(), o.transB(), o.accumulate());
    }

    /** An op type's task count for a choice of kernels. */
    @FunctionalInterface
    interface Count<O extends Op> {
        int of(Choice k, O op);
    }

    @FunctionalInterface
    interface Builder<O extends Op> {
        void add(Context c, String id, O op);
    }

    /** One op type's tasks: their count, their arguments (all tasks together) and how to add them. */
    private record Entry<O extends Op>(Count<O> tasks, ToIntFunction<O> args, Builder<O> builder) {}

    private static final Map<Class<?>, Entry<?>> REGISTRY = new HashMap<>();

    private static <O extends Op> void register(Class<O> type, int args, Builder<O> builder) {
        REGISTRY.put(type, new Entry<>((k, o) -> 1, o -> args, builder));
    }

    private static <O extends Op> void register(Class<O> type, Count<O> tasks, ToIntFunction<O> args, Builder<O> builder) {
        REGISTRY.put(type, new Entry<>(tasks, args, builder));
    }

    /** The op types with registered tasks. */
    static Set<Class<?>> registered() { return Collections.unmodifiableSet(REGISTRY.keySet()); }

    @SuppressWarnings("unchecked")
    private static <O extends Op> Entry<O> entry(O op) {
        Entry<O> e = (Entry<O>) REGISTRY.get(op.getClass());
        if (e == null) throw new UnsupportedOperationException("the TornadoVM backend has no kernel for op " + op.getClass().getSimpleName());
        return e;
    }

    /** Tasks the op adds with these kernels. */
    static int tasks(Choice k, Op op) { return entry(op).tasks().of(k, op); }

    /** Bytes of TornadoVM bytecode its tasks cost: 33 a launch, 5 an argument (at most 20 a task), 20 a task's dependency edges. */
    static int bytes(Choice k, Op op) {
        int tasks = tasks(k, op);
        return tasks * 33 + Math.max(entry(op).args().applyAsInt(op), 20 * tasks) * 5 + tasks * 20;
    }

    /** Adds the op's task(s), named {@code <prefix><op>} ("train.3.sgemm"); returns how many. */
    static int add(Context c, String prefix, Op op) {
        String s = op.getClass().getSimpleName();
        entry(op).builder().add(c, prefix + Character.toLowerCase(s.charAt(0)) + s.substring(1), op);
        return tasks(new Choice(c.gemm()), op);
    }

    static {
        register(Op.Fill.class, 4, (c, id, o) -> c.tg().task(id, TornadoKernels::fill, c.arr(o.dst()), o.dst().offset(),
                o.dst().length(), o.value()));
        register(Op.Sgemm.class, (k, o) -> k.gemm() == null ? 1 : k.gemm().tasks(plain(o, Choice.ANY)), o -> 15, TornadoTasks::sgemm);
        register(Op.BiasAdd.class, 6, (c, id, o) -> c.tg().task(id, TornadoKernels::biasAdd, c.arr(o.bias()), o.bias().offset(),
                c.arr(o.out()), o.out().offset(), o.cols(), o.rows() * o.cols()));
        register(Op.BiasGrad.class, 6, (c, id, o) -> c.tg().task(id, TornadoKernels::biasGrad, c.arr(o.dout()), o.dout().offset(),
                c.arr(o.dbias()), o.dbias().offset(), o.rows(), o.cols()));
        register(Op.ActForward.class, 7, (c, id, o) -> c.tg().task(id, TornadoActivations::actForward, c.arr(o.in()),
                o.in().offset(), c.arr(o.out()), o.out().offset(), o.n(), TornadoActivations.code(o.kind()), o.slope()));
        register(Op.ActBackward.class, 9, (c, id, o) -> c.tg().task(id, TornadoActivations::actBackward, c.arr(o.src()),
                o.src().offset(), c.arr(o.dout()), o.dout().offset(), c.arr(o.dinp()), o.dinp().offset(), o.n(),
                TornadoActivations.code(o.kind()), o.slope()));
        register(Op.Reparam.class, 8, (c, id, o) -> c.tg().task(id, TornadoKernels::reparam, c.arr(o.muLogvar()),
                o.muLogvar().offset(), c.arr(o.eps()), o.eps().offset(), c.arr(o.z()), o.z().offset(), o.latent(),
                o.batch() * o.latent()));
        register(Op.ReparamBackward.class, 10, (c, id, o) -> c.tg().task(id, TornadoKernels::reparamBackward, c.arr(o.dz()),
                o.dz().offset(), c.arr(o.muLogvar()), o.muLogvar().offset(), c.arr(o.eps()), o.eps().offset(),
                c.arr(o.dMuLogvar()), o.dMuLogvar().offset(), o.latent(), o.batch() * o.latent()));
        register(Op.KlForward.class, 6, (c, id, o) -> c.tg().task(id, TornadoKernels::klForward, c.arr(o.muLogvar()),
                o.muLogvar().offset(), c.arr(o.klPerSample()), o.klPerSample().offset(), o.batch(), o.latent()));
        register(Op.KlBackward.class, 7, (c, id, o) -> c.tg().task(id, TornadoKernels::klBackward, c.arr(o.muLogvar()),
                o.muLogvar().offset(), c.ws().scalars(), c.arr(o.dMuLogvar()), o.dMuLogvar().offset(), o.latent(),
                o.batch() * o.latent()));
        register(Op.KlBackwardFreeBits.class, 8, (c, id, o) -> c.tg().task(id, TornadoKernels::klBackwardFreeBits,
                c.arr(o.muLogvar()), o.muLogvar().offset(), c.ws().scalars(), c.arr(o.dMuLogvar()), o.dMuLogvar().offset(),
                o.freeBits(), o.batch(), o.latent()));
        register(Op.ReconLoss.class, (k, o) -> 2, o -> 14, (c, id, o) -> {
            // element-wise into the col scratch (sized for it, Choice.colScratchFloats), then a sum per sample
            c.tg().task(id + "Elements", ReductionKernels::reconLossElements, c.arr(o.logits()), o.logits().offset(),
                    c.arr(o.target()), o.target().offset(), c.colScratch(), o.batch() * o.dim(), o.wBce(), o.wMse());
            if (gpuClass(c)) segmentSums(c, id, c.colScratch(), 0, o.dim(), o.batch(), c.arr(o.perSample()), o.perSample().offset());
            else c.tg().task(id, ReductionKernels::rowSums, c.colScratch(), o.batch(), o.dim(), c.arr(o.perSample()),
                    o.perSample().offset());
        });
        register(Op.ReconLossBackward.class, 9, (c, id, o) -> c.tg().task(id, TornadoKernels::reconLossBackward,
                c.arr(o.logits()), o.logits().offset(), c.arr(o.target()), o.target().offset(), c.arr(o.dlogits()),
                o.dlogits().offset(), o.wBce(), o.wMse(), o.batch() * o.dim()));
        register(Op.GlobalNorm.class, (k, o) -> 2, o -> 11, TornadoTasks::globalNorm);
        register(Op.ClipByNorm.class, 6, (c, id, o) -> c.tg().task(id, TornadoKernels::clipByNorm, c.arr(o.norm()),
                o.norm().offset(), c.arr(o.x()), o.x().offset(), o.x().length(), o.maxNorm()));
        register(Op.Adam.class, (k, o) -> o.normOut() != null ? 3 : 1, o -> o.normOut() != null ? 25 : 14, TornadoTasks::adam);
        register(Op.Conv.class, TornadoTasks::convTasks, o -> 15, (c, id, o) -> {
            if (c.gemm() != null) DeviceConv.conv(c, id, o); else conv(c, id, o);
        });
        register(Op.ConvInputGrad.class, TornadoTasks::convTasks, o -> 15, (c, id, o) -> {
            if (c.gemm() != null) DeviceConv.inputGrad(c, id, o); else convInputGrad(c, id, o);
        });
        register(Op.ConvWeightGrad.class, TornadoTasks::convTasks, o -> 12, (c, id, o) -> {
            if (c.gemm() != null) DeviceConv.weightGrad(c, id, o); else convWeightGrad(c, id, o);
        });
        register(Op.ChannelBiasGrad.class, (k, o) -> 2, o -> 11, (c, id, o) -> {
            // a sum per (image, channel) plane into the col scratch (Choice.colScratchFloats), then per channel
            if (gpuClass(c)) segmentSums(c, id + "Planes", c.arr(o.dout()), o.dout().offset(), o.plane(), o.batch() * o.channels(),
                    c.colScratch(), 0);
            else c.tg().task(id + "Planes", ReductionKernels::planeSums, c.arr(o.dout()), o.dout().offset(), c.colScratch(),
                    o.batch(), o.channels(), o.plane());
            c.tg().task(id, ReductionKernels::channelSums, c.colScratch(), c.arr(o.dbias()), o.dbias().offset(), o.batch(),
                    o.channels());
        });
        register(Op.Replicate.class, 6, (c, id, o) -> c.tg().task(id, TornadoKernels::replicate, c.arr(o.in()), o.in().offset(),
                c.arr(o.out()), o.out().offset(), o.in().length(), o.out().length()));
        register(Op.SumCopies.class, 7, (c, id, o) -> c.tg().task(id, TornadoKernels::sumCopies, c.arr(o.in()), o.in().offset(),
                c.arr(o.out()), o.out().offset(), o.out().length(), o.copies(), o.scale()));
    }

    private static int convTasks(Choice k, Op op) { return k.gemm() == null ? 1 : DeviceConv.tasks(k.gemm(), op, Choice.ANY); }

    /**
     * Whether {@code next} adds a bias to the C that {@code op} (an SGEMM) writes, the way a Linear layer's forward
     * does, so that the GEMM family can add it as it stores C: one launch and one pass over C fewer.
     */
    static boolean biasFollows(Choice k, Op op, Op next) {
        return k.gemm() != null && op instanceof Op.Sgemm g && next instanceof Op.BiasAdd b && !g.accumulate()
                && b.out().equals(g.c()) && b.rows() == g.m() && b.cols() == g.n()
                && (b.bias().buf() != g.c().buf() || b.bias().end() <= g.c().offset() || g.c().end() <= b.bias().offset());
    }

    /** The SGEMM and the bias after it ({@link #biasFollows}) as one GEMM, named after the SGEMM. */
    static int addWithBias(Context c, String prefix, Op.Sgemm o, Op.BiasAdd bias) {
        GemmCall call = GemmCall.plain(c.arr(o.a()), o.a().offset(), c.arr(o.b()), o.b().offset(), c.arr(o.c()), o.c().offset(),
                o.m(), o.n(), o.k(), o.transA(), o.transB(), false).withColumnBias(c.arr(bias.bias()), bias.bias().offset());
        c.gemm().add(c, prefix + "sgemm", call, c.gemmScratch());
        return c.gemm().tasks(call);
    }

    /** Whether the tasks go to the GPU class's kernels (work-group reductions), not the CPU class's or the legacy ones. */
    private static boolean gpuClass(Context c) { return c.gemm() != null && !(c.gemm() instanceof CpuGemm); }

    /** {@link ReductionKernels#segmentSums} over {@code segments} runs of {@code len} floats, one work-group each. */
    private static void segmentSums(Context c, String id, float[] x, int xOff, int len, int segments, float[] sums, int sOff) {
        c.tg().task(id, ReductionKernels::segmentSums, new KernelContext(), x, xOff, len, sums, sOff);
        WorkerGrid1D grid = new WorkerGrid1D(segments * ReductionKernels.TREE);
        grid.setLocalWork(ReductionKernels.TREE, 1, 1);
        c.grids().addWorkerGrid(c.graph() + "." + id, grid);
    }

    /** The norm is a reduction: partial sums into the scratch array, then one task combines them. */
    private static void globalNorm(Context c, String id, Op.GlobalNorm o) {
        int parts = TornadoKernels.NORM_PARTS;
        if (c.gemm() instanceof CpuGemm) {
            parts = TornadoKernels.NORM_PARTS_CPU;
            c.tg().task(id + "Partial", ReductionKernels::sumSquaresChunks, c.arr(o.x()), o.x().offset(), o.x().length(),
                    c.scratch(), 0, parts);
        } else {
            c.tg().task(id + "Partial", TornadoKernels::sumSquaresPartial, c.arr(o.x()), o.x().offset(), o.x().length(),
                    c.scratch(), 0, parts);
        }
        c.tg().task(id, TornadoKernels::sqrtOfSum, c.scratch(), 0, parts, c.arr(o.out()), o.out().offset());
    }

    private static void adam(Context c, String id, Op.Adam o) {
        // a plan fused elsewhere (this backend does not opt into NORM_INTO_ADAM): the norm's own tasks, then the update
        if (o.normOut() != null) globalNorm(c, id + "Norm", new Op.GlobalNorm(o.normOut(), o.grads()));
        c.tg().task(id, TornadoKernels::adam, c.arr(o.grads()), o.grads().offset(), c.ws().scalars(),
                c.arr(o.params()), o.params().offset(), c.arr(o.m()), o.m().offset(), c.arr(o.v()), o.v().offset(),
                o.params().length(), o.beta1(), o.beta2(), o.eps(), o.weightDecay());
    }

    private static void conv(Context c, String id, Op.Conv o) {
        ConvGeometry g = o.g();
        int act = TornadoActivations.code(o.epilogue().kind());
        if (g.transposed())
            c.tg().task(id, TornadoConvKernels::convTranspose2d, c.arr(o.in()), o.in().offset(), c.arr(o.weight()),
                    o.weight().offset(), c.arr(o.bias()), o.bias().offset(), c.arr(o.out()), o.out().offset(),
                    g.outSize(), inDims(g), outDims(g), kps(g), act, o.epilogue().slope());
        else
            c.tg().task(id, TornadoConvKernels::conv2d, c.arr(o.in()), o.in().offset(), c.arr(o.weight()),
                    o.weight().offset(), c.arr(o.bias()), o.bias().offset(), c.arr(o.out()), o.out().offset(),
                    g.outSize(), inDims(g), outDims(g), kps(g), act, o.epilogue().slope());
    }

    private static void convInputGrad(Context c, String id, Op.ConvInputGrad o) {
        ConvGeometry g = o.g();
        Slice src = sourceOf(o.epilogue(), o.dIn());
        int act = TornadoActivations.code(o.epilogue().kind());
        if (g.transposed())
            c.tg().task(id, TornadoConvKernels::convTranspose2dInputGrad, c.arr(o.dOut()), o.dOut().offset(),
                    c.arr(o.weight()), o.weight().offset(), c.arr(src), src.offset(), c.arr(o.dIn()), o.dIn().offset(),
                    g.inSize(), inDims(g), outDims(g), kps(g), act, o.epilogue().slope());
        else
            c.tg().task(id, TornadoConvKernels::conv2dInputGrad, c.arr(o.dOut()), o.dOut().offset(),
                    c.arr(o.weight()), o.weight().offset(), c.arr(src), src.offset(), c.arr(o.dIn()), o.dIn().offset(),
                    g.inSize(), inDims(g), outDims(g), kps(g), act, o.epilogue().slope());
    }

    private static void convWeightGrad(Context c, String id, Op.ConvWeightGrad o) {
        ConvGeometry g = o.g();
        if (g.transposed())
            c.tg().task(id, TornadoConvKernels::convTranspose2dWeightGrad, c.arr(o.dOut()), o.dOut().offset(),
                    c.arr(o.in()), o.in().offset(), c.arr(o.dWeight()), o.dWeight().offset(), g.weightSize(), g.batch(),
                    inDims(g), outDims(g), kps(g));
        else
            c.tg().task(id, TornadoConvKernels::conv2dWeightGrad, c.arr(o.dOut()), o.dOut().offset(),
                    c.arr(o.in()), o.in().offset(), c.arr(o.dWeight()), o.dWeight().offset(), g.weightSize(), g.batch(),
                    inDims(g), outDims(g), kps(g));
    }

    /**
     * The array an input gradient's kernel reads f' from: the epilogue's source, or with no epilogue the
     * gradient itself (ACT_IDENTITY never uses the value: f' = 1).
     */
    private static Slice sourceOf(Epilogue e, Slice dIn) { return e.isDerivative() ? e.source() : dIn; }

    private static int inDims(ConvGeometry g) {
        if (!TornadoConvKernels.fitsPacking(Math.max(g.inC(), g.outC()), Math.max(g.inH(), g.outH()), Math.max(g.inW(), g.outW()),
                g.kernel(), g.stride(), g.pad()))
            throw new IllegalArgumentException("the TornadoVM backend supports convolutions of up to 2047 channels and "
                    + "1023×1023 pixels, got " + g);
        return TornadoConvKernels.packDims(g.inC(), g.inH(), g.inW());
    }

    private static int outDims(ConvGeometry g) { return TornadoConvKernels.packDims(g.outC(), g.outH(), g.outW()); }

    private static int kps(ConvGeometry g) { return TornadoConvKernels.packKernel(g.kernel(), g.stride(), g.pad()); }

    private static void sgemm(Context c, String id, Op.Sgemm o) {
        int[] s = TornadoSgemmKernels.strides(o.m(), o.n(), o.k(), o.transA(), o.transB());
        if (c.gemm() != null) {
            c.gemm().add(c, id, GemmCall.plain(c.arr(o.a()), o.a().offset(), c.arr(o.b()), o.b().offset(), c.arr(o.c()),
                    o.c().offset(), o.m(), o.n(), o.k(), o.transA(), o.transB(), o.accumulate()), c.gemmScratch());
            return;
        }
        int acc = o.accumulate() ? 1 : 0;
        TaskGraph tg = c.tg();
        if (c.sgemmVariant() == 1) {
            tg.task(id, TornadoSgemmKernels::sgemmSimple, c.arr(o.a()), o.a().offset(), s[0], s[1], c.arr(o.b()), o.b().offset(),
                    s[2], s[3], c.arr(o.c()), o.c().offset(), o.m(), o.n(), o.k(), acc);
        } else if (c.sgemmVariant() == 3) {
            tg.task(id, TornadoSgemmKernels::sgemmRows, c.arr(o.a()), o.a().offset(), s[0], s[1], c.arr(o.b()), o.b().offset(),
                    s[2], s[3], c.arr(o.c()), o.c().offset(), o.m(), o.n(), o.k(), acc,
                    (o.m() + TornadoSgemmKernels.RB - 1) / TornadoSgemmKernels.RB);
        } else {
            tg.task(id, TornadoSgemmKernels::sgemmTiled, new KernelContext(), c.arr(o.a()), o.a().offset(), s[0], s[1],
                    c.arr(o.b()), o.b().offset(), s[2], s[3], c.arr(o.c()), o.c().offset(), o.m(), o.n(), o.k(), acc);
            WorkerGrid2D grid = new WorkerGrid2D(TornadoSgemmKernels.roundUp(o.n()), TornadoSgemmKernels.roundUp(o.m()));
            grid.setLocalWork(TornadoSgemmKernels.TS, TornadoSgemmKernels.TS, 1);
            c.grids().addWorkerGrid(c.graph() + "." + id, grid);
        }
    }
}
